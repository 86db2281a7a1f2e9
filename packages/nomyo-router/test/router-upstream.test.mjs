// How upstream failures reach the client: statuses per the protocol, fixed
// details (upstream bodies are never passed on), and no lasting harm.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startRouter } from '../../../test/support/router.mjs';
import { startStubUpstream } from '../../../test/support/stub-upstream.mjs';
import { secureClient, userRequest } from './support/wire.mjs';

let stub;
let router;
let client;

before(async () => {
  stub = await startStubUpstream();
  router = await startRouter({ upstream: stub.url, args: ['--upstream-timeout', '700', '--upstream-api-key', 'sk-upstream'] });
  client = await secureClient(router.baseUrl);
});
after(async () => {
  await router?.stop();
  await stub?.close();
});

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('upstream answers mapped to protocol statuses', () => {
  const cases = [
    ['503 → 503, Retry-After passed on', { status: 503, headers: { 'retry-after': '7' } }, 503, 'inference engine unavailable', '7'],
    ['429 → 429, Retry-After passed on', { status: 429, headers: { 'retry-after': '12' } }, 429, 'inference engine is rate limited', '12'],
    ['500 → 502', { status: 500 }, 502, 'inference engine failed', null],
    ['502 → 502', { status: 502 }, 502, 'inference engine failed', null],
    ['401 (our upstream key refused) → 502', { status: 401 }, 502, 'inference engine refused the router credentials', null],
    ['200 with a non-JSON body → 502', { status: 200, body: 'this is <html>' }, 502, 'invalid answer from inference engine', null],
    ['200 without choices → 502', { status: 200, body: { object: 'chat.completion', choices: [] } }, 502, 'invalid answer from inference engine', null],
    ['connection dropped → 502', { status: 200, destroy: true }, 502, 'inference engine connection failed', null],
    ['slower than --upstream-timeout → 504', { status: 200, delayMs: 1500 }, 504, 'inference engine timed out', null],
    ['a nonsense Retry-After is not passed on', { status: 503, headers: { 'retry-after': 'whenever you like' } }, 503, 'inference engine unavailable', null],
  ];
  for (const [name, scripted, status, detail, retryAfter] of cases) {
    test(name, async () => {
      stub.script([scripted]);
      const callsBefore = stub.calls.length;
      const answer = await client.complete(userRequest(name));
      // One attempt only: a request the engine already received is never sent twice.
      assert.equal(stub.calls.length, callsBefore + 1);
      assert.equal(answer.status, status);
      assert.equal(answer.detail, detail);
      assert.equal(answer.headers.get('retry-after'), retryAfter);
    });
  }

  test('upstream 400 → 400 with a generic detail, never the upstream text (it may quote the prompt)', async () => {
    stub.script([{ status: 400, body: { error: { message: 'bad prompt: SECRET words here' } } }]);
    const answer = await client.complete(userRequest('SECRET words here'));
    assert.equal(answer.status, 400);
    assert.equal(answer.detail, 'the inference engine refused the request');
    assert.doesNotMatch(answer.text, /SECRET/);
  });

  test('after all that, and after a timed-out call finally answers, the next request is served', async () => {
    await new Promise((resolve) => setTimeout(resolve, 900)); // let the 1.5 s scripted answer arrive late
    const answer = await client.complete(userRequest('all good'));
    assert.equal(answer.status, 200);
    assert.equal(answer.completion.choices[0].message.content, 'echo: all good');
  });

  test('the upstream gets its own bearer key, JSON, stream:false, over keep-alive', async () => {
    await client.complete(userRequest('headers'));
    const headers = stub.callHeaders.at(-1);
    assert.equal(headers.authorization, 'Bearer sk-upstream');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers.connection, 'keep-alive');
    assert.equal(stub.calls.at(-1).stream, false);
  });
});

test('an unreachable upstream → 503 "inference engine unreachable"', async () => {
  const port = await closedPort();
  const lonely = await startRouter({ upstream: `http://127.0.0.1:${port}/v1` });
  try {
    const lonelyClient = await secureClient(lonely.baseUrl);
    const answer = await lonelyClient.complete(userRequest('hello?'));
    assert.equal(answer.status, 503);
    assert.equal(answer.detail, 'inference engine unreachable');
  } finally {
    await lonely.stop();
  }
});
