/**
 * The router's RSA key. With a key file: read it (PKCS#8 PEM, optionally
 * encrypted, the format Python's `cryptography` writes), or create it with mode
 * 0600 when missing, so restarts keep the same public key. Without one: an
 * ephemeral RSA-4096 key for this process only. Node's crypto reads and writes
 * the file; the key then lives in WebCrypto as a non-extractable CryptoKey.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { MIN_RSA_BITS, importPrivateKeyDer, pemToDer, spkiFingerprint, wipe } from 'nomyo-js/protocol';

export const SERVER_KEY_BITS = 4096;

export interface ServerKey {
  privateKey: CryptoKey;
  publicKeyPem: string;
  /** SHA-256 of the SPKI DER, hex: safe to log, lets operators compare keys. */
  fingerprint: string;
  source: 'file' | 'created' | 'ephemeral';
  /** Set when the key file can be read by group or others. */
  permissionWarning?: string;
}

/** Startup refused: the message says what is wrong with the key file and never includes key material. */
export class ServerKeyError extends Error {
  override readonly name = 'ServerKeyError';
}

const generateRsa = promisify(generateKeyPair);

async function createKeyFile(path: string, password: string | undefined): Promise<void> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: SERVER_KEY_BITS, publicExponent: 0x10001 });
  const pem = privateKey.export(
    password ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password } : { type: 'pkcs8', format: 'pem' },
  );
  // 'wx': never overwrite a key another process created in the meantime.
  await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
}

function parseKeyFile(path: string, pem: Buffer, password: string | undefined): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem', ...(password ? { passphrase: password } : {}) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const encrypted = pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    if (code === 'ERR_MISSING_PASSPHRASE' || (encrypted && !password)) throw new ServerKeyError(`key file ${path} is encrypted: pass --key-password or set NOMYO_ROUTER_KEY_PASSWORD`);
    throw new ServerKeyError(`key file ${path} is not a readable PKCS#8 PEM private key (wrong password or corrupt file)`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new ServerKeyError(`key file ${path} must hold an RSA key of at least ${MIN_RSA_BITS} bits`);
  }
  return key;
}

async function toServerKey(key: KeyObject, source: ServerKey['source']): Promise<ServerKey> {
  const der = new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
  try {
    const privateKey = await importPrivateKeyDer(der);
    const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
    const fingerprint = await spkiFingerprint(pemToDer(publicKeyPem, 'PUBLIC KEY'));
    return { privateKey, publicKeyPem, fingerprint, source };
  } finally {
    wipe(der);
  }
}

async function readOrCreate(path: string, password: string | undefined): Promise<{ pem: Buffer; created: boolean }> {
  try {
    return { pem: await readFile(path), created: false };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ENOENT') throw new ServerKeyError(`cannot read key file ${path} (${code ?? 'error'})`);
  }
  try {
    await createKeyFile(path, password);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EEXIST') throw new ServerKeyError(`cannot create key file ${path} (${code ?? 'error'})`);
  }
  return { pem: await readFile(path), created: true };
}

export async function loadServerKey(options: { keyFile?: string | undefined; password?: string | undefined } = {}): Promise<ServerKey> {
  if (!options.keyFile) {
    const { privateKey } = await generateRsa('rsa', { modulusLength: SERVER_KEY_BITS, publicExponent: 0x10001 });
    return toServerKey(privateKey, 'ephemeral');
  }
  const { pem, created } = await readOrCreate(options.keyFile, options.password);
  try {
    const serverKey = await toServerKey(parseKeyFile(options.keyFile, pem, options.password), created ? 'created' : 'file');
    const mode = (await stat(options.keyFile)).mode;
    if ((mode & 0o077) !== 0) {
      serverKey.permissionWarning = `key file ${options.keyFile} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`;
    }
    return serverKey;
  } finally {
    pem.fill(0);
  }
}
