"""The v1.0 envelope: build and strictly parse. Pure data, no crypto, no I/O.

``parse_envelope`` is strict: every field present and of the right type,
standard padded base64, and of the exact sizes AES-256-GCM and RSA-OAEP
produce. A wrong ``version`` or ``algorithm`` is a downgrade attempt and is
refused like any other malformed envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

from .response_mac import RESPONSE_MAC_BYTES, RESPONSE_MAC_FIELD

PROTOCOL_VERSION = "1.0"
ENVELOPE_ALGORITHM = "hybrid-aes256-rsa4096"
KEY_ALGORITHM = "RSA-OAEP-SHA256"
PAYLOAD_ALGORITHM = "AES-256-GCM"

NONCE_BYTES = 12
TAG_BYTES = 16
AES_KEY_BYTES = 32
MIN_RSA_BITS = 2048
"""The smallest RSA modulus either side accepts."""
MAX_RSA_BITS = 8192
"""The largest RSA modulus either side accepts."""


@dataclass(frozen=True, slots=True)
class SealedMessage:
    """The binary parts of one sealed message; the tag is kept apart from the ciphertext."""

    ciphertext: bytes
    nonce: bytes
    tag: bytes
    encrypted_key: bytes


@dataclass(frozen=True, slots=True)
class ParsedEnvelope:
    """A validated envelope: its parts and, on responses, ``processed_at`` and ``response_mac``.

    ``response_mac`` is None when the field is absent (a server without the
    extension); a present but malformed one fails the parse.
    """

    sealed: SealedMessage
    processed_at: int | float | None = None
    response_mac: bytes | None = None


class EnvelopeFormatError(ValueError):
    """The body is not a valid v1.0 envelope. ``problem`` names what is wrong.

    The client turns it into a SecurityError, the router into a 400.
    """

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not allowed")


# Made once: ``json.dumps``/``json.loads`` with options build a new coder on every call.
_COMPACT = json.JSONEncoder(separators=(",", ":"))
_STRICT = json.JSONDecoder(parse_constant=_reject_constant)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def build_envelope(
    sealed: SealedMessage, processed_at: int | None = None, response_mac: bytes | None = None
) -> bytes:
    """The UTF-8 JSON envelope for ``sealed``.

    Answers add ``processed_at`` and, from servers with the response-authentication
    extension, ``response_mac``.
    """
    envelope: dict[str, Any] = {
        "version": PROTOCOL_VERSION,
        "algorithm": ENVELOPE_ALGORITHM,
        "encrypted_payload": {
            "ciphertext": _b64(sealed.ciphertext),
            "nonce": _b64(sealed.nonce),
            "tag": _b64(sealed.tag),
        },
        "encrypted_aes_key": _b64(sealed.encrypted_key),
        "key_algorithm": KEY_ALGORITHM,
        "payload_algorithm": PAYLOAD_ALGORITHM,
    }
    if processed_at is not None:
        envelope["processed_at"] = processed_at
    if response_mac is not None:
        envelope[RESPONSE_MAC_FIELD] = _b64(response_mac)
    return _COMPACT.encode(envelope).encode("utf-8")


def _fail(problem: str, message: str) -> EnvelopeFormatError:
    return EnvelopeFormatError(problem, message)


def _read_base64(container: dict[str, Any], field: str) -> bytes:
    if field not in container:
        raise _fail("missing_field", f'envelope field "{field}" is missing')
    value = container[field]
    if not isinstance(value, str) or not value.isascii():
        raise _fail("bad_field", f'envelope field "{field}" is not standard padded base64')
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(
            "bad_field", f'envelope field "{field}" is not standard padded base64'
        ) from None


def _check_size(field: str, data: bytes, expected: int) -> None:
    if len(data) != expected:
        raise _fail("bad_field", f'envelope field "{field}" must decode to {expected} bytes')


def _load_object(body: bytes | bytearray | memoryview | str) -> dict[str, Any]:
    try:
        text = body if isinstance(body, str) else bytes(body).decode("utf-8")
        value = _STRICT.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _fail("not_json", "envelope is not valid UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise _fail("not_object", "envelope is not a JSON object")
    return value


def _check_algorithms(value: dict[str, Any]) -> None:
    if "version" not in value:
        raise _fail("missing_field", 'envelope field "version" is missing')
    if value["version"] != PROTOCOL_VERSION:
        raise _fail("unsupported_version", "unsupported envelope version")
    if "algorithm" not in value:
        raise _fail("missing_field", 'envelope field "algorithm" is missing')
    if value["algorithm"] != ENVELOPE_ALGORITHM:
        raise _fail("unsupported_algorithm", "unsupported envelope algorithm")
    # The reference client always sends these two; when present they must name ours.
    if "key_algorithm" in value and value["key_algorithm"] != KEY_ALGORITHM:
        raise _fail("unsupported_key_algorithm", "unsupported key algorithm")
    if "payload_algorithm" in value and value["payload_algorithm"] != PAYLOAD_ALGORITHM:
        raise _fail("unsupported_payload_algorithm", "unsupported payload algorithm")


def parse_envelope(body: bytes | bytearray | memoryview | str) -> ParsedEnvelope:
    """Parse and validate an envelope; raises EnvelopeFormatError."""
    value = _load_object(body)
    _check_algorithms(value)
    payload = value.get("encrypted_payload")
    if payload is None:
        raise _fail("missing_field", 'envelope field "encrypted_payload" is missing')
    if not isinstance(payload, dict):
        raise _fail("bad_field", 'envelope field "encrypted_payload" is not an object')
    nonce = _read_base64(payload, "nonce")
    _check_size("nonce", nonce, NONCE_BYTES)
    tag = _read_base64(payload, "tag")
    _check_size("tag", tag, TAG_BYTES)
    encrypted_key = _read_base64(value, "encrypted_aes_key")
    if not MIN_RSA_BITS // 8 <= len(encrypted_key) <= MAX_RSA_BITS // 8:
        raise _fail("bad_field", 'envelope field "encrypted_aes_key" has an impossible length')
    ciphertext = _read_base64(payload, "ciphertext")
    return ParsedEnvelope(
        SealedMessage(ciphertext, nonce, tag, encrypted_key),
        _read_processed_at(value),
        _read_response_mac(value),
    )


def _read_processed_at(value: dict[str, Any]) -> int | float | None:
    processed_at = value.get("processed_at")
    if (
        isinstance(processed_at, bool)
        or not isinstance(processed_at, int | float)
        or (isinstance(processed_at, float) and not math.isfinite(processed_at))
    ):
        return None
    result: int | float = processed_at
    return result


def _read_response_mac(value: dict[str, Any]) -> bytes | None:
    """The MAC when the field is there (any value, ``null`` included, must be 32 bytes)."""
    if RESPONSE_MAC_FIELD not in value:
        return None
    mac = _read_base64(value, RESPONSE_MAC_FIELD)
    _check_size(RESPONSE_MAC_FIELD, mac, RESPONSE_MAC_BYTES)
    return mac
