/**
 * The client's own RSA-4096 key pair: generated in the background from
 * construction (or loaded from `keyDir`), rotated on a timer that never holds a
 * process open, and dropped on dispose. Rotation always swaps in a key that is
 * already generated, so no request ever waits on key generation after the first;
 * that key is generated shortly before the rotation is due, not at start-up.
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

/**
 * How long before a rotation is due the next key starts generating: late enough
 * that it does not compete with the first requests for CPU (RSA-4096 takes
 * 0.2-4 s), early enough that it is ready when the rotation comes.
 */
export function prepareDelay(rotationInterval: number): number {
  const lead = Math.min(rotationInterval / 2, 60_000);
  return Math.max(0, rotationInterval - lead);
}

async function generate(): Promise<ClientKeyPair> {
  const { privateKey, publicKeyPem } = await generateKeyPair(false);
  return { privateKey, publicKeyPem };
}

async function loadFromDir(dir: string, password: string | undefined): Promise<ClientKeyPair> {
  let stored;
  try {
    stored = await loadKeyDir(dir, password);
  } catch (cause) {
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
  #prepareTimer: ReturnType<typeof setTimeout> | undefined;
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
      if (this.#timer !== undefined) this.#schedulePrepare();
    }, () => {
      // Let the next request try again instead of replaying a cached failure.
      this.#first = undefined;
    });
    return pending;
  }

  #schedulePrepare(): void {
    clearTimeout(this.#prepareTimer);
    this.#prepareTimer = setTimeout(() => this.#prepareNext(), prepareDelay(this.#options.rotationInterval));
    (this.#prepareTimer as { unref?: () => void }).unref?.();
  }

  #prepareNext(): void {
    if (this.#disposed || this.#next !== undefined) return;
    const next = generate();
    this.#next = next;
    next.then((pair) => {
      if (this.#next === next && !this.#disposed) this.#nextReady = pair;
    }, (error: unknown) => {
      if (this.#next !== next) return;
      this.#next = undefined;
      this.#options.logger.warn?.('background key generation failed', { error: String(error) });
      this.#schedulePrepare();
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
    this.#next = undefined;
    this.#schedulePrepare();
    return true;
  }

  get rotations(): number {
    return this.#rotations;
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    clearTimeout(this.#prepareTimer);
    this.#timer = undefined;
    this.#prepareTimer = undefined;
    // CryptoKeys are non-extractable handles: dropping them is all JavaScript allows.
    this.#current = undefined;
    this.#nextReady = undefined;
    this.#next = undefined;
    this.#first?.catch(ignore);
    this.#first = undefined;
  }
}
