"""The coverage-guided targets' starting points: valid seeds and libFuzzer dictionaries.

Kept apart from ``soak.atheris_worker`` so that the process that prepares a run
neither needs atheris nor instruments anything.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import build_envelope

__all__ = ["CANARY", "PAYLOAD_ID", "TARGETS", "seeds", "tokens"]

PAYLOAD_ID = "3f0c1f0e-6a61-4a36-9f3e-0d7a8f0e5b11"
TARGETS = ("envelope-parser", "completion-binding", "client-key-header", "chat-request")
CANARY = "canary"
"""Not a soak target: its check fails on purpose, for the test that failures are reported."""
_backend = PycaBackend()


def _pem(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _rsa_pem(bits: int) -> str:
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key())


def seeds(target: str) -> list[bytes]:
    """Valid (and nearly valid) inputs for ``target``: where the mutations start."""
    if target == CANARY:
        return [b"canarz"]
    if target == "envelope-parser":
        key = _backend.generate_private_key_sync(2048)
        request = build_envelope(_backend.seal_sync(b'{"model":"m"}', key.public))
        response = build_envelope(_backend.seal_sync(b"{}", key.public), 1_700_000_000)
        return [request, response, request.decode().encode("utf-16")]
    if target == "completion-binding":
        ok = {
            "id": "c",
            "object": "chat.completion",
            "choices": [{"message": {"role": "assistant", "content": "hi"}}],
            "_metadata": {"payload_id": PAYLOAD_ID},
        }
        other = {**ok, "_metadata": {"payload_id": PAYLOAD_ID[:-1] + "2"}}
        return [
            json.dumps(ok).encode(),
            json.dumps(other).encode(),
            json.dumps(ok).encode("utf-16"),
        ]
    if target == "client-key-header":
        pem = _rsa_pem(2048)
        curve = _pem(ec.generate_private_key(ec.SECP256R1()).public_key())
        return [
            quote(pem).encode(),  # the reference client
            quote(pem, safe="").encode(),  # encodeURIComponent (the JS client)
            pem.encode(),
            quote(_rsa_pem(1024)).encode(),
            quote(curve).encode(),
        ]
    if target == "chat-request":
        chat = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False}
        tools = {**chat, "tools": [{"type": "function", "function": {"name": "f"}}]}
        return [
            json.dumps(chat).encode(),
            json.dumps(tools).encode(),
            b'{"model":"","messages":[]}',
        ]
    raise SystemExit(f"unknown target {target!r}; one of {', '.join(TARGETS)}")


_COMMON = b'{ } [ ] " : , null true 1e999 NaN \\u'.split()
_TOKENS = {
    "envelope-parser": b""""version" "1.0" "algorithm" "hybrid-aes256-rsa4096" "encrypted_payload"
        "ciphertext" "nonce" "tag" "encrypted_aes_key" "key_algorithm" "RSA-OAEP-SHA256"
        "payload_algorithm" "AES-256-GCM" "processed_at" = ==""".split(),
    "completion-binding": [b'"_metadata"', b'"payload_id"', PAYLOAD_ID.encode()],
    "client-key-header": [
        b"-----BEGIN PUBLIC KEY-----",
        b"-----END PUBLIC KEY-----",
        *b"%0A %2F %2B %3D % %FF".split(),
        b"\n",
    ],
    "chat-request": b'"model" "messages" "role" "content" "tools"'.split(),
    CANARY: [],
}


def tokens(target: str) -> list[bytes]:
    """A libFuzzer dictionary: the tokens these parsers branch on."""
    return [*_COMMON, *_TOKENS[target]]
