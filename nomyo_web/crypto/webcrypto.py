"""The crypto seam over WebCrypto (``crypto.subtle``), for Pyodide in a page, a worker or Node.js.

The client's RSA private key is a ``CryptoKey`` generated non-extractable:
no script in the page, this package included, can export it. Its public half
is exported once (SPKI) for the PEM sent as ``X-Public-Key``.

The per-message AES-256-GCM key is generated inside WebCrypto and leaves it
wrapped (``wrapKey`` with RSA-OAEP); on open it is unwrapped straight into a
non-extractable ``CryptoKey``. The one exception is a request's key, which the
client needs again to check the answer's ``response_mac``: ``seal_request``
exports it once into a ``bytearray`` (zeroing the JavaScript copy), and the
client wipes that when the answer is checked. An answer's key never leaves
WebCrypto. WebCrypto's AES-GCM output is ``ciphertext || tag``; the tag is
split off because the envelope keeps them apart.

``response_mac``: the request key is imported as a non-extractable HKDF key
and the HMAC key is *derived* into WebCrypto (``deriveKey``, which computes
what ``deriveBits`` followed by an HMAC ``importKey`` would, but never puts
the derived bytes in a buffer); ``verify`` compares in constant time.

Every algorithm parameter is spelled out at its call site.
"""

from __future__ import annotations

import asyncio
import base64
import os
import textwrap
from typing import Any

from .._js import JsException, js, js_array, js_bytes, js_object, py_bytes, take_bytearray
from ..protocol import (
    AES_KEY_BYTES,
    MAX_RSA_BITS,
    MIN_RSA_BITS,
    NONCE_BYTES,
    RESPONSE_MAC_BYTES,
    TAG_BYTES,
    SealedMessage,
    response_mac_info,
    response_mac_input,
)
from . import (
    KeyFormatError,
    OpenError,
    PrivateKeyHandle,
    PublicKeyHandle,
    check_public_key_pem,
    spki_fingerprint,
)

__all__ = ["WebCryptoBackend"]

_RSA_OAEP_SHA256 = {"name": "RSA-OAEP", "hash": "SHA-256"}
_PUBLIC_EXPONENT_65537 = b"\x01\x00\x01"
_AES_GCM_256 = {"name": "AES-GCM", "length": AES_KEY_BYTES * 8}
# Without "length" an HMAC key derived by deriveKey is one hash *block* (512 bits) long.
_HMAC_SHA256 = {"name": "HMAC", "hash": "SHA-256", "length": RESPONSE_MAC_BYTES * 8}


def _aes_gcm_params(nonce: bytes) -> Any:
    return js_object({"name": "AES-GCM", "iv": js_bytes(nonce), "tagLength": TAG_BYTES * 8})


def _der_to_pem(der: bytes) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"


def _check_rsa_bits(bits: int) -> None:
    if not MIN_RSA_BITS <= bits <= MAX_RSA_BITS:
        raise KeyFormatError(f"RSA key size {bits} is outside {MIN_RSA_BITS}..{MAX_RSA_BITS}")


