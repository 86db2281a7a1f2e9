#!/usr/bin/env node
// Builds dist/browser/index.js: one self-contained, minified ES module from
// src/index.ts for browsers. The Node-only key-file seam is swapped for its
// browser stand-in, so `keyDir` becomes a clear InvalidRequestError instead of
// a failed `node:fs` import. The build fails if any Node built-in survives.
// Prints raw and gzipped sizes and writes them to dist/browser/size.json.
//
//   node scripts/build-browser.mjs [--entry FILE] [--outfile FILE]
// (the options exist for the bundle's own tests, which build elsewhere)
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { entry: { type: 'string' }, outfile: { type: 'string' } } });
const entry = args.entry ? resolve(args.entry) : join(packageDir, 'src', 'index.ts');
const outfile = args.outfile ? resolve(args.outfile) : join(packageDir, 'dist', 'browser', 'index.js');
const sizeReport = join(dirname(outfile), 'size.json');
const GZIP_TARGET_BYTES = 10 * 1024;

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Resolves `./node-store-loader.js` (from keys/) to the browser stand-in, and refuses Node built-ins outright. */
const browserSeams = {
  name: 'nomyo-browser-seams',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /(^|\/)node-store-loader\.js$/ }, (args) => ({
      path: join(args.resolveDir, dirname(args.path), 'node-store-loader.browser.ts'),
    }));
    pluginBuild.onResolve({ filter: /.*/ }, (args) => {
      if (!nodeBuiltins.has(args.path)) return undefined;
      const importer = relative(packageDir, args.importer);
      return { errors: [{ text: `Node built-in "${args.path}" imported by ${importer} cannot go into the browser bundle` }] };
    });
  },
};

/** Finds `node:` specifiers and bare built-in names in the emitted code, whatever esbuild did with them. */
function findNodeImports(code) {
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
  return specifiers.filter((specifier) => specifier.startsWith('node:') || nodeBuiltins.has(specifier));
}

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  // Error classes set `name` from `new.target.name`: without this, minified names
  // would turn ServiceUnavailableError into "B" in every message and log.
  keepNames: true,
  treeShaking: true,
  legalComments: 'none',
  charset: 'utf8',
  // Imports that stay imports would make the module depend on a resolver: everything is inlined.
  packages: 'bundle',
  plugins: [browserSeams],
  metafile: true,
  logLevel: 'warning',
}).catch(() => {
  // esbuild has already printed the errors.
  console.error('build-browser: failed');
  process.exit(1);
});

const code = readFileSync(outfile, 'utf8');
const leftover = findNodeImports(code);
const inputs = Object.keys(result.metafile.inputs).filter((path) => /node-store(\.ts|-loader\.ts)$/.test(path));
if (leftover.length > 0 || inputs.length > 0) {
  console.error(`build-browser: Node-only code reached the browser bundle: ${[...leftover, ...inputs].join(', ')}`);
  process.exit(1);
}
if (/\bimport\s*[({"'`]|\bimport\s+[\w{*]/.test(code.replace(/import\.meta/g, ''))) {
  console.error('build-browser: the bundle still imports another module; it must be self-contained');
  process.exit(1);
}

const raw = Buffer.byteLength(code);
const gzip = gzipSync(code, { level: 9 }).length;
const report = {
  file: relative(packageDir, outfile),
  bytes: raw,
  gzipBytes: gzip,
  gzipTargetBytes: GZIP_TARGET_BYTES,
  withinTarget: gzip <= GZIP_TARGET_BYTES,
  modules: Object.keys(result.metafile.inputs).length,
};
mkdirSync(dirname(sizeReport), { recursive: true });
writeFileSync(sizeReport, `${JSON.stringify(report, null, 2)}\n`);

const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(`build-browser: ${report.file} ${kb(raw)} raw, ${kb(gzip)} gzip (target < ${kb(GZIP_TARGET_BYTES)}), ${report.modules} modules`);
if (!report.withinTarget) console.warn(`build-browser: warning: gzip size is over the ${kb(GZIP_TARGET_BYTES)} target`);
