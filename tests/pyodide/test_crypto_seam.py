"""The crypto seam inside each interpreter against independent test code.

Under Pyodide the backend is WebCrypto; the host seals and opens with
``cryptography`` written from protocol.md, so both directions prove the wire format.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.support.keys import unknown_curve_pem
from tests.unit import independent_crypto as ref
from tests.unit.test_response_mac import VECTOR_IDS, VECTORS

PLAINTEXT = json.dumps(
    {"model": "m", "messages": [{"role": "user", "content": "Grüße, 東京 🚀"}]}, ensure_ascii=False
).encode()
EXPECTED_BACKEND = {"cpython": "cryptography", "node": "webcrypto", "chrome": "webcrypto"}


@pytest.fixture(scope="session")
def host_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=4096)


@pytest.fixture(scope="session")
def interpreter_key(interpreter: Any) -> dict[str, Any]:
    return dict(interpreter.call("crypto:generate_key", key_id="main"), key_id="main")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_interpreter_uses_its_own_backend(interpreter: Any) -> None:
    assert interpreter.call("crypto:backend_name") == EXPECTED_BACKEND[interpreter.name]


def test_independent_code_opens_what_the_interpreter_sealed(
    interpreter: Any, host_key: Any
) -> None:
    envelope = interpreter.call(
        "crypto:seal_for", public_pem=ref.public_pem(host_key), plaintext_b64=_b64(PLAINTEXT)
    )
    assert set(envelope) == {
        *("version", "algorithm", "encrypted_payload"),
        *("encrypted_aes_key", "key_algorithm", "payload_algorithm"),
    }
    assert ref.open_envelope(envelope, host_key) == PLAINTEXT


def test_interpreter_opens_what_independent_code_sealed(
    interpreter: Any, interpreter_key: dict
) -> None:
    envelope = ref.seal(PLAINTEXT, interpreter_key["pem"])
    opened = interpreter.call("crypto:open_envelope", key_id="main", envelope=envelope)
    assert base64.b64decode(opened) == PLAINTEXT


def test_fixed_key_and_nonce_vector_opens(interpreter: Any, interpreter_key: dict) -> None:
    envelope = ref.seal(
        b'{"a":1}', interpreter_key["pem"], key=bytes(range(32)), nonce=bytes(range(12))
    )
    # AES-256-GCM with this key and nonce: fixed ciphertext and tag (only the wrapped key varies).
    assert envelope["encrypted_payload"]["nonce"] == "AAECAwQFBgcICQoL"
    opened = interpreter.call("crypto:open_envelope", key_id="main", envelope=envelope)
    assert base64.b64decode(opened) == b'{"a":1}'


def test_generated_public_key_is_rsa_4096_with_its_spki_fingerprint(
    interpreter: Any, interpreter_key: dict
) -> None:
    public = serialization.load_pem_public_key(interpreter_key["pem"].encode())
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 4096 == interpreter_key["bits"]
    assert public.public_numbers().e == 65537
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert interpreter_key["fingerprint"] == ref_fingerprint(der)
    # Same PEM layout as cryptography's, so X-Public-Key is byte-identical in form.
    assert (
        interpreter_key["pem"]
        == public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
    )


def ref_fingerprint(der: bytes) -> str:
    import hashlib

    return hashlib.sha256(der).hexdigest()


@pytest.mark.parametrize("part", ["ciphertext", "tag", "nonce", "encrypted_aes_key"])
def test_a_flipped_bit_anywhere_is_one_opaque_error(
    interpreter: Any, interpreter_key: dict, part: str
) -> None:
    envelope = ref.seal(PLAINTEXT, interpreter_key["pem"])
    holder = envelope if part == "encrypted_aes_key" else envelope["encrypted_payload"]
    raw = bytearray(base64.b64decode(holder[part]))
    raw[len(raw) // 2] ^= 0x01
    holder[part] = _b64(bytes(raw))
    message = interpreter.call("crypto:open_refused", key_id="main", envelope=envelope)
    assert message == "decryption failed"


def test_an_aes_128_key_is_refused(interpreter: Any, interpreter_key: dict) -> None:
    envelope = ref.seal(PLAINTEXT, interpreter_key["pem"], key=bytes(16))
    message = interpreter.call("crypto:open_refused", key_id="main", envelope=envelope)
    assert message == "decryption failed"


def test_an_envelope_for_another_key_is_refused(interpreter: Any, host_key: Any) -> None:
    interpreter.call("crypto:generate_key", key_id="other", bits=2048)
    envelope = ref.seal(PLAINTEXT, ref.public_pem(host_key))
    assert interpreter.call("crypto:open_refused", key_id="other", envelope=envelope)


@pytest.mark.parametrize("size", [0, 1, 1 << 20])
def test_seal_and_open_in_the_interpreter(
    interpreter: Any, interpreter_key: dict, size: int
) -> None:
    assert interpreter.call("crypto:seal_then_open_own", key_id="main", size=size) is True


def _pem(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.mark.parametrize("kind", ["ec", "ec-unknown-curve", "rsa1024", "garbage"])
def test_server_keys_that_are_not_rsa_2048_plus_are_refused(interpreter: Any, kind: str) -> None:
    if kind == "ec":
        pem = _pem(ec.generate_private_key(ec.SECP256R1()))
    elif kind == "ec-unknown-curve":
        pem = unknown_curve_pem()
    elif kind == "rsa1024":
        pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    else:
        pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    assert interpreter.call("crypto:load_refused", pem=pem)


def test_a_server_key_imports_with_its_size_and_fingerprint(
    interpreter: Any, host_key: Any
) -> None:
    facts = interpreter.call("crypto:load_public_key", pem=ref.public_pem(host_key))
    der = host_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert facts == {"bits": 4096, "fingerprint": ref_fingerprint(der)}


def test_the_private_key_is_a_non_extractable_crypto_key(
    interpreter: Any, interpreter_key: dict
) -> None:
    facts = interpreter.call("crypto:private_key_facts", key_id="main")
    if interpreter.name == "cpython":
        pytest.skip("a WebCrypto property: CPython keys are cryptography objects")
    exports = facts.pop("exports")
    # Chromium names the refusal InvalidAccessError; Node.js InvalidAccessException.
    assert {name.removesuffix("Exception").removesuffix("Error") for name in exports.values()} == {
        "InvalidAccess"
    }, exports
    assert facts == {
        "class": "CryptoKey",
        "type": "private",
        "extractable": False,
        "algorithm": "RSA-OAEP",
        "modulus_bits": 4096,
        "usages": ["decrypt", "unwrapKey"],
    }


@pytest.mark.parametrize(("key", "payload_id", "envelope", "mac"), VECTORS, ids=VECTOR_IDS)
def test_the_interpreter_computes_and_verifies_the_response_mac_vectors(
    interpreter: Any, key: bytes, payload_id: str, envelope: dict[str, Any], mac: str
) -> None:
    args = {"key_b64": _b64(key), "payload_id": payload_id, "envelope": envelope}
    assert interpreter.call("crypto:response_mac_of", **args) == mac
    assert interpreter.call("crypto:response_mac_check", mac_b64=mac, **args) == "verified"


@pytest.mark.parametrize("change", ["mac", "payload_id", "key", "short-mac", "short-key"])
def test_a_response_mac_that_does_not_match_is_one_opaque_error(
    interpreter: Any, change: str
) -> None:
    key, payload_id, envelope, mac = VECTORS[0]
    args = {"key_b64": _b64(key), "payload_id": payload_id, "envelope": envelope, "mac_b64": mac}
    if change == "mac":
        raw = bytearray(base64.b64decode(mac))
        raw[0] ^= 0x01
        args["mac_b64"] = _b64(bytes(raw))
    elif change == "payload_id":
        args["payload_id"] = payload_id + "x"
    elif change == "key":
        args["key_b64"] = _b64(bytes(32))
    elif change == "short-mac":
        args["mac_b64"] = _b64(base64.b64decode(mac)[:31])
    else:
        args["key_b64"] = _b64(key[:16])
    assert interpreter.call("crypto:response_mac_check", **args) == "decryption failed"


def test_seal_request_keeps_the_key_it_sealed_with(interpreter: Any, host_key: Any) -> None:
    result = interpreter.call(
        "crypto:seal_request_for",
        public_pem=ref.public_pem(host_key),
        plaintext_b64=_b64(PLAINTEXT),
    )
    plaintext, key = ref.open_with_key(result["envelope"], host_key)
    assert plaintext == PLAINTEXT
    assert base64.b64decode(result["kept_key"]) == key and result["kept_type"] == "bytearray"


@pytest.mark.parametrize("change", ["none", "mac", "payload_id", "request_key", "ciphertext"])
def test_open_verified_opens_only_an_answer_whose_mac_holds(
    interpreter: Any, interpreter_key: dict, change: str
) -> None:
    """The MAC check and the open in one call: any change is the one opaque error."""
    request_key, payload_id = bytes(range(32)), "3f2c8a6e-open-verified"
    envelope = ref.seal(PLAINTEXT, interpreter_key["pem"])
    mac = ref.response_mac(request_key, payload_id, envelope)
    args = {"request_key_b64": _b64(request_key), "payload_id": payload_id, "mac_b64": mac}
    if change == "mac":
        args["mac_b64"] = _b64(bytes(32))
    elif change == "payload_id":
        args["payload_id"] = payload_id + "x"
    elif change == "request_key":
        args["request_key_b64"] = _b64(bytes(32))
    elif change == "ciphertext":
        tag = bytearray(base64.b64decode(envelope["encrypted_payload"]["tag"]))
        tag[0] ^= 0x01
        envelope["encrypted_payload"]["tag"] = _b64(bytes(tag))
        args["mac_b64"] = ref.response_mac(request_key, payload_id, envelope)  # a MAC that holds
    opened = interpreter.call("crypto:open_verified", key_id="main", envelope=envelope, **args)
    if change == "none":
        assert base64.b64decode(opened) == PLAINTEXT
    else:
        assert opened == "decryption failed"
