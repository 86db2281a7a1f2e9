"""Size limits shared by the client (refuses before sending) and the router."""

MAX_PLAINTEXT_BYTES = 10 * 1024 * 1024
"""The protocol's limit on the UTF-8 JSON of one chat request: 10 MiB."""

MAX_ENVELOPE_BYTES = -(-MAX_PLAINTEXT_BYTES // 3) * 4 + 64 * 1024
"""The largest envelope a request within the plaintext limit can produce.

Base64 of the ciphertext (4/3 of the plaintext, padded), plus the fixed fields
(at most an RSA-8192 wrapped key) and generous room for JSON spacing: about
13.4 MiB. A body past this cannot be a valid request.
"""

MAX_ANSWER_BYTES = MAX_ENVELOPE_BYTES
"""The largest ``200`` body a client reads: an answer's plaintext is bounded like a request's,
so its envelope is too (``processed_at`` and ``response_mac`` fit in the same slack)."""

MAX_PUBLIC_KEY_BYTES = 16 * 1024
"""The largest ``/pki/public_key`` body: an RSA-8192 PEM is under 1.5 KiB."""

MAX_ERROR_BODY_BYTES = 64 * 1024
"""How much of an error answer's body a client reads; the rest is left unread."""
