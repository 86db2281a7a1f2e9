"""Header names, paths, and the ``X-Public-Key`` encoding."""

from urllib.parse import quote, unquote

HEADER_PAYLOAD_ID = "X-Payload-ID"
HEADER_PUBLIC_KEY = "X-Public-Key"
HEADER_SECURITY_TIER = "X-Security-Tier"
ENVELOPE_CONTENT_TYPE = "application/octet-stream"

PATH_PUBLIC_KEY = "/pki/public_key"
PATH_SECURE_COMPLETION = "/v1/chat/secure_completion"


def encode_public_key_header(pem: str) -> str:
    """Percent-encode a PEM exactly as the reference client does (``quote``, ``/`` kept)."""
    return quote(pem)


def decode_public_key_header(value: str) -> str:
    """Decode ``quote`` or ``encodeURIComponent`` output; raises ValueError on bad UTF-8."""
    return unquote(value, errors="strict")
