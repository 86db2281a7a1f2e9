#!/usr/bin/env node
// `npm run demo`: the main job on a fresh machine. Fetches the default model if
// needed, starts nomyo-router with the embedded engine, and runs the guide's
// examples through nomyo-js over the encrypted protocol, printing each answer
// and what actually crossed the wire.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AuthenticationError, SecureChatCompletion } from 'nomyo-js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'SmolLM2-135M-Instruct';
const API_KEY = 'demo-key';
const OVERRIDE_KEY = 'demo-override-key';
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

function setUpModel() {
  const result = spawnSync(process.execPath, ['scripts/setup-model.mjs'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Shows the router's model-loading progress and problems; its per-request log lines stay out of the way. */
function relayRouterLog(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    process.stderr.write(`  router | ${line}\n`);
    return;
  }
  if (entry.msg === 'loading model') process.stderr.write(dim(`  loading model ${String(entry.percent).padStart(3)}%\n`));
  else if (entry.msg === 'engine ready') process.stderr.write(dim('  model loaded\n'));
  else if (entry.level === 'warn' || entry.level === 'error') process.stderr.write(`  router | ${entry.msg}${entry.error ? `: ${entry.error}` : ''}\n`);
}

/** Waits until the router's engine has loaded the model (requests before that get 503). */
async function waitUntilReady(baseUrl) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const health = await fetch(`${baseUrl}/healthz`).then((r) => r.json(), () => undefined);
    if (health?.ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the model did not load within 3 minutes');
}

/** Starts the router on a free port; relays its model-loading progress; resolves with its base URL. */
function startRouter() {
  const child = spawn(
    process.execPath,
    ['packages/nomyo-router/dist/cli.js', '--port', '0', '--api-key', API_KEY, '--api-key', OVERRIDE_KEY],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  createInterface({ input: child.stderr }).on('line', relayRouterLog);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`nomyo-router exited with code ${code} before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^nomyo-router listening on (\S+)$/.exec(line);
      if (match) resolve({ child, baseUrl: match[1] });
    });
  });
}

/** A fetch that notes what the network sees of each sealed request, for the wire report. */
function recordingFetch(wire) {
  return async (url, init) => {
    if (String(url).endsWith('/v1/chat/secure_completion')) {
      wire.push({ bytes: new TextEncoder().encode(init.body).length, body: init.body, headers: init.headers });
    }
    return fetch(url, init);
  };
}

function showWire(wire, prompt) {
  const last = wire.at(-1);
  const leaked = last.body.includes(prompt);
  console.log(dim(`  wire: ${last.bytes} B sealed request, payload id ${last.headers['X-Payload-ID']}` +
    `${last.headers['X-Security-Tier'] ? `, tier ${last.headers['X-Security-Tier']}` : ''}; ` +
    `prompt text on the wire: ${leaked ? 'YES (bug!)' : 'no'}`));
  if (leaked) process.exitCode = 1;
}

async function step(title, run) {
  console.log(`\n${bold(title)}`);
  const started = performance.now();
  await run();
  console.log(dim(`  (${Math.round(performance.now() - started)} ms)`));
}

setUpModel();
console.log('\nStarting nomyo-router with the embedded model (first start loads it into memory)…');
const router = await startRouter();
console.log(`nomyo-router is listening on ${router.baseUrl}`);
await waitUntilReady(router.baseUrl);
const wire = [];
const client = new SecureChatCompletion({ baseUrl: router.baseUrl, allowHttp: true, apiKey: API_KEY, fetch: recordingFetch(wire) });

try {
  await step('1. Simple chat', async () => {
    const prompt = 'Hello! How are you today?';
    const response = await client.create({ model: MODEL, messages: [{ role: 'user', content: prompt }], temperature: 0.7, max_tokens: 60 });
    console.log(`  > ${prompt}\n  < ${response.choices[0].message.content.trim()}`);
    console.log(dim(`  usage: ${JSON.stringify(response.usage)}, finish_reason: ${response.choices[0].finish_reason}`));
    showWire(wire, prompt);
  });

  await step('2. With a system message', async () => {
    const prompt = 'What is the capital of France?';
    const response = await client.create({
      model: MODEL,
      messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: prompt }],
      temperature: 0,
      seed: 7,
      max_tokens: 40,
    });
    console.log(`  > ${prompt}\n  < ${response.choices[0].message.content.trim()}`);
    showWire(wire, prompt);
  });

  await step('3. Tool call (tool_choice "required": the engine is constrained to a valid call)', async () => {
    const prompt = "What's the weather in Paris?";
    const response = await client.create({
      model: MODEL,
      messages: [{ role: 'user', content: prompt }],
      tools: [{
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get weather information for a location',
          parameters: { type: 'object', properties: { location: { type: 'string', description: 'City name' } }, required: ['location'] },
        },
      }],
      tool_choice: 'required',
      temperature: 0,
    });
    const call = response.choices[0].message.tool_calls?.[0];
    console.log(`  > ${prompt}`);
    console.log(call ? `  < tool call: ${call.function.name}(${call.function.arguments})` : '  < (no tool call)');
    showWire(wire, prompt);
  });

  await step('4. Per-request API key override (sent only as Authorization: Bearer)', async () => {
    const response = await client.create({ model: MODEL, messages: [{ role: 'user', content: 'Say hi.' }], api_key: OVERRIDE_KEY, max_tokens: 30 });
    console.log(`  < ${response.choices[0].message.content.trim()}`);
    console.log(dim(`  wire: Authorization header used the override key: ${wire.at(-1).headers.Authorization === `Bearer ${OVERRIDE_KEY}`}`));
  });

  await step('5. Security tier "maximum"', async () => {
    const prompt = 'Summarise: the patient is well.';
    const response = await client.create({ model: MODEL, messages: [{ role: 'user', content: prompt }], security_tier: 'maximum', max_tokens: 40 });
    console.log(`  < ${response.choices[0].message.content.trim()}`);
    console.log(dim(`  _metadata: ${JSON.stringify(response._metadata)}`));
    showWire(wire, prompt);
  });

  await step('6. A typed error: a wrong API key', async () => {
    try {
      await client.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello!' }], api_key: 'wrong-key' });
      console.log('  unexpected: the router accepted a wrong key');
      process.exitCode = 1;
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      console.log(`  ${error.name} (status ${error.statusCode}): ${error.message}`);
    }
  });
  console.log(`\nDone: ${wire.length} sealed requests, none carried prompt text in the clear.`);
} finally {
  client.dispose();
  router.child.kill('SIGTERM');
}
