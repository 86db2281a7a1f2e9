// The chat page served by `nomyo-router --ui`, in real headless Chromium against
// a real router process and the deterministic stub upstream: answers and
// metadata appear, nothing on the wire carries the prompt, nothing is persisted,
// and the page holds together at desktop and phone width.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/paths.mjs';
import { startRouter } from '../support/router.mjs';
import { startStubUpstream } from '../support/stub-upstream.mjs';
import { EMPTY_STATE, launchChromium, persistedState, recordRequests, screenshotPath } from './support/chromium.mjs';

const SECURE_PATH = '/v1/chat/secure_completion';
const API_KEY = 'sk-page-test-0123456789';

let browser;
let stub;
let router;

before(async () => {
  stub = await startStubUpstream();
  [browser, router] = await Promise.all([launchChromium(), startRouter({ upstream: stub.url, args: ['--ui', '--quiet'] })]);
});

after(async () => {
  await browser?.close();
  await router?.stop();
  await stub?.close();
});

async function openPage(viewport) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: viewport.width < 500 ? 2 : 1 });
  const requests = recordRequests(context);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto(`${router.baseUrl}/`);
  await page.waitForSelector('html[data-ready="true"]');
  return { context, page, requests, pageErrors };
}

/** Types a message, sends it, and waits until the reply (or error) replaced the pending bubble. */
async function sendMessage(page, text) {
  const answered = await page.locator('.msg.assistant:not(.pending)').count();
  await page.fill('#prompt', text);
  await page.click('#send');
  await page.locator('.msg.assistant:not(.pending):not(.tool)').nth(answered).waitFor();
  await page.waitForFunction(() => !document.querySelector('.msg.pending'));
}

function secureRequests(requests) {
  return requests.filter((r) => new URL(r.url).pathname === SECURE_PATH && r.method === 'POST');
}

function assertNoBodyContains(requests, texts) {
  for (const request of requests) {
    if (!request.body) continue;
    const body = request.body.toString('latin1');
    for (const text of texts) assert.ok(!body.includes(text), `${request.method} ${request.url} carried "${text}" in its body`);
  }
}

