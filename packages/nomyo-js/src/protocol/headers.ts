/** Header names and the `X-Public-Key` encoding. */

export const HEADER_PAYLOAD_ID = 'X-Payload-ID';
export const HEADER_PUBLIC_KEY = 'X-Public-Key';
export const HEADER_SECURITY_TIER = 'X-Security-Tier';
export const ENVELOPE_CONTENT_TYPE = 'application/octet-stream';

export const PATH_PUBLIC_KEY = '/pki/public_key';
export const PATH_SECURE_COMPLETION = '/v1/chat/secure_completion';

/**
 * Percent-encodes a PEM the way the reference client does (Python's
 * `urllib.parse.quote`, which leaves `/` as it is). PEM text holds none of the
 * characters on which `quote` and `encodeURIComponent` otherwise differ.
 */
export function encodePublicKeyHeader(pem: string): string {
  return encodeURIComponent(pem).replace(/%2F/g, '/');
}

/** Accepts both `quote` and `encodeURIComponent` output. Throws URIError on a bad escape. */
export function decodePublicKeyHeader(value: string): string {
  return decodeURIComponent(value);
}
