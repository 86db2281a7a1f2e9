// A real HTTP man-in-the-middle on loopback: forwards every request to `target`,
// records what crossed the wire, and can rewrite responses — to prove what a
// network observer sees and how the client reacts to tampering. Not a mock: the
// client and the router on either side are the real ones.
import { createServer, request as httpRequest } from 'node:http';

/**
 * @param {string} target  base URL, e.g. http://127.0.0.1:12435
 * @param {{ rewrite?: (exchange) => Buffer | undefined }} options
 *   rewrite receives { index, method, path, requestBody, status, headers, body } of each
 *   exchange and may return replacement response bytes.
 */
export async function startWireProxy(target, { rewrite } = {}) {
  const upstream = new URL(target);
  const exchanges = [];
  let rewriter = rewrite;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks);
      const exchange = { index: exchanges.length, method: req.method, path: req.url, headers: req.headers, requestBody };
      exchanges.push(exchange);
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (upstreamRes) => {
          const parts = [];
          upstreamRes.on('data', (chunk) => parts.push(chunk));
          upstreamRes.on('end', () => {
            let body = Buffer.concat(parts);
            exchange.status = upstreamRes.statusCode;
            exchange.responseBody = body;
            const replaced = rewriter?.({ ...exchange, body });
            if (replaced !== undefined) body = replaced;
            const headers = { ...upstreamRes.headers, 'content-length': String(body.length) };
            delete headers['transfer-encoding'];
            res.writeHead(upstreamRes.statusCode, headers);
            res.end(body);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(requestBody);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    exchanges,
    /** Exchanges to the secure-completion endpoint only. */
    completions: () => exchanges.filter((e) => e.path === '/v1/chat/secure_completion'),
    setRewrite(fn) {
      rewriter = fn;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
