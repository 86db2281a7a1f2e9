/**
 * The server's public key, fetched once per endpoint and cached (the reference
 * client fetches it before every request). An optional pin — SHA-256 of the
 * SubjectPublicKeyInfo, hex — turns a substituted key into a SecurityError.
 */
import { importPublicKeyPem, type PublicKeyInfo } from './crypto/rsa.js';
import { SecurityError } from './errors.js';
import { PATH_PUBLIC_KEY } from './protocol/headers.js';
import { send, type SendOptions } from './transport/send.js';

export type FetchKeyOptions = Omit<SendOptions, 'url' | 'method' | 'headers' | 'body' | 'requestId'>;

/** Normalises a pin: hex with or without colons, any case. Throws TypeError if it is not 32 bytes of hex. */
export function normalizeFingerprint(pin: string): string {
  const hex = pin.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError('serverKeyFingerprint must be a SHA-256 digest in hex');
  return hex;
}

export class ServerKeyCache {
  readonly #keys = new Map<string, Promise<PublicKeyInfo>>();
  readonly #pin: string | undefined;

  constructor(pin: string | undefined) {
    this.#pin = pin;
  }

  get(baseUrl: string, options: FetchKeyOptions): Promise<PublicKeyInfo> {
    let pending = this.#keys.get(baseUrl);
    if (!pending) {
      pending = this.#fetch(baseUrl, options);
      this.#keys.set(baseUrl, pending);
      // A failed fetch is not cached: the next request tries again.
      pending.catch(() => {
        if (this.#keys.get(baseUrl) === pending) this.#keys.delete(baseUrl);
      });
    }
    return pending;
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

