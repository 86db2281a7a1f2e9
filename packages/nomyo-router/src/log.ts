/**
 * Structured logs: one JSON line per request on stderr. Entries carry ids,
 * statuses, timings, the tier and the model name only: never plaintext, keys,
 * ciphertext or API keys.
 */
export interface RequestLogEntry {
  id: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  tier?: string | undefined;
  model?: string | undefined;
  error?: string | undefined;
}

export interface RouterLogger {
  request(entry: RequestLogEntry): void;
  /** Operational messages (startup, shutdown, engine progress): fixed text plus safe fields. */
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: RouterLogger = { request() {}, info() {}, warn() {} };

/** Writes JSON lines to `stream`; `quiet` drops the per-request lines but keeps warnings. */
export function createJsonLogger(stream: { write(line: string): unknown }, options: { quiet?: boolean } = {}): RouterLogger {
  const write = (record: Record<string, unknown>) => stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  return {
    request(entry) {
      if (!options.quiet) write({ level: 'info', msg: 'request', ...entry });
    },
    info(message, fields = {}) {
      if (!options.quiet) write({ level: 'info', msg: message, ...fields });
    },
    warn(message, fields = {}) {
      write({ level: 'warn', msg: message, ...fields });
    },
  };
}
