// CORS in a real browser: a page on a listed origin (--cors-origin) uses the
// client against the router, Authorization and X-Security-Tier included, so its
// preflight must pass; a page on an unlisted origin is refused by the browser
// itself and the client reports APIConnectionError.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRouter } from '../support/router.mjs';
import { startStubUpstream } from '../support/stub-upstream.mjs';
import { launchChromium } from './support/chromium.mjs';
import { HARNESS_PAGES, openHarness } from './support/harness.mjs';
import { startStaticSite } from './support/static-server.mjs';

const API_KEY = 'cors-test-key';
const PROTOCOL_HEADERS = ['authorization', 'content-type', 'x-public-key', 'x-payload-id', 'x-security-tier'];

let browser;
let stub;
let allowed;
let unlisted;
let router;

before(async () => {
  [stub, allowed, unlisted] = await Promise.all([startStubUpstream(), startStaticSite(HARNESS_PAGES), startStaticSite(HARNESS_PAGES)]);
  [browser, router] = await Promise.all([
    launchChromium(),
    startRouter({ upstream: stub.url, args: ['--quiet', '--api-key', API_KEY, '--cors-origin', allowed.origin] }),
  ]);
});

after(async () => {
  await browser?.close();
  await router?.stop();
  await Promise.all([allowed?.close(), unlisted?.close(), stub?.close()]);
});

/** One create() from a page on `origin`, with the API key and a tier, so the browser must preflight. */
async function createFrom(origin) {
  const context = await browser.newContext();
  try {
    const page = await openHarness(context, origin);
    return await page.evaluate(
      ({ routerUrl, apiKey }) =>
        window.capture(async () => {
          const client = new window.nomyo.SecureChatCompletion({ baseUrl: routerUrl, apiKey, allowHttp: true, maxRetries: 0 });
          try {
            const response = await client.create({
              model: 'Qwen/Qwen3-0.6B',
              messages: [{ role: 'user', content: `hello from ${location.origin}` }],
              security_tier: 'standard',
            });
            return { content: response.choices[0].message.content, tier: response._metadata.security_tier };
          } finally {
            client.dispose();
          }
        }),
      { routerUrl: router.baseUrl, apiKey: API_KEY },
    );
  } finally {
    await context.close();
  }
}

function preflight(origin) {
  return fetch(`${router.baseUrl}/v1/chat/secure_completion`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': PROTOCOL_HEADERS.join(','),
    },
  });
}

describe('CORS between a page and nomyo-router in Chromium', () => {
  test('a page on a listed origin completes a sealed request with Authorization and X-Security-Tier', async () => {
    stub.reset();
    const outcome = await createFrom(allowed.origin);
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.deepEqual(outcome.value, { content: `echo: hello from ${allowed.origin}`, tier: 'standard' });
    assert.equal(stub.calls.length, 1);
  });

  test('a page on an unlisted origin is refused by the browser: APIConnectionError, nothing reaches the engine', async () => {
    stub.reset();
    const outcome = await createFrom(unlisted.origin);
    assert.equal(outcome.error?.name, 'APIConnectionError', JSON.stringify(outcome));
    assert.deepEqual(outcome.error.classes, ['APIConnectionError', 'APIError', 'NomyoError']);
    assert.equal(outcome.error.statusCode, undefined);
    assert.equal(stub.calls.length, 0);
  });

  test('the preflight for a listed origin allows the protocol headers and POST', async () => {
    const response = await preflight(allowed.origin);
    await response.arrayBuffer();
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), allowed.origin);
    assert.match(response.headers.get('access-control-allow-methods'), /\bPOST\b/);
    const allowedHeaders = response.headers.get('access-control-allow-headers').toLowerCase().split(/\s*,\s*/);
    for (const header of PROTOCOL_HEADERS) assert.ok(allowedHeaders.includes(header), `preflight allows ${header}`);
    assert.match(response.headers.get('vary'), /Origin/i);
  });

  test('the preflight for an unlisted origin grants nothing', async () => {
    const response = await preflight(unlisted.origin);
    await response.arrayBuffer();
    assert.notEqual(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(response.headers.get('access-control-allow-headers'), null);
  });
});
