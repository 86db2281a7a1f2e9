// `npm run demo` — the main job — runs to completion with the real embedded
// model. Asserts structure (every step answered, the tool call parsed, the
// typed error, the wire report), never the model's exact words.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './support/paths.mjs';

test('the demo runs every guide example against the embedded model and reports the wire', async () => {
  const { code, stdout, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'scripts', 'demo.mjs')], { cwd: repoRoot, timeout: 300_000, maxBuffer: 1 << 22 },
      (error, out, err) => resolve({ code: error ? error.code : 0, stdout: out, stderr: err }));
  });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stderr, /loading model +100%/, 'model loading shows progress');
  for (const title of ['1. Simple chat', '2. With a system message', '3. Tool call', '4. Per-request API key override', '5. Security tier "maximum"', '6. A typed error']) {
    assert.ok(stdout.includes(title), title);
  }
  const answers = [...stdout.matchAll(/^ {2}< (.*)$/gm)].map((m) => m[1]);
  assert.equal(answers.length, 5, stdout);
  for (const answer of answers) assert.ok(answer.trim().length > 0);
  const call = /< tool call: get_weather\((\{.*\})\)$/m.exec(stdout);
  assert.ok(call, 'a get_weather call');
  assert.equal(typeof JSON.parse(call[1]), 'object');
  assert.match(stdout, /usage: \{"prompt_tokens":\d+,"completion_tokens":\d+,"total_tokens":\d+\}/);
  assert.match(stdout, /"security_tier":"maximum"/);
  assert.match(stdout, /Authorization header used the override key: true/);
  assert.match(stdout, /AuthenticationError \(status 401\)/);
  assert.equal((stdout.match(/prompt text on the wire: no/g) ?? []).length, 4);
  assert.doesNotMatch(stdout, /YES \(bug!\)/);
  assert.match(stdout, /Done: 6 sealed requests, none carried prompt text in the clear\./);
});
