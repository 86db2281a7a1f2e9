"""parse_envelope is strict: every malformed or downgraded envelope is refused by name."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from nomyo_web.protocol import (
    MAX_ENVELOPE_BYTES,
    MAX_PLAINTEXT_BYTES,
    EnvelopeFormatError,
    SealedMessage,
    build_envelope,
    parse_envelope,
)

GOOD = SealedMessage(b"c" * 10, b"n" * 12, b"t" * 16, b"k" * 512)


def good() -> dict[str, Any]:
    return json.loads(build_envelope(GOOD, processed_at=1700000000))


def problem(envelope: Any) -> str:
    body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
    with pytest.raises(EnvelopeFormatError) as caught:
        parse_envelope(body)
    return caught.value.problem


def test_round_trip_and_processed_at() -> None:
    parsed = parse_envelope(build_envelope(GOOD, processed_at=1700000000))
    assert parsed.sealed == GOOD and parsed.processed_at == 1700000000
    assert parse_envelope(build_envelope(GOOD)).processed_at is None


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("version", "0.9", "unsupported_version"),
        ("version", 1.0, "unsupported_version"),
        ("algorithm", "hybrid-aes128-rsa2048", "unsupported_algorithm"),
        ("key_algorithm", "RSA-OAEP-SHA1", "unsupported_key_algorithm"),
        ("payload_algorithm", "AES-128-CBC", "unsupported_payload_algorithm"),
        ("encrypted_payload", "nope", "bad_field"),
        ("encrypted_aes_key", "a" * 7, "bad_field"),
        ("encrypted_aes_key", base64.b64encode(b"k" * 100).decode(), "bad_field"),
        ("encrypted_aes_key", 5, "bad_field"),
    ],
)
def test_bad_top_level_fields(field: str, value: Any, expected: str) -> None:
    envelope = good()
    envelope[field] = value
    assert problem(envelope) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nonce", base64.b64encode(b"n" * 11).decode()),
        ("tag", base64.b64encode(b"t" * 15).decode()),
        ("ciphertext", "not base64!"),
        ("ciphertext", "YWJj"[:-1]),
        ("ciphertext", "YW Jj"),
        ("ciphertext", "YWJj\n"),
        ("ciphertext", "-_-_"),
        ("nonce", None),
    ],
)
def test_bad_payload_fields(field: str, value: Any) -> None:
    envelope = good()
    envelope["encrypted_payload"][field] = value
    assert problem(envelope) == "bad_field"


@pytest.mark.parametrize(
    "field", ["version", "algorithm", "encrypted_payload", "encrypted_aes_key"]
)
def test_missing_fields(field: str) -> None:
    envelope = good()
    del envelope[field]
    assert problem(envelope) == "missing_field"


def test_not_json_or_not_object() -> None:
    assert problem(b"\xff\xfe") == "not_json"
    assert problem(b"{") == "not_json"
    assert problem(b'{"version": NaN}') == "not_json"
    assert problem(b"[1,2]") == "not_object"
    assert problem(b"[" * 100000) == "not_json"


def test_limits() -> None:
    assert MAX_PLAINTEXT_BYTES == 10 * 1024 * 1024
    assert 13.3 * 2**20 < MAX_ENVELOPE_BYTES < 13.5 * 2**20
