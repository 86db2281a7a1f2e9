"""The protocol written again from protocol.md, independently of nomyo_web.

Test code only: it seals and opens envelopes with `cryptography` directly, so
the package's envelopes are checked against a second implementation.
"""

from __future__ import annotations

import base64
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
    return decryptor.update(base64.b64decode(payload["ciphertext"])) + decryptor.finalize()


def public_pem(private: rsa.RSAPrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def dumps(envelope: dict[str, Any]) -> bytes:
    # The reference client's own spacing (json.dumps defaults).
    return json.dumps(envelope).encode()
