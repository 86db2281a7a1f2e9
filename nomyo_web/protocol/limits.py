"""Size limits shared by the client (refuses before sending) and the router."""

MAX_PLAINTEXT_BYTES = 10 * 1024 * 1024
"""The protocol's limit on the UTF-8 JSON of one chat request: 10 MiB."""

MAX_ENVELOPE_BYTES = -(-MAX_PLAINTEXT_BYTES // 3) * 4 + 64 * 1024
"""The largest envelope a request within the plaintext limit can produce.

Base64 of the ciphertext (4/3 of the plaintext, padded), plus the fixed fields
(at most an RSA-8192 wrapped key) and generous room for JSON spacing: about
13.4 MiB. A body past this cannot be a valid request.
"""

MAX_PUBLIC_KEY_PEM_BYTES = 16 * 1024
"""The largest public-key PEM either side reads (the server's key, a client's
``X-Public-Key`` header): 16 KiB, ten times an RSA-8192 key's PEM."""
