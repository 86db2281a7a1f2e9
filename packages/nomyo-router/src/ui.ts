/**
 * `--ui`: a small chat page for browsers, served from the router's own origin so
 * its requests need no CORS. Static files come from packages/nomyo-router/ui/ and
 * the client from the nomyo-js browser bundle; all are read once at start, so a
 * missing build fails the start instead of the first page load. Every page
 * response carries a strict Content-Security-Policy: scripts, styles and
 * connections to this origin only, nothing inline, no framing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonResponse, type RouterResponse } from './http-error.js';

export const PATH_UI_BUNDLE = '/nomyo.js';

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cache-control': 'no-cache',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** URL path → file under ui/. */
const PAGE_FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/ui/app.js': 'app.js',
  '/ui/dom.js': 'dom.js',
  '/ui/wire.js': 'wire.js',
  '/ui/style.css': 'style.css',
  '/ui/favicon.svg': 'favicon.svg',
};

export interface UiOptions {
  /** Models to suggest in the page (e.g. those named by --tier-models); the user may type any other. */
  models?: readonly string[];
  /** Whether the router requires an API key, so the page can say so up front. */
  apiKeyRequired?: boolean;
  /** Overrides for tests and packaging. */
  uiDir?: string;
  bundlePath?: string;
}

export interface UiSite {
  /** The response for a page request, or undefined when the path is not part of the page. */
  handle(method: string, path: string): RouterResponse | undefined;
}

export class UiUnavailableError extends Error {
  override readonly name = 'UiUnavailableError';
}

function defaultUiDir(): string {
  return fileURLToPath(new URL('../ui/', import.meta.url));
}

function defaultBundlePath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('nomyo-js/package.json')), 'dist', 'browser', 'index.js');
}

function readAsset(path: string, hint: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new UiUnavailableError(`--ui: cannot read ${path} (${hint})`, { cause });
  }
}

function extensionOf(file: string): string {
  return file.slice(file.lastIndexOf('.'));
}

/** Reads the page and the bundle now; throws UiUnavailableError when either is missing. */
export function loadUi(options: UiOptions = {}): UiSite {
  const uiDir = options.uiDir ?? defaultUiDir();
  const assets = new Map<string, RouterResponse>();
  for (const [path, file] of Object.entries(PAGE_FILES)) {
    const body = readAsset(join(uiDir, file), 'the page files ship in packages/nomyo-router/ui/');
    assets.set(path, { status: 200, headers: { 'content-type': TYPES[extensionOf(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS }, body });
  }
  const bundle = readAsset(options.bundlePath ?? defaultBundlePath(), 'build the browser bundle first: npm run build');
  assets.set(PATH_UI_BUNDLE, { status: 200, headers: { 'content-type': TYPES['.js']!, ...SECURITY_HEADERS }, body: bundle });
  const config = { models: [...new Set(options.models ?? [])], apiKeyRequired: options.apiKeyRequired === true };
  assets.set('/ui/config.json', jsonResponse(200, config, SECURITY_HEADERS));

  return {
    handle(method, path) {
      const asset = assets.get(path);
      if (asset === undefined) return undefined;
      if (method !== 'GET' && method !== 'HEAD') {
        return jsonResponse(405, { detail: 'method not allowed' }, { allow: 'GET, HEAD' });
      }
      return { ...asset, headers: { ...asset.headers } };
    },
  };
}