describe('chat page (nomyo-router --ui) in Chromium', () => {
  test('serves the page, its scripts and the bundle with strict headers', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/ui/app.js', 'text/javascript'], ['/ui/style.css', 'text/css'], ['/nomyo.js', 'text/javascript']]) {
      const response = await fetch(router.baseUrl + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type'), new RegExp(`^${type}`), path);
      const csp = response.headers.get('content-security-policy');
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      await response.arrayBuffer();
    }
    const post = await fetch(`${router.baseUrl}/`, { method: 'POST' });
    assert.equal(post.status, 405);
    await post.arrayBuffer();
  });

  test('without --ui the router serves no page; a missing bundle makes --ui fail at start, not at first visit', async () => {
    const plain = await startRouter({ upstream: stub.url, args: ['--quiet'] });
    try {
      for (const path of ['/', '/nomyo.js', '/ui/app.js']) {
        const response = await fetch(plain.baseUrl + path);
        await response.arrayBuffer();
        assert.equal(response.status, 404, path);
      }
    } finally {
      await plain.stop();
    }
    const { loadUi, UiUnavailableError } = await import(pathToFileURL(join(repoRoot, 'packages', 'nomyo-router', 'dist', 'ui.js')).href);
    assert.throws(() => loadUi({ bundlePath: join(repoRoot, 'no-such-bundle.js') }), (error) => {
      assert.ok(error instanceof UiUnavailableError);
      assert.match(error.message, /build the browser bundle first: npm run build/);
      return true;
    });
  });

  test('a message is answered, with metadata, and the prompt never crosses the wire in clear', async () => {
    stub.reset();
    const { context, page, requests, pageErrors } = await openPage({ width: 1280, height: 820 });
    const prompt = 'Which river runs through Zanzibar-7731 in spring?';
    await page.fill('#api-key', API_KEY);
    await sendMessage(page, prompt);

    const answer = page.locator('.msg.assistant [data-field="content"]').last();
    assert.equal(await answer.textContent(), `echo: ${prompt}`);
    const [sealed] = secureRequests(requests);
    assert.ok(sealed, 'the page sent a sealed request');
    const payloadId = sealed.headers['x-payload-id'];
    assert.match(payloadId, /^[0-9a-f-]{36}$/);
    assert.equal(await page.locator('.msg.assistant [data-field="payload-id"]').last().textContent(), payloadId);
    assert.equal(await page.locator('.msg.assistant [data-field="tier"]').last().textContent(), 'standard');
    assert.equal(sealed.headers['x-security-tier'], undefined, 'no tier chosen: the server default applies');
    assert.equal(sealed.headers.authorization, `Bearer ${API_KEY}`);

    // The wire panel reports the same request: its size and that the prompt is absent.
    const entry = page.locator(`.wire-entry[data-path="${SECURE_PATH}"]`).first();
    assert.equal(await entry.getAttribute('data-prompt-in-body'), 'no');
    assert.equal(Number(await entry.getAttribute('data-bytes')), sealed.body.length);
    assert.equal(await entry.locator('[data-field="wire-payload-id"]').textContent(), payloadId);
    assert.ok(!(await page.textContent('body')).includes(API_KEY), 'the page never displays the API key');

    // The router really opened it: the upstream received the plaintext prompt.
    assert.equal(stub.calls.at(-1).messages.at(-1).content, prompt);
    assertNoBodyContains(requests, [prompt, 'Zanzibar-7731', API_KEY]);
    await page.screenshot({ path: screenshotPath('chat.png') });
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(await persistedState(page), EMPTY_STATE);
    await context.close();
  });

  test('the chosen security tier travels as a header and comes back in the metadata', async () => {
    const { context, page, requests } = await openPage({ width: 1280, height: 820 });
    await page.click('#tiers label:has(input[value="high"])');
    await sendMessage(page, 'tier check');
    const [sealed] = secureRequests(requests);
    assert.equal(sealed.headers['x-security-tier'], 'high');
    assert.equal(await page.locator('.msg.assistant [data-field="tier"]').last().textContent(), 'high');
    assert.match(await page.textContent('#settings-summary'), /high/);
    await context.close();
  });

  test('with the sample tool on, the tool call is shown and the tool result goes back sealed', async () => {
    stub.reset();
    const { context, page, requests } = await openPage({ width: 1280, height: 820 });
    await page.check('#tool-toggle');
    const prompt = 'What is the weather in Paris?';
    await sendMessage(page, prompt);

    const call = page.locator('[data-field="tool-call"]');
    assert.equal(await call.getAttribute('data-tool-name'), 'get_weather');
    assert.match(await call.textContent(), /get_weather\(\{"city":"Paris"\}\)/);
    assert.equal(await page.locator('.msg.assistant [data-field="content"]').last().textContent(), `echo: ${prompt}`);
    // Two sealed round trips: the question, then the tool result with tool_choice "none".
    assert.equal(secureRequests(requests).length, 2);
    const followUp = stub.calls.at(-1);
    assert.equal(followUp.tool_choice, 'none');
    assert.equal(followUp.messages.at(-1).role, 'tool');
    assert.match(followUp.messages.at(-1).content, /"city":"Paris"/);
    assertNoBodyContains(requests, [prompt, 'partly cloudy']);
    await page.screenshot({ path: screenshotPath('chat-tools.png') });
    await context.close();
  });

  test('a refused request shows the typed error and the conversation stays usable', async () => {
    const { context, page } = await openPage({ width: 1280, height: 820 });
    stub.script([{ status: 503 }, { status: 503 }]);
    await page.fill('#prompt', 'will fail');
    await page.click('#send');
    await page.locator('.msg.error').waitFor();
    assert.equal(await page.textContent('.msg.error [data-field="error-name"]'), 'ServiceUnavailableError (503)');
    await sendMessage(page, 'and now?');
    assert.equal(await page.locator('.msg.assistant [data-field="content"]').last().textContent(), 'echo: and now?');
    await context.close();
  });

  test('at phone width (375 px) nothing overflows and the conversation works', async () => {
    const { context, page, pageErrors } = await openPage({ width: 375, height: 812 });
    assert.equal(await page.locator('#settings').getAttribute('open'), null, 'settings start folded on a phone');
    await sendMessage(page, 'Hello from a phone');
    assert.equal(await page.locator('.msg.assistant [data-field="content"]').last().textContent(), 'echo: Hello from a phone');
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `horizontal overflow: ${widths.scroll} > ${widths.client}`);
    await page.screenshot({ path: screenshotPath('chat-375.png') });
    await page.screenshot({ path: screenshotPath('chat-375-full.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(await persistedState(page), EMPTY_STATE);
    await context.close();
  });
});
