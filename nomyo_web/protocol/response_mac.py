"""The response-authentication extension (``response_mac``) as pure data: no crypto calls.

A v1.0 answer is sealed to the client key that travelled in the clear and
echoes the payload id that travelled in the clear, so a party that can rewrite
the HTTP exchange can write an answer the client would accept. The extension
binds the answer to a secret of the request -- its AES key, which only the
party that opened the request knows -- in the spirit of Oblivious HTTP
(RFC 9458 §4.4), which derives its response key from a secret of the request
encapsulation::

    mac_key = HKDF-SHA256(IKM=request AES key, salt=empty,
                          info=LABEL || 0x00 || payload id (UTF-8), L=32)
    mac     = HMAC-SHA256(mac_key, frame(nonce) || frame(ciphertext)
                                   || frame(tag) || frame(encrypted_aes_key))

over the *answer's* raw bytes, where ``frame(x)`` is ``len(x)`` as 8 bytes
big-endian followed by ``x``. This module builds the HKDF ``info`` and the
HMAC input; ``crypto`` computes and verifies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # envelope.py reads the field with the constants below
    from .envelope import SealedMessage

__all__ = [
    "RESPONSE_AUTH_LABEL",
    "RESPONSE_AUTH_MODES",
    "RESPONSE_MAC_BYTES",
    "RESPONSE_MAC_FIELD",
    "ResponseAuth",
    "is_response_auth",
    "response_mac_chunks",
    "response_mac_info",
    "response_mac_input",
]

RESPONSE_MAC_FIELD = "response_mac"
"""The envelope field that carries the MAC (standard padded base64 of 32 bytes)."""
RESPONSE_MAC_BYTES = 32
"""HMAC-SHA256 output, and the HKDF output length ``L``."""
RESPONSE_AUTH_LABEL = b"nomyo-response-auth-v1"
"""The fixed first part of the HKDF ``info``; a 0x00 separates it from the payload id."""

ResponseAuth = Literal["auto", "required"]
"""The client option: a MAC is always checked when present; ``"required"`` also demands one."""
RESPONSE_AUTH_MODES: tuple[ResponseAuth, ...] = ("auto", "required")


def is_response_auth(value: Any) -> bool:
    """True when ``value`` is ``"auto"`` or ``"required"``."""
    return isinstance(value, str) and value in RESPONSE_AUTH_MODES


def response_mac_info(payload_id: str) -> bytes:
    """The HKDF ``info``: the label, one zero byte, the payload id as UTF-8."""
    return RESPONSE_AUTH_LABEL + b"\x00" + payload_id.encode("utf-8")


def response_mac_chunks(sealed: SealedMessage) -> list[bytes]:
    """``response_mac_input`` in pieces, for an HMAC fed piecewise.

    Each part is framed: its length as 8 bytes big-endian, then the part, so no
    two different answers give the same input. The parts are not copied.
    """
    chunks: list[bytes] = []
    for part in (sealed.nonce, sealed.ciphertext, sealed.tag, sealed.encrypted_key):
        chunks += (len(part).to_bytes(8, "big"), part)
    return chunks


def response_mac_input(sealed: SealedMessage) -> bytes:
    """The bytes the MAC covers: the answer's nonce, ciphertext, tag and wrapped key, framed."""
    return b"".join(response_mac_chunks(sealed))
