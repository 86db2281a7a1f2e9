/**
 * `nomyo-js/protocol`: the envelope format and its crypto, for servers and
 * tools that speak the protocol (nomyo-router uses this). Applications want the
 * main entry point instead.
 */
export * from './protocol/envelope.js';
export * from './protocol/headers.js';
export * from './protocol/limits.js';
export * from './protocol/tiers.js';
export { decodeBase64, encodeBase64, isBase64 } from './crypto/base64.js';
export { derToPem, pemToDer } from './crypto/pem.js';
export {
  generateKeyPair,
  importPrivateKeyDer,
  importPublicKeyPem,
  spkiFingerprint,
  type ClientKeyPair,
  type PublicKeyInfo,
} from './crypto/rsa.js';
export { DecryptionFailedError, open, seal, serializeEnvelope } from './crypto/seal.js';
export { wipe } from './crypto/wipe.js';
