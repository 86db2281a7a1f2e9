/** Browser stand-in for node-store-loader.ts: there is no file system, so `keyDir` is refused. */
import type { StoredKey } from './node-store.js';

export async function loadKeyDir(): Promise<StoredKey> {
  throw new TypeError('keyDir is only supported in Node.js');
}

export const keyDirSupported = false;
