// Evidence for a proposed client change: the smallest fetch-compatible function
// over node:http(s) keep-alive agents that nomyo-js's transport accepts through
// its existing `fetch` option (status, ok, headers, and a body reader). The
// proposal is for the client to use such a transport by default in Node, behind
// its Node-only seam, keeping fetch for browsers, edge runtimes and injected
// fetches. Not used by the client; bench/micro/client-transport.mjs measures it.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

function bodyReader(bytes) {
  let done = false;
  return {
    getReader: () => ({
      read: async () => (done ? { done: true, value: undefined } : ((done = true), { done: false, value: bytes })),
      cancel: async () => {},
    }),
    cancel: async () => {},
  };
}

export function nodeHttpFetch(input, init = {}) {
  const url = new URL(input);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = init.body === undefined ? undefined : Buffer.from(init.body);
  const headers = { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
  return new Promise((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol], signal: init.signal }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          headers: new Headers(Object.entries(res.headers).filter(([, value]) => typeof value === 'string')),
          body: bodyReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)),
          text: async () => bytes.toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
