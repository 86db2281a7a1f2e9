// A tiny static server on its own loopback port, i.e. its own browser origin:
// serves the given pages and the built client bundle at /nomyo.js, to play a
// third-party site that calls the router across origins.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths.mjs';

export const bundlePath = join(repoRoot, 'packages', 'nomyo-js', 'dist', 'browser', 'index.js');

/** @param {Record<string, string>} pages  path → content (.js paths are served as JavaScript, others as HTML) */
export async function startStaticSite(pages = {}) {
  const bundle = readFileSync(bundlePath);
  const typeOf = (path) => (path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8');
  const files = new Map(Object.entries(pages).map(([path, body]) => [path, { type: typeOf(path), body }]));
  files.set('/nomyo.js', { type: 'text/javascript; charset=utf-8', body: bundle });
  if (!files.has('/')) files.set('/', { type: 'text/html; charset=utf-8', body: '<!doctype html><title>site</title><p>site</p>' });
  const server = createServer((req, res) => {
    const file = files.get(new URL(req.url, 'http://x').pathname);
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    res.end(file.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    /** Adds or replaces a page after start (e.g. one that needs the router's URL). */
    setPage(path, body) {
      files.set(path, { type: typeOf(path), body });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
