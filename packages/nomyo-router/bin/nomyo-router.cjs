#!/usr/bin/env node
// The `nomyo-router` command. CommonJS on purpose: libuv's threadpool, where
// the RSA private decrypts run, is sized when it first starts, and the ES module
// loader starts it before any module body runs; only a CommonJS entry can size
// it to the machine first (default 4 threads would cap a larger machine at 4
// decrypting cores). The file is tracked, so npm links the command during
// `npm ci` even though the `prepare` build runs after linking.
'use strict';
const { availableParallelism } = require('node:os');

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
import('../dist/cli.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) throw error;
  process.stderr.write('nomyo-router: not built yet; run `npm run build` at the repository root\n');
  process.exit(2);
});
