/** The seam between the portable core and Node-only key files. The browser build swaps this file for node-store-loader.browser.ts. */
import type { StoredKey } from './node-store.js';

export async function loadKeyDir(dir: string, password?: string): Promise<StoredKey> {
  const store = await import('./node-store.js');
  return store.loadOrCreateKeyFiles(dir, password);
}

export const keyDirSupported = true;
