"""The NOMYO secure-completion protocol v1.0 as pure data: no I/O, no crypto.

Both the client and the router build and read envelopes with this package, so
the wire format is written once.
"""

from .buffers import wipe
from .codes import DECRYPTION_FAILED, error_code, is_decryption_failure
from .envelope import (
    AES_KEY_BYTES,
    ENVELOPE_ALGORITHM,
    KEY_ALGORITHM,
    MAX_RSA_BITS,
    MIN_RSA_BITS,
    NONCE_BYTES,
    PAYLOAD_ALGORITHM,
    PROTOCOL_VERSION,
    TAG_BYTES,
    EnvelopeFormatError,
    ParsedEnvelope,
    SealedMessage,
    build_envelope,
    parse_envelope,
)
from .headers import (
    ENVELOPE_CONTENT_TYPE,
    HEADER_PAYLOAD_ID,
    HEADER_PUBLIC_KEY,
    HEADER_SECURITY_TIER,
    PATH_PUBLIC_KEY,
    PATH_SECURE_COMPLETION,
    decode_public_key_header,
    encode_public_key_header,
)
from .limits import (
    MAX_ANSWER_BYTES,
    MAX_ENVELOPE_BYTES,
    MAX_ERROR_BODY_BYTES,
    MAX_PLAINTEXT_BYTES,
    MAX_PUBLIC_KEY_BYTES,
)
from .metadata import annotate_opened, is_bound_to, response_metadata
from .response_mac import (
    RESPONSE_AUTH_LABEL,
    RESPONSE_AUTH_MODES,
    RESPONSE_MAC_BYTES,
    RESPONSE_MAC_FIELD,
    ResponseAuth,
    is_response_auth,
    response_mac_chunks,
    response_mac_info,
    response_mac_input,
)
from .retry_after import MAX_RETRY_AFTER, parse_retry_after
from .rsa_key import (
    PublicKeyError,
    RsaPublicNumbers,
    check_rsa_spki,
    read_rsa_spki,
    rsa_public_key_problem,
)
from .tiers import SECURITY_TIERS, SecurityTier, is_security_tier

__all__ = [
    "AES_KEY_BYTES",
    "DECRYPTION_FAILED",
    "ENVELOPE_ALGORITHM",
    "ENVELOPE_CONTENT_TYPE",
    "HEADER_PAYLOAD_ID",
    "HEADER_PUBLIC_KEY",
    "HEADER_SECURITY_TIER",
    "KEY_ALGORITHM",
    "MAX_ANSWER_BYTES",
    "MAX_ENVELOPE_BYTES",
    "MAX_ERROR_BODY_BYTES",
    "MAX_PLAINTEXT_BYTES",
    "MAX_PUBLIC_KEY_BYTES",
    "MAX_RETRY_AFTER",
    "MAX_RSA_BITS",
    "MIN_RSA_BITS",
    "NONCE_BYTES",
    "PATH_PUBLIC_KEY",
    "PATH_SECURE_COMPLETION",
    "PAYLOAD_ALGORITHM",
    "PROTOCOL_VERSION",
    "RESPONSE_AUTH_LABEL",
    "RESPONSE_AUTH_MODES",
    "RESPONSE_MAC_BYTES",
    "RESPONSE_MAC_FIELD",
    "SECURITY_TIERS",
    "TAG_BYTES",
    "EnvelopeFormatError",
    "ParsedEnvelope",
    "PublicKeyError",
    "ResponseAuth",
    "RsaPublicNumbers",
    "SealedMessage",
    "SecurityTier",
    "annotate_opened",
    "build_envelope",
    "check_rsa_spki",
    "decode_public_key_header",
    "encode_public_key_header",
    "error_code",
    "is_bound_to",
    "is_decryption_failure",
    "is_response_auth",
    "is_security_tier",
    "parse_envelope",
    "parse_retry_after",
    "read_rsa_spki",
    "response_mac_chunks",
    "response_mac_info",
    "response_mac_input",
    "response_metadata",
    "rsa_public_key_problem",
    "wipe",
]
