"""Crypto-seam cases: the runtime's default backend (WebCrypto in Pyodide, cryptography on
CPython) against envelopes the host seals and opens with independent test code."""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

from nomyo_web._runtime import default_crypto
from nomyo_web.crypto import KeyFormatError, OpenError, PrivateKeyHandle
from nomyo_web.protocol import build_envelope, parse_envelope

_KEYS: dict[str, PrivateKeyHandle] = {}


def _b64(data: bytes | bytearray) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def backend_name() -> str:
    return str(default_crypto().name)


async def generate_key(key_id: str, bits: int = 4096) -> dict[str, Any]:
    """A key pair kept in this interpreter under ``key_id``; returns its public half."""
    key = await default_crypto().generate_private_key(bits)
    _KEYS[key_id] = key
    return {"pem": key.public.pem, "bits": key.public.bits, "fingerprint": key.public.fingerprint}


async def seal_for(public_pem: str, plaintext_b64: str) -> dict[str, Any]:
    """The v1.0 envelope of ``plaintext`` sealed for ``public_pem``."""
    backend = default_crypto()
    key = await backend.load_public_key(public_pem)
    sealed = await backend.seal(base64.b64decode(plaintext_b64), key)
    assert len(sealed.tag) == 16 and len(sealed.nonce) == 12
    assert len(sealed.ciphertext) == len(base64.b64decode(plaintext_b64))
    envelope: dict[str, Any] = json.loads(build_envelope(sealed))
    return envelope


async def open_envelope(key_id: str, envelope: dict[str, Any]) -> str:
    """Open an envelope sealed for the kept key ``key_id``; base64 of the plaintext."""
    parsed = parse_envelope(json.dumps(envelope).encode())
    return _b64(await default_crypto().open(parsed.sealed, _KEYS[key_id]))


async def open_refused(key_id: str, envelope: dict[str, Any]) -> str:
    """Opening must fail with the one opaque OpenError; returns its message."""
    parsed = parse_envelope(json.dumps(envelope).encode())
    try:
        await default_crypto().open(parsed.sealed, _KEYS[key_id])
    except OpenError as exc:
        return str(exc)
    raise AssertionError("a tampered envelope was opened")


async def load_refused(pem: str) -> str:
    """Importing ``pem`` as a server key must raise KeyFormatError; returns its message."""
    try:
        await default_crypto().load_public_key(pem)
    except KeyFormatError as exc:
        return str(exc)
    raise AssertionError("the key was accepted")


async def load_public_key(pem: str) -> dict[str, Any]:
    key = await default_crypto().load_public_key(pem)
    return {"bits": key.bits, "fingerprint": key.fingerprint}


async def seal_then_open_own(key_id: str, size: int) -> bool:
    """Seal ``size`` bytes to the kept key and open them again in the same runtime."""
    backend = default_crypto()
    key = _KEYS[key_id]
    plaintext = bytes(i % 251 for i in range(size))
    sealed = await backend.seal(plaintext, key.public)
    return bytes(await backend.open(sealed, key)) == plaintext


async def private_key_facts(key_id: str) -> dict[str, Any]:
    """What a page script can learn about the kept private key (Pyodide: a CryptoKey)."""
    if sys.platform != "emscripten":
        return {"runtime": "cpython"}
    import js
    from pyodide.ffi import JsException

    native = _KEYS[key_id].native
    facts: dict[str, Any] = {
        "class": str(native.constructor.name),
        "type": str(native.type),
        "extractable": bool(native.extractable),
        "algorithm": str(native.algorithm.name),
        "modulus_bits": int(native.algorithm.modulusLength),
        "usages": sorted(str(usage) for usage in native.usages),
        "exports": {},
    }
    for export_format in ("pkcs8", "jwk"):
        try:
            await js.crypto.subtle.exportKey(export_format, native)
            facts["exports"][export_format] = "exported"
        except JsException as exc:
            facts["exports"][export_format] = str(exc.name)
    return facts


def forget_key(key_id: str) -> bool:
    key = _KEYS.pop(key_id)
    key.forget()
    return key.native is None and key.public.native is None


async def response_mac_of(key_b64: str, payload_id: str, envelope: dict[str, Any]) -> str:
    """The runtime backend's ``response_mac`` of an answer envelope, base64."""
    sealed = parse_envelope(json.dumps(envelope).encode()).sealed
    key = bytearray(base64.b64decode(key_b64))
    return _b64(await default_crypto().response_mac(key, payload_id, sealed))


async def response_mac_check(
    key_b64: str, payload_id: str, envelope: dict[str, Any], mac_b64: str
) -> str:
    """``"verified"``, or the message of the one opaque OpenError."""
    sealed = parse_envelope(json.dumps(envelope).encode()).sealed
    key = bytearray(base64.b64decode(key_b64))
    try:
        await default_crypto().verify_response_mac(
            key, payload_id, sealed, base64.b64decode(mac_b64)
        )
    except OpenError as exc:
        return str(exc)
    return "verified"


async def seal_request_for(public_pem: str, plaintext_b64: str) -> dict[str, Any]:
    """``seal_request``: the envelope and (for the host to compare) the key it kept, base64."""
    backend = default_crypto()
    key = await backend.load_public_key(public_pem)
    sealed, aes_key = await backend.seal_request(base64.b64decode(plaintext_b64), key)
    return {
        "envelope": json.loads(build_envelope(sealed)),
        "kept_key": _b64(aes_key),
        # A bytearray (a backend may subclass it) is what the client can wipe.
        "kept_type": "bytearray" if isinstance(aes_key, bytearray) else type(aes_key).__name__,
    }


async def open_verified(
    key_id: str, request_key_b64: str, payload_id: str, envelope: dict[str, Any], mac_b64: str
) -> str:
    """``open_verified`` of an answer for the kept key ``key_id``: base64 of the plaintext,
    or the message of the one opaque OpenError."""
    sealed = parse_envelope(json.dumps(envelope).encode()).sealed
    request_key = bytearray(base64.b64decode(request_key_b64))
    mac = base64.b64decode(mac_b64)
    try:
        opened = await default_crypto().open_verified(
            sealed, _KEYS[key_id], request_key, payload_id, mac
        )
    except OpenError as exc:
        return str(exc)
    return _b64(opened)
