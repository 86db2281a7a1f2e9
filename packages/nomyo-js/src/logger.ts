/**
 * The injectable logger. The library never writes to the console on its own
 * (one exception: the `allowHttp` warning). Fields never hold plaintext, keys,
 * ciphertext or API keys.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug?(message: string, fields?: LogFields): void;
  info?(message: string, fields?: LogFields): void;
  warn?(message: string, fields?: LogFields): void;
  error?(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = {};
