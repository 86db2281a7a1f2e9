"""The response-authentication extension (``response_mac``), both ways.

Fixed vectors are computed by independent standard-library code (hmac, hashlib,
HKDF by hand from RFC 5869, itself checked against the RFC's own test cases) and
checked against the package; the package's kept and recovered request keys are
checked against what independent code sealed and opened.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from nomyo_web.crypto import OpenError, PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    EnvelopeFormatError,
    SealedMessage,
    build_envelope,
    parse_envelope,
    response_mac_info,
    response_mac_input,
)

from . import independent_crypto as ref


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _answer_envelope(ciphertext: bytes) -> dict[str, Any]:
    return {
        "version": "1.0",
        "algorithm": "hybrid-aes256-rsa4096",
        "encrypted_payload": {
            "ciphertext": _b64(ciphertext),
            "nonce": _b64(bytes(range(12))),
            "tag": _b64(bytes(range(100, 116))),
        },
        "encrypted_aes_key": _b64(bytes(range(256)) * 2),
        "key_algorithm": "RSA-OAEP-SHA256",
        "payload_algorithm": "AES-256-GCM",
        "processed_at": 1_700_000_000,
    }


# (request AES key, payload id, answer envelope, response_mac): computed once with
# tests/unit/independent_crypto.py and written down, so neither side can drift.
VECTORS: list[tuple[bytes, str, dict[str, Any], str]] = [
    (
        bytes(range(32)),
        "vector-payload-1",
        _answer_envelope(b'{"answer":"sealed"}'),
        "hMKfJrssanSAw+k+t2Uxl+ylEPQA9+2ZfSP7CfMWzTk=",
    ),
    (
        bytes(range(32)),
        "Grüße-東京",  # the info carries the payload id as UTF-8
        _answer_envelope(b'{"answer":"sealed"}'),
        "6ZKQuzXGJTmPsQaR8kkPFBPwQ7gOy6nb5BHI31ygZug=",
    ),
    (
        bytes(range(32, 64)),
        "3f0c1f0e-6a61-4a36-9f3e-0d7a8f0e5b11",
        _answer_envelope(b""),
        "LF0TsS/Hyafb81AZQLHe8cYEErSnVQIQ3yDq84cXhgc=",
    ),
]
VECTOR_IDS = ["ascii-id", "utf8-id", "empty-ciphertext"]


def _sealed(envelope: dict[str, Any]) -> SealedMessage:
    return parse_envelope(json.dumps(envelope)).sealed


def test_the_independent_hkdf_is_rfc_5869() -> None:
    # RFC 5869 A.1 and A.3 (A.3: empty salt and info, as the extension's salt is empty).
    assert ref.hkdf_sha256(b"\x0b" * 22, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42).hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )
    assert ref.hkdf_sha256(b"\x0b" * 22, b"", b"", 42).hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


@pytest.mark.parametrize(("key", "payload_id", "envelope", "mac"), VECTORS, ids=VECTOR_IDS)
def test_the_vectors_are_what_independent_code_computes(
    key: bytes, payload_id: str, envelope: dict[str, Any], mac: str
) -> None:
    assert ref.response_mac(key, payload_id, envelope) == mac


@pytest.mark.parametrize(("key", "payload_id", "envelope", "mac"), VECTORS, ids=VECTOR_IDS)
async def test_the_package_computes_and_verifies_the_vectors(
    pyca: PycaBackend, key: bytes, payload_id: str, envelope: dict[str, Any], mac: str
) -> None:
    sealed = _sealed(envelope)
    assert _b64(await pyca.response_mac(bytearray(key), payload_id, sealed)) == mac
    await pyca.verify_response_mac(bytearray(key), payload_id, sealed, base64.b64decode(mac))


def test_info_and_framing_are_the_protocols() -> None:
    assert response_mac_info("abc") == b"nomyo-response-auth-v1\x00abc"
    assert response_mac_info("é") == b"nomyo-response-auth-v1\x00\xc3\xa9"
    sealed = SealedMessage(b"CT", b"N" * 12, b"T" * 16, b"K" * 256)
    assert response_mac_input(sealed) == (
        (12).to_bytes(8, "big")
        + b"N" * 12
        + (2).to_bytes(8, "big")
        + b"CT"
        + (16).to_bytes(8, "big")
        + b"T" * 16
        + (256).to_bytes(8, "big")
        + b"K" * 256
    )


def _changed(sealed: SealedMessage, part: str) -> SealedMessage:
    fields = {f: getattr(sealed, f) for f in ("ciphertext", "nonce", "tag", "encrypted_key")}
    data = bytearray(fields[part] or b"\x00")
    data[-1] ^= 0x01
    fields[part] = bytes(data)
    return SealedMessage(**fields)


@pytest.mark.parametrize("change", ["ciphertext", "nonce", "tag", "encrypted_key", "id", "key"])
async def test_any_change_fails_verification_with_the_one_opaque_error(
    pyca: PycaBackend, change: str
) -> None:
    key, payload_id, envelope, mac = VECTORS[0]
    sealed, request_key = _sealed(envelope), bytearray(key)
    if change == "id":
        payload_id += "x"
    elif change == "key":
        request_key[0] ^= 0x01
    else:
        sealed = _changed(sealed, change)
    with pytest.raises(OpenError) as caught:
        await pyca.verify_response_mac(request_key, payload_id, sealed, base64.b64decode(mac))
    assert str(caught.value) == "decryption failed"


async def test_framing_keeps_part_boundaries(pyca: PycaBackend) -> None:
    # The same concatenated bytes split differently between ciphertext and tag.
    key = bytearray(32)
    one = SealedMessage(b"abc", b"n" * 12, b"d" + b"t" * 15, b"k" * 256)
    two = SealedMessage(b"abcd", b"n" * 12, b"t" * 15, b"k" * 256)
    assert await pyca.response_mac(key, "id", one) != await pyca.response_mac(key, "id", two)


@pytest.mark.parametrize("mac", [b"", b"\x00" * 31, b"\x00" * 33, b"\x00" * 32])
async def test_a_wrong_mac_or_request_key_of_any_length_is_refused(
    pyca: PycaBackend, mac: bytes
) -> None:
    key, payload_id, envelope, _ = VECTORS[0]
    with pytest.raises(OpenError):
        await pyca.verify_response_mac(bytearray(key), payload_id, _sealed(envelope), mac)
    with pytest.raises(OpenError):
        await pyca.verify_response_mac(bytearray(16), payload_id, _sealed(envelope), mac)


def test_the_field_is_parsed_and_built() -> None:
    _, _, envelope, mac = VECTORS[0]
    assert parse_envelope(json.dumps(envelope)).response_mac is None
    parsed = parse_envelope(json.dumps({**envelope, "response_mac": mac}))
    assert parsed.response_mac == base64.b64decode(mac)
    built = json.loads(build_envelope(parsed.sealed, 1, response_mac=parsed.response_mac))
    assert built["response_mac"] == mac and built["processed_at"] == 1
    assert "response_mac" not in json.loads(build_envelope(parsed.sealed, 1))


@pytest.mark.parametrize(
    "value",
    [None, 0, "", "not base64!", _b64(bytes(31)), _b64(bytes(33)), _b64(bytes(32))[:-1], ["x"]],
)
def test_a_malformed_field_fails_the_parse(value: Any) -> None:
    _, _, envelope, _ = VECTORS[0]
    with pytest.raises(EnvelopeFormatError) as caught:
        parse_envelope(json.dumps({**envelope, "response_mac": value}))
    assert caught.value.problem == "bad_field"
    assert "response_mac" in str(caught.value)


async def test_seal_request_keeps_the_key_independent_code_recovers(
    pyca: PycaBackend, rsa_key: Any
) -> None:
    public = await pyca.load_public_key(ref.public_pem(rsa_key))
    sealed, aes_key = await pyca.seal_request(b'{"model":"m"}', public)
    envelope = json.loads(build_envelope(sealed))
    plaintext, recovered = ref.open_with_key(envelope, rsa_key)
    assert plaintext == b'{"model":"m"}' and bytes(aes_key) == recovered
    assert isinstance(aes_key, bytearray) and len(aes_key) == 32


def test_open_request_yields_the_key_independent_code_sealed_with(
    pyca: PycaBackend, key_handle: PrivateKeyHandle
) -> None:
    envelope = ref.seal(b'{"model":"m"}', key_handle.public.pem, key=bytes(range(32)))
    plaintext, aes_key = pyca.open_request_sync(_sealed(envelope), key_handle)
    assert bytes(plaintext) == b'{"model":"m"}' and aes_key == bytearray(range(32))


async def test_an_answer_macd_by_independent_code_verifies(
    pyca: PycaBackend, key_handle: PrivateKeyHandle
) -> None:
    request_key = bytes(range(7, 39))
    envelope = ref.answer({"ok": True}, key_handle.public.pem, request_key, "pid-1")
    parsed = parse_envelope(json.dumps(envelope))
    assert parsed.response_mac is not None
    await pyca.verify_response_mac(
        bytearray(request_key), "pid-1", parsed.sealed, parsed.response_mac
    )
    assert json.loads(bytes(await pyca.open(parsed.sealed, key_handle))) == {"ok": True}
