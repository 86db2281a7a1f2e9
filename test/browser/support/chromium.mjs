// Headless Chromium from the distribution's `chromium` package, driven by
// playwright-core. One browser per test file; each test takes a fresh context
// (its own storage), so nothing one test leaves behind is seen by the next.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from '../../support/paths.mjs';

export const screenshotDir = join(repoRoot, 'test-output', 'browser');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

function chromiumPath() {
  const path = process.env.CHROMIUM_PATH ?? execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  if (!path) throw new Error('chromium not found: install Debian\'s chromium package or set CHROMIUM_PATH');
  return path;
}

export async function launchChromium() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ARGS });
}

export function screenshotPath(name) {
  mkdirSync(screenshotDir, { recursive: true });
  return join(screenshotDir, name);
}

/** Records every request the context makes, with method, URL, headers and raw body. */
export function recordRequests(context) {
  const requests = [];
  context.on('request', (request) => {
    requests.push({
      method: request.method(),
      url: request.url(),
      headers: request.headers(),
      body: request.postDataBuffer(),
    });
  });
  return requests;
}

/** Everything a page could have persisted on its origin: web storage, cookies, IndexedDB, Cache Storage. */
export async function persistedState(page) {
  const inPage = await page.evaluate(async () => ({
    localStorage: Object.keys(localStorage),
    sessionStorage: Object.keys(sessionStorage),
    cookie: document.cookie,
    indexedDB: (await indexedDB.databases()).map((db) => db.name),
    caches: await caches.keys(),
  }));
  const state = await page.context().storageState();
  return { ...inPage, contextCookies: state.cookies, contextOrigins: state.origins.filter((o) => o.localStorage.length > 0) };
}

export const EMPTY_STATE = { localStorage: [], sessionStorage: [], cookie: '', indexedDB: [], caches: [], contextCookies: [], contextOrigins: [] };
