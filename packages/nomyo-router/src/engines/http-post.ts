/**
 * One JSON POST to an upstream over node:http(s) with kept-alive connections:
 * the router's hot path, where fetch's WHATWG streams and Request/Response
 * objects cost more CPU than the request itself. The whole answer is read, up
 * to `maxBytes`. Never retried: a request the engine may have received is not
 * sent twice. (Node's agent retires an idle connection 1 s before the timeout a
 * server announces in Keep-Alive, as undici does, so reuse does not race the close.)
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpPostResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export function postJson(
  url: URL,
  headers: Record<string, string>,
  json: string,
  options: { signal: AbortSignal; maxBytes: number },
): Promise<HttpPostResult> {
  const body = Buffer.from(json, 'utf8');
  const { signal, maxBytes } = options;
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const requestHeaders = { ...headers, 'content-length': String(body.length) };
    const req = send(url, { method: 'POST', headers: requestHeaders, signal, agent: secure ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxBytes) {
          req.destroy();
          reject(new ResponseTooLargeError(`upstream answer larger than ${maxBytes} bytes`));
        } else {
          chunks.push(chunk);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, total) }));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(Object.assign(new Error('upstream connection closed mid-answer'), { code: 'ECONNRESET' }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
