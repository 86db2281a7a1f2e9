"""Wire format, both ways: package envelopes against independent test code."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization

from nomyo_web.crypto import KeyFormatError, OpenError, PrivateKeyHandle, spki_fingerprint
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    build_envelope,
    encode_public_key_header,
    parse_envelope,
)
from tests.support.keys import unknown_curve_pem

from . import independent_crypto as ref

REQUEST = {"model": "m", "messages": [{"role": "user", "content": "Grüße, 東京 🚀"}]}


async def test_package_opens_what_independent_code_sealed(
    pyca: PycaBackend, key_handle: PrivateKeyHandle
) -> None:
    plaintext = json.dumps(REQUEST).encode()
    body = ref.dumps(ref.seal(plaintext, key_handle.public.pem))
    opened = await pyca.open(parse_envelope(body).sealed, key_handle)
    assert bytes(opened) == plaintext


async def test_independent_code_opens_what_package_sealed(pyca: PycaBackend, rsa_key) -> None:
    public = await pyca.load_public_key(ref.public_pem(rsa_key))
    plaintext = json.dumps(REQUEST, ensure_ascii=False).encode()
    envelope = json.loads(build_envelope(await pyca.seal(plaintext, public)))
    assert set(envelope) == {
        "version",
        "algorithm",
        "encrypted_payload",
        "encrypted_aes_key",
        "key_algorithm",
        "payload_algorithm",
    }
    assert set(envelope["encrypted_payload"]) == {"ciphertext", "nonce", "tag"}
    assert ref.open_envelope(envelope, rsa_key) == plaintext


async def test_tag_is_separate_and_ciphertext_has_plaintext_length(
    pyca: PycaBackend, rsa_key
) -> None:
    public = await pyca.load_public_key(ref.public_pem(rsa_key))
    sealed = await pyca.seal(b"x" * 100, public)
    assert len(sealed.ciphertext) == 100 and len(sealed.tag) == 16 and len(sealed.nonce) == 12
    assert len(sealed.encrypted_key) == 512


async def test_fixed_vector_with_known_key_and_nonce(
    pyca: PycaBackend, key_handle: PrivateKeyHandle
) -> None:
    # AES-GCM with a fixed key and nonce gives fixed ciphertext and tag; the wrapped key is random.
    key, nonce = bytes(range(32)), bytes(range(12))
    envelope = ref.seal(b'{"a":1}', key_handle.public.pem, key=key, nonce=nonce)
    assert envelope["encrypted_payload"]["nonce"] == "AAECAwQFBgcICQoL"
    parsed = parse_envelope(ref.dumps(envelope))
    assert parsed.sealed.ciphertext == base64.b64decode(envelope["encrypted_payload"]["ciphertext"])
    assert bytes(await pyca.open(parsed.sealed, key_handle)) == b'{"a":1}'


async def test_every_nonce_and_key_is_fresh(
    pyca: PycaBackend, key_handle: PrivateKeyHandle
) -> None:
    sealed = [await pyca.seal(b"same", key_handle.public) for _ in range(8)]
    assert len({s.nonce for s in sealed}) == 8
    assert len({s.encrypted_key for s in sealed}) == 8


@pytest.mark.parametrize("part", ["ciphertext", "tag", "nonce", "encrypted_key"])
async def test_tampering_any_part_fails_opaquely(
    pyca: PycaBackend, key_handle: PrivateKeyHandle, part: str
) -> None:
    sealed = await pyca.seal(b"secret payload", key_handle.public)
    data = bytearray(getattr(sealed, part))
    data[len(data) // 2] ^= 0x01
    fields = {f: getattr(sealed, f) for f in ("ciphertext", "nonce", "tag", "encrypted_key")}
    fields[part] = bytes(data)
    tampered = type(sealed)(**fields)
    with pytest.raises(OpenError) as caught:
        await pyca.open(tampered, key_handle)
    assert str(caught.value) == "decryption failed"


async def test_wrong_private_key_fails_with_the_same_message(
    pyca: PycaBackend, key_handle, rsa_key
) -> None:
    public = await pyca.load_public_key(ref.public_pem(rsa_key))
    sealed = await pyca.seal(b"for someone else", public)
    with pytest.raises(OpenError) as caught:
        await pyca.open(sealed, key_handle)
    assert str(caught.value) == "decryption failed"


def test_public_key_header_is_urllib_quote(key_handle: PrivateKeyHandle) -> None:
    from urllib.parse import quote, unquote

    pem = key_handle.public.pem
    assert encode_public_key_header(pem) == quote(pem)
    assert "/" in encode_public_key_header(pem) and "\n" not in encode_public_key_header(pem)
    assert unquote(encode_public_key_header(pem)) == pem


def test_fingerprint_is_sha256_of_spki_der(key_handle: PrivateKeyHandle) -> None:
    import hashlib

    der = key_handle.native.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key_handle.public.fingerprint == hashlib.sha256(der).hexdigest() == spki_fingerprint(der)


def test_small_and_non_rsa_keys_are_refused(pyca: PycaBackend, small_key) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(KeyFormatError):
        pyca.load_public_key_sync(ref.public_pem(small_key))
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(KeyFormatError):
        pyca.load_public_key_sync(ec_pem)
    with pytest.raises(KeyFormatError):
        pyca.load_public_key_sync(unknown_curve_pem())
    with pytest.raises(KeyFormatError):
        pyca.load_private_key_pem(unknown_curve_pem(private=True).encode())
    for junk in ["", "hello", "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----"]:
        with pytest.raises(KeyFormatError):
            pyca.load_public_key_sync(junk)
