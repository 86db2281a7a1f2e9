#!/usr/bin/env node
// The bench's helper servers, in their own process so they do not share an event
// loop with whatever is being measured:
//   - the deterministic OpenAI-compatible stub upstream (test/support), behind the router;
//   - a plain node:http "echo" server for the floor: it reads the whole request
//     and answers with `x-response-bytes` bytes, the size of a sealed response.
// Prints one JSON line {stubUrl, echoUrl} and exits when its stdin closes.
import { createServer } from 'node:http';
import { startStubUpstream } from '../../test/support/stub-upstream.mjs';

const stub = await startStubUpstream();

const bodies = new Map();
function bodyOf(size) {
  let body = bodies.get(size);
  if (!body) {
    body = Buffer.alloc(size, 'a');
    bodies.set(size, body);
  }
  return body;
}

const echo = createServer((req, res) => {
  const size = Math.min(Number(req.headers['x-response-bytes']) || 0, 64 * 1024 * 1024);
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': size });
    res.end(bodyOf(size));
  });
});
await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));

process.stdout.write(`${JSON.stringify({ stubUrl: stub.url, echoUrl: `http://127.0.0.1:${echo.address().port}` })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  echo.closeAllConnections();
  echo.close();
  await stub.close();
  process.exit(0);
});
