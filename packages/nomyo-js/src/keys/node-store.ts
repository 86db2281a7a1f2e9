/// <reference types="node" />
/**
 * Node-only key files, interchangeable with the reference Python client's
 * `key_dir`: `private_key.pem` (PKCS#8 PEM, optionally password-encrypted,
 * mode 0600) and `public_key.pem` (SubjectPublicKeyInfo PEM, mode 0644).
 * Loaded lazily, only when `keyDir` is set, so browsers never see it.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Bytes } from '../crypto/wipe.js';

export const PRIVATE_KEY_FILE = 'private_key.pem';
export const PUBLIC_KEY_FILE = 'public_key.pem';

export interface StoredKey {
  /** PKCS#8 DER of the private key; the caller imports it and wipes it. */
  pkcs8: Bytes;
  publicKeyPem: string;
  created: boolean;
}

const generate = promisify(generateKeyPair);

function publicPemOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

function toBytes(buffer: Buffer): Bytes {
  const bytes = new Uint8Array(buffer.length);
  bytes.set(buffer);
  buffer.fill(0);
  return bytes;
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function createKeyFiles(dir: string, password: string | undefined): Promise<StoredKey> {
  const { privateKey } = await generate('rsa', { modulusLength: 4096, publicExponent: 0x10001 });
  const pem = password
    ? privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password })
    : privateKey.export({ type: 'pkcs8', format: 'pem' });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // 'wx': never overwrite a key another process created meanwhile.
  await writeFile(join(dir, PRIVATE_KEY_FILE), pem, { mode: 0o600, flag: 'wx' });
  await chmod(join(dir, PRIVATE_KEY_FILE), 0o600);
  const publicKeyPem = publicPemOf(privateKey);
  await writeFile(join(dir, PUBLIC_KEY_FILE), publicKeyPem, { mode: 0o644 });
  await chmod(join(dir, PUBLIC_KEY_FILE), 0o644);
  return { pkcs8: toBytes(privateKey.export({ type: 'pkcs8', format: 'der' })), publicKeyPem, created: true };
}

/**
 * Loads the key pair in `dir`, or creates it when `private_key.pem` is absent.
 * A present but unreadable key (wrong password, corrupt file) is an error: it is
 * never silently replaced. The public key is always derived from the private
 * one, so a stale `public_key.pem` cannot break decryption.
 */
export async function loadOrCreateKeyFiles(dir: string, password?: string): Promise<StoredKey> {
  const privatePem = await readIfPresent(join(dir, PRIVATE_KEY_FILE));
  if (privatePem === undefined) return createKeyFiles(dir, password);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(password ? { key: privatePem, passphrase: password } : { key: privatePem });
  } finally {
    privatePem.fill(0);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new TypeError('private_key.pem is not an RSA key');
  const publicKeyPem = publicPemOf(privateKey);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  if ((await readIfPresent(publicPath)) === undefined) await writeFile(publicPath, publicKeyPem, { mode: 0o644 });
  return { pkcs8: toBytes(privateKey.export({ type: 'pkcs8', format: 'der' })), publicKeyPem, created: false };
}
