/**
 * node:http wiring for the core in app.ts: bounded body reading, one log line
 * per request, and graceful shutdown (stop accepting, let in-flight requests
 * finish, then close). Nothing a client does can throw out of here.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MAX_ENVELOPE_BYTES } from 'nomyo-js/protocol';
import { handleRequest, type AppContext } from './app.js';
import { readBoundedBody, type BodyReadState } from './body.js';
import { errorResponse, type RouterResponse } from './http-error.js';
import type { RouterLogger } from './log.js';
import type { RequestNote } from './secure-completion.js';

export interface ServeOptions {
  host: string;
  port: number;
  logger: RouterLogger;
  maxBodyBytes?: number;
  /** PEM certificate chain and private key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
}

export interface HttpServerHandle {
  server: Server | TlsServer;
  host: string;
  port: number;
  /** Stops accepting, waits for in-flight requests (up to `deadlineMs`), then closes every connection. */
  drain(deadlineMs: number): Promise<{ forced: boolean }>;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://router.invalid').pathname;
  } catch {
    return '/';
  }
}

function writeResponse(res: ServerResponse, response: RouterResponse, extra: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  res.writeHead(response.status, { ...response.headers, ...extra, 'content-length': String(body.byteLength) });
  res.end(body);
}

export async function serve(context: AppContext, options: ServeOptions): Promise<HttpServerHandle> {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_ENVELOPE_BYTES;
  let inFlight = 0;
  let draining = false;
  let onIdle: (() => void) | undefined;

  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const id = randomUUID();
    const path = pathOf(req.url);
    const note: RequestNote = {};
    const bodyState: BodyReadState = { overflowed: false };
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (bodyState.overflowed) req.socket.destroy();
      options.logger.request({
        id, method: req.method ?? '', path: path.slice(0, 200), status: res.statusCode,
        ms: Math.round(performance.now() - started), tier: note.tier, model: note.model, error: note.error,
      });
      if (draining && inFlight === 0) onIdle?.();
    });
    let response: RouterResponse;
    try {
      response = await handleRequest(
        context,
        {
          method: req.method ?? 'GET',
          path,
          headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, headerValue(value)])),
          remoteAddress: req.socket.remoteAddress ?? 'unknown',
          readBody: () => readBoundedBody(req, maxBodyBytes, bodyState),
        },
        note,
      );
    } catch (error) {
      response = errorResponse(error);
    }
    const extra: Record<string, string> = { 'x-request-id': id };
    if (draining || bodyState.overflowed) extra.connection = 'close';
    writeResponse(res, response, extra);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    respond(req, res).catch(() => res.destroy());
  };
  const server = options.tls
    ? createTlsServer({ keepAlive: true, cert: options.tls.cert, key: options.tls.key }, listener)
    : createServer({ keepAlive: true }, listener);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    server,
    host: options.host,
    port: address.port,
    async drain(deadlineMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let forced = false;
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            forced = true;
            resolve();
          }, deadlineMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await closed;
      return { forced };
    },
  };
}
