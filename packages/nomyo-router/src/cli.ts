#!/usr/bin/env node
/**
 * `nomyo-router`: serves the NOMYO secure-completion protocol on loopback (by
 * default) in front of an OpenAI-compatible upstream or an embedded model.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { collectApiKeys } from './policy/api-keys.js';
import { UiUnavailableError } from './ui.js';
import { DEFAULT_HOST, DEFAULT_PORT, ServerKeyError, createJsonLogger, startRouter, type RunningRouter } from './index.js';

const HELP = `Usage: nomyo-router [options]

Serves the NOMYO secure-completion protocol v1.0:
  GET  /pki/public_key              the server's RSA public key (PEM)
  POST /v1/chat/secure_completion   one end-to-end encrypted chat completion
  GET  /healthz                     {"status", "engine", "ready"}

Options:
  --host HOST              interface to listen on (default ${DEFAULT_HOST})
  --port PORT              port (default ${DEFAULT_PORT}; 0 picks a free port)
  --upstream URL           base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1;
                           requests go to URL/chat/completions. Without it the embedded model is used.
  --upstream-api-key KEY   bearer key sent to the upstream
  --upstream-timeout MS    per-request upstream timeout in ms (default 300000); past it: 504
  --model PATH             GGUF model file for the embedded engine
  --threads N              CPU threads for the embedded engine
  --api-key KEY            accepted client API key (repeatable); also NOMYO_ROUTER_API_KEYS
                           (comma-separated). When any is set, requests need
                           "Authorization: Bearer KEY" or get 401.
  --tier-models TIER=MODEL[,MODEL...]
                           restrict the models a security tier (standard, high, maximum) may
                           use (repeatable); other models in that tier get 403. Tiers not named
                           allow every model. A request without X-Security-Tier runs in the
                           first of standard, high, maximum that allows its model (403 if none).
  --key-file PATH          the server's RSA private key, PKCS#8 PEM; created (mode 0600,
                           RSA-4096) when missing and reused across restarts. Without it an
                           ephemeral RSA-4096 key is generated at each start.
  --key-password PASS      password of an encrypted key file; also NOMYO_ROUTER_KEY_PASSWORD
  --rate-limit N           requests per minute per API key (anonymous callers: per address);
                           over it: 429 with Retry-After
  --cors-origin ORIGIN     allow browser requests from this origin (repeatable; none by default)
  --tls-cert PATH          serve HTTPS with this PEM certificate chain (with --tls-key)
  --tls-key PATH           the PEM private key of --tls-cert
  --ui                     also serve a chat page at / (and the nomyo-js browser bundle at /nomyo.js)
  --quiet                  no per-request log lines (warnings still go to stderr)
  --help                   show this help
  --version                print the version

Behaviour:
  Bodies over ~13.4 MiB and decrypted requests over 10 MiB get 413. A request
  repeating an answered X-Payload-ID with the same body, X-Public-Key and tier gets
  the stored sealed answer again (kept 10 minutes, bounded), without running the
  model; the same X-Payload-ID with a different request gets 409. Failed attempts
  are not stored, so retries are served afresh.
  Logs: one JSON line per request on stderr (id, method, path, status, ms, tier,
  model); never prompts, keys or API keys.
  SIGTERM/SIGINT: stop accepting, finish in-flight requests (up to 30 s), exit 0.
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  upstream: { type: 'string' },
  'upstream-api-key': { type: 'string' },
  'upstream-timeout': { type: 'string' },
  model: { type: 'string' },
  threads: { type: 'string' },
  'api-key': { type: 'string', multiple: true },
  'tier-models': { type: 'string', multiple: true },
  'key-file': { type: 'string' },
  'key-password': { type: 'string' },
  'rate-limit': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  ui: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

class UsageError extends Error {}

function integer(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return parsed;
}

function readTls(certPath: string | undefined, keyPath: string | undefined): { cert: Buffer; key: Buffer } | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  try {
    return { cert: readFileSync(certPath), key: readFileSync(keyPath) };
  } catch (error) {
    throw new UsageError(`cannot read the TLS certificate or key: ${(error as Error).message}`);
  }
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return void process.stdout.write(HELP);
  if (values.version) return void process.stdout.write(`${readVersion()}\n`);

  const logger = createJsonLogger(process.stderr, { quiet: values.quiet ?? false });
  // Signals are handled from the start: one that arrives while the key or the
  // engine is loading stops the router as soon as it is up.
  let router: RunningRouter | undefined;
  let stopRequested: NodeJS.Signals | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (router === undefined) return void (stopRequested = signal);
    if (stopping) process.exit(1); // a second signal: give up on draining
    stopping = true;
    logger.info('shutting down', { signal });
    router.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const tls = readTls(values['tls-cert'], values['tls-key']);
  router = await startRouter({
    host: values.host ?? DEFAULT_HOST,
    port: integer('port', values.port, 0, 65535) ?? DEFAULT_PORT,
    upstream: values.upstream,
    upstreamApiKey: values['upstream-api-key'],
    upstreamTimeoutMs: integer('upstream-timeout', values['upstream-timeout'], 1),
    modelPath: values.model,
    threads: integer('threads', values.threads, 1, 1024),
    apiKeys: collectApiKeys(values['api-key'] ?? [], process.env.NOMYO_ROUTER_API_KEYS),
    tierModels: values['tier-models'] ?? [],
    keyFile: values['key-file'],
    keyPassword: values['key-password'] ?? process.env.NOMYO_ROUTER_KEY_PASSWORD,
    rateLimit: integer('rate-limit', values['rate-limit'], 1),
    corsOrigins: values['cors-origin'] ?? [],
    ...(tls ? { tls } : {}),
    ui: values.ui ?? false,
    logger,
  });
  process.stdout.write(`nomyo-router listening on ${router.url}\n`);
  if (values.ui) process.stdout.write(`chat page: ${router.url}/\n`);
  if (stopRequested) stop(stopRequested);
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'unhandled rejection', error: reason instanceof Error ? reason.name : typeof reason })}\n`);
});

main().catch((error: unknown) => {
  const known = error instanceof UsageError || error instanceof UiUnavailableError || error instanceof ServerKeyError || error instanceof TypeError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`nomyo-router: ${known ? message : `failed to start: ${message}`}\n`);
  process.exit(2);
});
