/**
 * The client's own RSA-4096 key pair: generated in the background from
 * construction (or loaded from `keyDir`), rotated on a timer that never holds a
 * process open, and dropped on dispose. Rotation always swaps in a key that is
 * already generated, so no request ever waits on key generation after the first.
 */
import { generateKeyPair, importPrivateKeyDer, type ClientKeyPair } from '../crypto/rsa.js';
import { wipe } from '../crypto/wipe.js';
import { ClientDisposedError, SecurityError } from '../errors.js';
import type { Logger } from '../logger.js';
import { loadKeyDir } from './node-store-loader.js';

export interface KeyManagerOptions {
  keyDir?: string | undefined;
  keyPassword?: string | undefined;
  /** Milliseconds between rotations of an in-memory key; 0 disables. */
  rotationInterval: number;
  logger: Logger;
}

function ignore(): void {}

async function generate(): Promise<ClientKeyPair> {
  const { privateKey, publicKeyPem } = await generateKeyPair(false);
  return { privateKey, publicKeyPem };
}

async function loadFromDir(dir: string, password: string | undefined): Promise<ClientKeyPair> {
  let stored;
  try {
    stored = await loadKeyDir(dir, password);
  } catch (cause) {
    if (cause instanceof TypeError && /only supported in Node/.test(cause.message)) throw cause;
    throw new SecurityError('Could not load the private key in keyDir (wrong password or unreadable file)', { cause });
  }
  try {
    return { privateKey: await importPrivateKeyDer(stored.pkcs8), publicKeyPem: stored.publicKeyPem };
  } finally {
    wipe(stored.pkcs8);
  }
}

export class KeyManager {
  #current: ClientKeyPair | undefined;
  #first: Promise<ClientKeyPair> | undefined;
  #next: Promise<ClientKeyPair> | undefined;
  #nextReady: ClientKeyPair | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #disposed = false;
  #rotations = 0;
  readonly #options: KeyManagerOptions;

  constructor(options: KeyManagerOptions) {
    this.#options = options;
    this.#first = this.#start();
    if (options.rotationInterval > 0) {
      this.#timer = setInterval(() => this.rotate(), options.rotationInterval);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  #start(): Promise<ClientKeyPair> {
    const { keyDir, keyPassword } = this.#options;
    const pending = keyDir === undefined ? generate() : loadFromDir(keyDir, keyPassword);
    pending.then((pair) => {
      if (this.#disposed) return;
      this.#current = pair;
      this.#first = undefined;
      if (this.#timer !== undefined) this.#prepareNext();
    }, () => {
      // Let the next request try again instead of replaying a cached failure.
      this.#first = undefined;
    });
    return pending;
  }

  #prepareNext(): void {
    const next = generate();
    this.#next = next;
    next.then((pair) => {
      if (this.#next === next && !this.#disposed) this.#nextReady = pair;
    }, (error: unknown) => {
      if (this.#next === next) this.#next = undefined;
      this.#options.logger.warn?.('background key generation failed', { error: String(error) });
    });
  }

  /** The key pair for a new request. Only the very first request can wait (on the initial generation). */
  async current(): Promise<ClientKeyPair> {
    if (this.#disposed) throw new ClientDisposedError('The client was disposed');
    if (this.#current) return this.#current;
    this.#first ??= this.#start();
    return this.#first;
  }

  /** Swaps in the pre-generated key if it is ready; otherwise keeps the current one. Never blocks. */
  rotate(): boolean {
    if (this.#disposed || !this.#nextReady) return false;
    this.#current = this.#nextReady;
    this.#nextReady = undefined;
    this.#rotations++;
    this.#options.logger.debug?.('client key rotated', { rotations: this.#rotations });
    this.#prepareNext();
    return true;
  }

  get rotations(): number {
    return this.#rotations;
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    // CryptoKeys are non-extractable handles: dropping them is all JavaScript allows.
    this.#current = undefined;
    this.#nextReady = undefined;
    this.#next = undefined;
    this.#first?.catch(ignore);
    this.#first = undefined;
  }
}
