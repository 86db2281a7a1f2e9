/** Size limits shared by the client (refuses before sending) and the router (refuses on receipt). */

/** The protocol's limit on the plaintext JSON of one chat request: 10 MiB. */
export const MAX_PLAINTEXT_BYTES = 10 * 1024 * 1024;

/**
 * The largest envelope a request within MAX_PLAINTEXT_BYTES can produce:
 * base64 of the ciphertext (4/3 of the plaintext, padded) plus the fixed fields
 * (an RSA-8192 wrapped key at most) and generous room for JSON spacing.
 * About 13.4 MiB; a body past this cannot be a valid request.
 */
export const MAX_ENVELOPE_BYTES = Math.ceil(MAX_PLAINTEXT_BYTES / 3) * 4 + 64 * 1024;
