#!/usr/bin/env node
// The `nomyo-router` command. This tracked file exists before the build, so npm
// links the command during `npm ci` (it skips bins whose file does not exist yet,
// and the workspace's `prepare` build runs after linking).
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) throw error;
  process.stderr.write('nomyo-router: not built yet; run `npm run build` at the repository root\n');
  process.exit(2);
}
