/**
 * The server's public key, fetched once per endpoint and cached (the reference
 * client fetches it before every request). An optional pin — SHA-256 of the
 * SubjectPublicKeyInfo, hex — turns a substituted key into a SecurityError.
 */
import { importPublicKeyPem, type PublicKeyInfo } from './crypto/rsa.js';
import { APIUserAbortError, SecurityError } from './errors.js';
import { PATH_PUBLIC_KEY } from './protocol/headers.js';
import { send, type SendOptions } from './transport/send.js';

export type FetchKeyOptions = Omit<SendOptions, 'url' | 'method' | 'headers' | 'body' | 'requestId'>;

/** Normalises a pin: hex with or without colons, any case. Throws TypeError if it is not 32 bytes of hex. */
export function normalizeFingerprint(pin: string): string {
  const hex = pin.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError('serverKeyFingerprint must be a SHA-256 digest in hex');
  return hex;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new APIUserAbortError('Request was aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new APIUserAbortError('Request was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class ServerKeyCache {
  readonly #keys = new Map<string, Promise<PublicKeyInfo>>();
  readonly #pin: string | undefined;

  constructor(pin: string | undefined) {
    this.#pin = pin;
  }

  /**
   * The key for `baseUrl`. Concurrent first requests share one fetch, which runs
   * without any caller's signal: one caller aborting must not fail the others.
   * Each caller still stops waiting as soon as its own signal aborts.
   */
  get(baseUrl: string, options: FetchKeyOptions): Promise<PublicKeyInfo> {
    let pending = this.#keys.get(baseUrl);
    if (!pending) {
      const fetched = this.#fetch(baseUrl, { ...options, signal: undefined });
      this.#keys.set(baseUrl, fetched);
      // A failed fetch is not cached: the next request tries again.
      fetched.catch(() => {
        if (this.#keys.get(baseUrl) === fetched) this.#keys.delete(baseUrl);
      });
      pending = fetched;
    }
    return options.signal ? untilAborted(pending, options.signal) : pending;
  }

  async #fetch(baseUrl: string, options: FetchKeyOptions): Promise<PublicKeyInfo> {
    const { body } = await send({ ...options, url: baseUrl + PATH_PUBLIC_KEY, method: 'GET', headers: {} });
    let info: PublicKeyInfo;
    try {
      info = await importPublicKeyPem(body);
    } catch (cause) {
      throw new SecurityError('The server public key is not an acceptable RSA key (RSA-OAEP, 2048 bits or more)', { cause });
    }
    if (this.#pin !== undefined && info.fingerprint !== this.#pin) {
      throw new SecurityError('The server public key does not match serverKeyFingerprint');
    }
    return info;
  }

  clear(): void {
    this.#keys.clear();
  }
}

