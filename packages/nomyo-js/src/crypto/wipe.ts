/**
 * Overwrites a buffer with zeros. JavaScript cannot promise that no other copy
 * exists (strings are immutable, engines may move memory), so this narrows the
 * lifetime of secrets we hold in buffers; it is not a guarantee.
 */
export function wipe(...buffers: Array<Uint8Array | undefined>): void {
  for (const buffer of buffers) buffer?.fill(0);
}

/** Bytes backed by a plain ArrayBuffer, the kind WebCrypto accepts. */
export type Bytes = Uint8Array<ArrayBuffer>;
