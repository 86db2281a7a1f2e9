"""The protocol written again from protocol.md, independently of nomyo_web.

Test code only: it seals and opens envelopes with `cryptography` directly, so
the package's envelopes are checked against a second implementation. The
response-authentication extension (``response_mac``) is written with the
standard library alone (``hmac``, ``hashlib``): HKDF from RFC 5869 by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


def seal(
    plaintext: bytes, public_pem: str, *, key: bytes | None = None, nonce: bytes | None = None
) -> dict[str, Any]:
    public = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(public, rsa.RSAPublicKey)
    key = key or os.urandom(32)
    nonce = nonce or os.urandom(12)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return {
        "version": "1.0",
        "algorithm": "hybrid-aes256-rsa4096",
        "encrypted_payload": {
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "nonce": base64.b64encode(nonce).decode(),
            "tag": base64.b64encode(encryptor.tag).decode(),
        },
        "encrypted_aes_key": base64.b64encode(public.encrypt(key, OAEP)).decode(),
        "key_algorithm": "RSA-OAEP-SHA256",
        "payload_algorithm": "AES-256-GCM",
    }


def open_envelope(envelope: dict[str, Any], private: rsa.RSAPrivateKey) -> bytes:
    return open_with_key(envelope, private)[0]


def open_with_key(envelope: dict[str, Any], private: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    """The plaintext and the AES key it was sealed with (what a server MACs its answer with)."""
    assert envelope["version"] == "1.0"
    assert envelope["algorithm"] == "hybrid-aes256-rsa4096"
    assert envelope["key_algorithm"] == "RSA-OAEP-SHA256"
    assert envelope["payload_algorithm"] == "AES-256-GCM"
    payload = envelope["encrypted_payload"]
    key = private.decrypt(base64.b64decode(envelope["encrypted_aes_key"]), OAEP)
    nonce = base64.b64decode(payload["nonce"])
    tag = base64.b64decode(payload["tag"])
    assert len(key) == 32 and len(nonce) == 12 and len(tag) == 16
    decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
    plaintext = decryptor.update(base64.b64decode(payload["ciphertext"])) + decryptor.finalize()
    return plaintext, key


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF-SHA256, extract then expand, with hmac and hashlib only."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def response_mac(aes_key: bytes, payload_id: str, envelope: dict[str, Any]) -> str:
    """The ``response_mac`` (base64) of an answer envelope, as protocol.md defines it."""
    payload = envelope["encrypted_payload"]
    parts = [
        base64.b64decode(payload["nonce"]),
        base64.b64decode(payload["ciphertext"]),
        base64.b64decode(payload["tag"]),
        base64.b64decode(envelope["encrypted_aes_key"]),
    ]
    info = b"nomyo-response-auth-v1" + b"\x00" + payload_id.encode("utf-8")
    mac_key = hkdf_sha256(aes_key, b"", info, 32)
    framed = b"".join(len(part).to_bytes(8, "big") + part for part in parts)
    return base64.b64encode(hmac.new(mac_key, framed, hashlib.sha256).digest()).decode()


def answer(
    completion: dict[str, Any], client_pem: str, request_key: bytes, payload_id: str
) -> dict[str, Any]:
    """An answer envelope as a server with the extension writes it: sealed, MAC'd."""
    envelope = seal(json.dumps(completion).encode(), client_pem)
    envelope["processed_at"] = 1_700_000_000
    envelope["response_mac"] = response_mac(request_key, payload_id, envelope)
    return envelope


def public_pem(private: rsa.RSAPrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def dumps(envelope: dict[str, Any]) -> bytes:
    # The reference client's own spacing (json.dumps defaults).
    return json.dumps(envelope).encode()