class WebCryptoBackend:
    """``CryptoBackend`` over ``crypto.subtle``; private keys are non-extractable ``CryptoKey``s."""

    name = "webcrypto"

    def __init__(self, subtle: Any = None) -> None:
        self._subtle = subtle if subtle is not None else js.crypto.subtle

    # -- keys ---------------------------------------------------------------

    async def generate_private_key(self, bits: int = 4096) -> PrivateKeyHandle:
        _check_rsa_bits(bits)
        algorithm = js_object(
            {
                **_RSA_OAEP_SHA256,
                "modulusLength": bits,
                "publicExponent": js_bytes(_PUBLIC_EXPONENT_65537),
            }
        )
        # extractable=False applies to the private key; a pair's public key is always exportable.
        usages = js_array(["encrypt", "decrypt", "wrapKey", "unwrapKey"])
        pair = await self._subtle.generateKey(algorithm, False, usages)
        der = py_bytes(await self._subtle.exportKey("spki", pair.publicKey))
        public = PublicKeyHandle(_der_to_pem(der), bits, spki_fingerprint(der), pair.publicKey)
        return PrivateKeyHandle(public, pair.privateKey)

    async def load_public_key(self, pem: str) -> PublicKeyHandle:
        der = check_public_key_pem(pem)  # importKey's own checks differ between browsers
        try:
            key = await self._subtle.importKey(
                "spki",
                js_bytes(der),
                js_object(_RSA_OAEP_SHA256),
                True,
                js_array(["encrypt", "wrapKey"]),
            )
        except JsException:
            # DataError for an EC/Ed25519 key or broken DER alike: not an RSA public key.
            raise KeyFormatError("not an RSA public key") from None
        bits = int(key.algorithm.modulusLength)
        _check_rsa_bits(bits)
        return PublicKeyHandle(pem, bits, spki_fingerprint(der), key)

    # -- seal / open ----------------------------------------------------------

    async def seal(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> SealedMessage:
        sealed, _ = await self._seal(plaintext, public_key)
        return sealed

    async def seal_request(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> tuple[SealedMessage, bytearray]:
        sealed, aes_key = await self._seal(plaintext, public_key)
        return sealed, take_bytearray(await self._subtle.exportKey("raw", aes_key))

    async def _seal(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> tuple[SealedMessage, Any]:
        """The sealed message and its AES ``CryptoKey`` (extractable: ``wrapKey`` needs that)."""
        if public_key.native is None:
            raise KeyFormatError("the public key was disposed")
        subtle = self._subtle
        nonce = os.urandom(NONCE_BYTES)
        aes_key = await subtle.generateKey(js_object(_AES_GCM_256), True, js_array(["encrypt"]))
        data = js_bytes(plaintext)
        try:
            # Both operations only read the key: let WebCrypto run them side by side.
            sealed, wrapped = await asyncio.gather(
                subtle.encrypt(_aes_gcm_params(nonce), aes_key, data),
                subtle.wrapKey("raw", aes_key, public_key.native, js_object(_RSA_OAEP_SHA256)),
            )
        finally:
            data.fill(0)  # the JavaScript copy of the plaintext
        sealed_bytes = py_bytes(sealed)
        message = SealedMessage(
            sealed_bytes[:-TAG_BYTES], nonce, sealed_bytes[-TAG_BYTES:], py_bytes(wrapped)
        )
        return message, aes_key

    async def open(self, sealed: SealedMessage, private_key: PrivateKeyHandle) -> bytearray:
        if private_key.native is None or len(sealed.nonce) != NONCE_BYTES:
            raise OpenError()
        if len(sealed.tag) != TAG_BYTES:
            raise OpenError()
        subtle = self._subtle
        try:
            aes_key = await subtle.unwrapKey(
                "raw",
                js_bytes(sealed.encrypted_key),
                private_key.native,
                js_object(_RSA_OAEP_SHA256),
                js_object({"name": "AES-GCM"}),
                False,
                js_array(["decrypt"]),
            )
            # "raw" AES-GCM import also accepts 16- and 24-byte keys: the protocol is AES-256 only.
            if int(aes_key.algorithm.length) != AES_KEY_BYTES * 8:
                raise OpenError()
            plain = await subtle.decrypt(
                _aes_gcm_params(sealed.nonce), aes_key, js_bytes(sealed.ciphertext + sealed.tag)
            )
        except JsException:
            raise OpenError() from None
        return take_bytearray(plain)

    # -- response_mac ---------------------------------------------------------

    async def _response_mac_key(
        self, request_key: bytes | bytearray, payload_id: str, usage: str
    ) -> Any:
        """The HMAC-SHA256 ``CryptoKey`` HKDF derives from ``request_key`` (non-extractable)."""
        if len(request_key) != AES_KEY_BYTES:
            raise OpenError()
        subtle = self._subtle
        ikm = js_bytes(request_key)
        try:
            base = await subtle.importKey("raw", ikm, "HKDF", False, js_array(["deriveKey"]))
        finally:
            ikm.fill(0)  # the JavaScript copy of the request key
        hkdf = js_object(
            {
                "name": "HKDF",
                "hash": "SHA-256",
                "salt": js_bytes(b""),
                "info": js_bytes(response_mac_info(payload_id)),
            }
        )
        return await subtle.deriveKey(hkdf, base, js_object(_HMAC_SHA256), False, js_array([usage]))

    async def response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage
    ) -> bytes:
        try:
            key = await self._response_mac_key(request_key, payload_id, "sign")
            mac = await self._subtle.sign("HMAC", key, js_bytes(response_mac_input(answer)))
        except JsException:
            raise OpenError() from None
        return py_bytes(mac)

    async def verify_response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage, mac: bytes
    ) -> None:
        try:
            key = await self._response_mac_key(request_key, payload_id, "verify")
            valid = await self._subtle.verify(
                "HMAC", key, js_bytes(mac), js_bytes(response_mac_input(answer))
            )
        except JsException:
            raise OpenError() from None
        if not valid:
            raise OpenError()
