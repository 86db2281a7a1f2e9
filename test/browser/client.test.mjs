// The client's behavioural suite in a real browser: the built bundle
// (dist/browser/index.js) imported by a page on its own origin, talking across
// origins to a real router process (--cors-origin) in front of the stub
// upstream. The guide's examples, and every typed error a browser user can meet,
// asserted by exact class.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startRouter } from '../support/router.mjs';
import { startStubUpstream } from '../support/stub-upstream.mjs';
import { EMPTY_STATE, launchChromium, persistedState, recordRequests } from './support/chromium.mjs';
import { HARNESS_PAGES, openHarness, watchWebCrypto } from './support/harness.mjs';
import { startStaticSite } from './support/static-server.mjs';

const API_KEY = 'your-api-key';
const RESTRICTED_MODEL = 'approved-model';

// "Browser Usage" from the getting-started guide, exactly as printed there.
const GUIDE_SNIPPET = `<script type="module">
import { SecureChatCompletion } from 'https://unpkg.com/nomyo-js/dist/browser/index.js';
const client = new SecureChatCompletion({
baseUrl: 'https://api.nomyo.ai',
apiKey: 'your-api-key',
});
const response = await client.create({
model: 'Qwen/Qwen3-0.6B',
messages: [{ role: 'user', content: 'Hello from the browser!' }],
});
console.log(response.choices[0].message.content);
client.dispose();
</script>`;

/** The only changes: the bundle from this site, baseUrl at the local router, and allowHttp for plain http. */
function localGuidePage(routerUrl) {
  const script = GUIDE_SNIPPET.replace('https://unpkg.com/nomyo-js/dist/browser/index.js', '/nomyo.js')
    .replace("baseUrl: 'https://api.nomyo.ai',", `baseUrl: '${routerUrl}',\nallowHttp: true,`);
  assert.notEqual(script, GUIDE_SNIPPET);
  return `<!doctype html><meta charset="utf-8"><title>guide</title>\n${script}`;
}

let browser;
let stub;
let site;
let router;
let context;
let page;
let requests;

before(async () => {
  stub = await startStubUpstream();
  site = await startStaticSite(HARNESS_PAGES);
  [browser, router] = await Promise.all([
    launchChromium(),
    startRouter({
      upstream: stub.url,
      args: ['--quiet', '--api-key', API_KEY, '--tier-models', `high=${RESTRICTED_MODEL}`, '--cors-origin', site.origin],
    }),
  ]);
  site.setPage('/guide.html', localGuidePage(router.baseUrl));
  context = await browser.newContext();
  await context.addInitScript(watchWebCrypto);
  requests = recordRequests(context);
  page = await openHarness(context, site.origin);
});

after(async () => {
  await browser?.close();
  await router?.stop();
  await site?.close();
  await stub?.close();
});

beforeEach(() => stub.reset());

/** Runs `body(nomyo, routerUrl, apiKey)` in the page; returns { value } or { error: { name, code, statusCode, classes } }. */
function inBrowser(body, extra = {}) {
  return page.evaluate(
    async ({ source, routerUrl, apiKey, extra }) => {
      const run = new Function('nomyo', 'routerUrl', 'apiKey', 'extra', `return (${source})(nomyo, routerUrl, apiKey, extra);`);
      return window.capture(() => run(window.nomyo, routerUrl, apiKey, extra));
    },
    { source: body.toString(), routerUrl: router.baseUrl, apiKey: API_KEY, extra },
  );
}

function assertError(outcome, name, { statusCode, classes } = {}) {
  assert.ok(outcome.error, `expected ${name}, got a value: ${JSON.stringify(outcome.value)}`);
  assert.equal(outcome.error.name, name, outcome.error.message);
  assert.ok(outcome.error.classes.includes(name), `instanceof ${name}`);
  if (classes) assert.deepEqual(outcome.error.classes, [...classes].sort());
  if (statusCode !== undefined) assert.equal(outcome.error.statusCode, statusCode);
}

describe('nomyo-js browser bundle in Chromium', () => {
  test("the guide's browser snippet runs as written; the private key is generated non-extractable and nothing is persisted", async () => {
    const guide = await context.newPage();
    const logs = [];
    guide.on('console', (message) => logs.push({ type: message.type(), text: message.text() }));
    const errors = [];
    guide.on('pageerror', (error) => errors.push(error));
    const printed = guide.waitForEvent('console', { predicate: (message) => message.type() === 'log' });
    await guide.goto(`${site.origin}/guide.html`);
    assert.equal((await printed).text(), 'echo: Hello from the browser!');
    assert.deepEqual(errors, []);
    assert.ok(logs.some((l) => l.type === 'warning' && /allowHttp/.test(l.text)), 'allowHttp prints its security warning');

    const crypto = await guide.evaluate(() => window.__webCryptoLog);
    const rsa = crypto.generated.filter((g) => g.name === 'RSA-OAEP');
    assert.ok(rsa.length >= 1, 'the client generated its RSA key pair in the page');
    for (const pair of rsa) {
      assert.equal(pair.modulusLength, 4096);
      assert.equal(pair.requestedExtractable, false);
      assert.equal(pair.privateKeyExtractable, false);
      assert.deepEqual(pair.privateKeyUsages, ['decrypt']);
    }
    assert.ok(crypto.exported.length >= 1);
    assert.ok(crypto.exported.every((e) => e.type === 'public'), `only public keys exported: ${JSON.stringify(crypto.exported)}`);
    assert.deepEqual(await persistedState(guide), EMPTY_STATE);
    await guide.close();
  });

  test('a system message and tools: the answer carries message.tool_calls', async () => {
    const outcome = await inBrowser(async (nomyo, routerUrl, apiKey) => {
      const client = new nomyo.SecureChatCompletion({ baseUrl: routerUrl, apiKey, allowHttp: true });
      try {
        const response = await client.create({
          model: 'Qwen/Qwen3-0.6B',
          messages: [
            { role: 'system', content: 'You are a weather assistant.' },
            { role: 'user', content: 'What is the weather in Paris?' },
          ],
          tools: [{
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Current weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          }],
        });
        return { finish: response.choices[0].finish_reason, calls: response.choices[0].message.tool_calls, meta: response._metadata };
      } finally {
        client.dispose();
      }
    });
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.equal(outcome.value.finish, 'tool_calls');
    assert.equal(outcome.value.calls.length, 1);
    assert.equal(outcome.value.calls[0].type, 'function');
    assert.equal(outcome.value.calls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(outcome.value.calls[0].function.arguments), { city: 'Paris' });
    assert.equal(outcome.value.meta.is_encrypted, true);
    assert.deepEqual(stub.calls[0].messages[0], { role: 'system', content: 'You are a weather assistant.' });
  });

  test('per-request api_key overrides the client key; a wrong key alone is AuthenticationError', async () => {
    const outcome = await inBrowser(async (nomyo, routerUrl, apiKey) => {
      const client = new nomyo.SecureChatCompletion({ baseUrl: routerUrl, apiKey: 'wrong-key', allowHttp: true, maxRetries: 0 });
      const messages = [{ role: 'user', content: 'key check' }];
      try {
        const overridden = await client.create({ model: 'Qwen/Qwen3-0.6B', messages, api_key: apiKey });
        const refused = await window.capture(() => client.create({ model: 'Qwen/Qwen3-0.6B', messages }));
        return { content: overridden.choices[0].message.content, refused: refused.error };
      } finally {
        client.dispose();
      }
    });
    assert.equal(outcome.value.content, 'echo: key check');
    assertError({ error: outcome.value.refused }, 'AuthenticationError', { statusCode: 401, classes: ['AuthenticationError', 'APIError', 'NomyoError'] });
    assert.equal(stub.calls.length, 1, 'the refused request never reached the engine');
  });

  test('security_tier travels to the router and comes back in _metadata; a model outside the tier is ForbiddenError', async () => {
    const outcome = await inBrowser(async (nomyo, routerUrl, apiKey, { model }) => {
      const client = new nomyo.SecureChatCompletion({ baseUrl: routerUrl, apiKey, allowHttp: true, maxRetries: 0 });
      const messages = [{ role: 'user', content: 'tier check' }];
      try {
        const high = await client.create({ model, messages, security_tier: 'high' });
        const refused = await window.capture(() => client.create({ model: 'Qwen/Qwen3-0.6B', messages, security_tier: 'high' }));
        return { tier: high._metadata.security_tier, refused: refused.error };
      } finally {
        client.dispose();
      }
    }, { model: RESTRICTED_MODEL });
    assert.equal(outcome.value.tier, 'high');
    assertError({ error: outcome.value.refused }, 'ForbiddenError', { statusCode: 403, classes: ['ForbiddenError', 'APIError', 'NomyoError'] });
  });

  test('acreate answers like create; after dispose, create is ClientDisposedError', async () => {
    const outcome = await inBrowser(async (nomyo, routerUrl, apiKey) => {
      const client = new nomyo.SecureChatCompletion({ baseUrl: routerUrl, apiKey, allowHttp: true });
      const answer = await client.acreate({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'via acreate' }] });
      client.dispose();
      const disposed = await window.capture(() => client.create({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'late' }] }));
      return { content: answer.choices[0].message.content, payloadId: answer._metadata.payload_id, disposed: disposed.error };
    });
    assert.equal(outcome.value.content, 'echo: via acreate');
    assert.match(outcome.value.payloadId, /^[0-9a-f-]{36}$/);
    assertError({ error: outcome.value.disposed }, 'ClientDisposedError', { classes: ['ClientDisposedError', 'NomyoError'] });
    assert.equal(stub.calls.length, 1);
  });

  test('an unavailable backend (503) is ServiceUnavailableError', async () => {
    stub.script([{ status: 503 }]);
    const outcome = await inBrowser(async (nomyo, routerUrl, apiKey) => {
      const client = new nomyo.SecureChatCompletion({ baseUrl: routerUrl, apiKey, allowHttp: true, maxRetries: 0 });
      try {
        return await client.create({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'busy?' }] });
      } finally {
        client.dispose();
      }
    });
    assertError(outcome, 'ServiceUnavailableError', { statusCode: 503, classes: ['ServiceUnavailableError', 'APIError', 'NomyoError'] });
  });

  test('a bad security_tier is InvalidRequestError before anything is sent', async () => {
    const before = requests.length;
    const outcome = await inBrowser(async (nomyo, routerUrl, apiKey) => {
      const client = new nomyo.SecureChatCompletion({ baseUrl: routerUrl, apiKey, allowHttp: true });
      try {
        return await client.create({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'x' }], security_tier: 'ultra' });
      } finally {
        client.dispose();
      }
    });
    assertError(outcome, 'InvalidRequestError', { classes: ['InvalidRequestError', 'APIError', 'NomyoError'] });
    assert.equal(outcome.error.statusCode, undefined);
    assert.equal(requests.length, before, 'no request left the page');
  });

  test('plain http without allowHttp is SecurityError', async () => {
    const outcome = await inBrowser(async (nomyo, routerUrl) => new nomyo.SecureChatCompletion({ baseUrl: routerUrl }));
    assertError(outcome, 'SecurityError', { classes: ['SecurityError', 'NomyoError'] });
  });

  test('keyDir in a browser is InvalidRequestError with a clear message, not a crash', async () => {
    const outcome = await inBrowser(async (nomyo, routerUrl) => new nomyo.SecureChatCompletion({ baseUrl: routerUrl, allowHttp: true, keyDir: './keys' }));
    assertError(outcome, 'InvalidRequestError', { classes: ['InvalidRequestError', 'APIError', 'NomyoError'] });
    assert.match(outcome.error.message, /keyDir is only supported in Node\.js/);
  });

  test('after all of the above, the page persisted nothing and no body carried a prompt', async () => {
    assert.deepEqual(await persistedState(page), EMPTY_STATE);
    const prompts = ['Hello from the browser!', 'What is the weather in Paris?', 'You are a weather assistant.', 'key check', 'tier check', 'via acreate'];
    const posts = requests.filter((r) => r.body);
    assert.ok(posts.length >= 6, `sealed requests were seen (${posts.length})`);
    for (const request of posts) {
      const body = request.body.toString('latin1');
      for (const prompt of prompts) assert.ok(!body.includes(prompt), `${request.url} carried "${prompt}"`);
      assert.ok(!body.includes(API_KEY), 'the API key is never inside a body');
    }
  });
});
