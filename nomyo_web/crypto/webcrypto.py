"""The crypto seam over WebCrypto (``crypto.subtle``), for Pyodide in a page, a worker or Node.js.

The client's RSA private key is a ``CryptoKey`` generated non-extractable:
no script in the page, this package included, can export it. Its public half
is exported once (SPKI) for the PEM sent as ``X-Public-Key``.

A message's AES-256-GCM key is 32 bytes from ``crypto.getRandomValues``,
imported into WebCrypto as a non-extractable ``CryptoKey`` and wrapped for
the recipient with RSA-OAEP (``encrypt`` of the raw bytes: the same bytes
``wrapKey("raw")`` would produce). A request's key bytes are kept, as a
``bytearray`` the client wipes once the answer is checked (the JavaScript copy
is zeroed at once): they are the secret the answer's ``response_mac`` is bound
to. On open, an answer's key is unwrapped straight into a non-extractable
``CryptoKey`` and never leaves WebCrypto. WebCrypto's AES-GCM output is
``ciphertext || tag``; the tag is split off because the envelope keeps them apart.

``response_mac``: the request key is imported as a non-extractable HKDF key
(when the request is sealed, alongside its AES key) and the HMAC key is
*derived* into WebCrypto (``deriveKey``, which computes what ``deriveBits``
followed by an HMAC ``importKey`` would, but never puts the derived bytes in a
buffer); ``verify`` compares in constant time.

Every JavaScript promise Pyodide sees, and every await of one, costs its event
loop a turn or two; so the calls of one operation are started and chained in
JavaScript (``_jspromise``) and awaited once: sealing a request, checking a
``response_mac`` and opening an answer are one await each.

Every algorithm parameter is spelled out at its call site.
"""

from __future__ import annotations

import base64
import inspect
import os
import textwrap
from typing import Any

from .._js import (
    JsException,
    js,
    js_array,
    js_bytes,
    js_object,
    py_bytes,
    take_bytearray,
)
from .._jspromise import after, gather, start, then
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
    wipe,
)
from . import (
    KeyFormatError,
    OpenError,
    PrivateKeyHandle,
    PublicKeyHandle,
    check_public_key_pem,
    spki_fingerprint,
)
from .key_pair_check import PUBLIC_EXPONENT_65537, check_key_pair

__all__ = ["WebCryptoBackend"]

_RSA_OAEP_SHA256 = {"name": "RSA-OAEP", "hash": "SHA-256"}
# Without "length" an HMAC key derived by deriveKey is one hash *block* (512 bits) long.
_HMAC_SHA256 = {"name": "HMAC", "hash": "SHA-256", "length": RESPONSE_MAC_BYTES * 8}


class _RequestKey(bytearray):
    """A message's AES key bytes; for a request, also its key imported for HKDF (``hkdf``).

    A ``bytearray`` the client wipes; ``hkdf`` is a non-extractable ``CryptoKey``.
    """

    __slots__ = ("hkdf",)

    def __init__(self, random: Any) -> None:
        """Take the bytes of the ``Uint8Array`` ``random``, and zero it."""
        super().__init__(AES_KEY_BYTES)
        random.assign_to(self)
        random.fill(0)
        self.hkdf: Any = None


_AES_GCM = {"name": "AES-GCM"}
# Picks ``[refuse, unwrapKey][verified]``: ``Array.prototype.at`` reads ``true`` as 1, anything
# else that ``verify`` could give as 0.
_AT = js.Array.prototype.at
# Called in place of ``unwrapKey`` when the MAC does not verify: a rejected promise.
_REFUSE = js.Promise.reject.bind(js.Promise, js.Error.new("response_mac does not verify"))
_APPLY = js.Reflect.apply
_new_uint8 = js.Uint8Array.new
_random_bytes = js.crypto.getRandomValues.bind(js.crypto)
# Parameters of calls made through ``_jspromise``, which converts them with the call.
_RSA_OAEP = {"name": "RSA-OAEP"}


def _aes_gcm_params(nonce: bytes) -> dict[str, Any]:
    return {"name": "AES-GCM", "iv": nonce, "tagLength": TAG_BYTES * 8}


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
        self._subtle = subtle = subtle if subtle is not None else js.crypto.subtle
        # Looked up once: each lookup of a JavaScript attribute is a bridge crossing.
        self._import_key = subtle.importKey
        self._encrypt = subtle.encrypt
        self._decrypt = subtle.decrypt
        self._derive_key = subtle.deriveKey
        self._unwrap_key = subtle.unwrapKey
        # verified => unwrapKey if verified is true, else _REFUSE (open_verified).
        self._unwrap_if = _AT.bind(js_array([_REFUSE, self._unwrap_key]))

    # -- keys ---------------------------------------------------------------

    async def generate_private_key(self, bits: int = 4096) -> PrivateKeyHandle:
        _check_rsa_bits(bits)
        algorithm = js_object(
            {
                **_RSA_OAEP_SHA256,
                "modulusLength": bits,
                "publicExponent": js_bytes(PUBLIC_EXPONENT_65537),
            }
        )
        # extractable=False applies to the private key; a pair's public key is always exportable.
        usages = js_array(["encrypt", "decrypt", "wrapKey", "unwrapKey"])
        pair = await self._subtle.generateKey(algorithm, False, usages)
        return await self._private_handle(pair.privateKey, pair.publicKey, bits)

    async def adopt_key_pair(self, key_pair: object, bits: int = 4096) -> PrivateKeyHandle:
        """A ``CryptoKeyPair`` the page generated (or a promise of one), once checked.

        For a page that starts generating the client's first pair while Pyodide
        loads (``key_pair=`` of the clients). It must be what
        ``generate_private_key(bits)`` makes: see ``key_pair_check``.

        Raises:
            KeyFormatError: the pair (or what the promise gave) is refused, and why.
        """
        _check_rsa_bits(bits)
        if inspect.isawaitable(key_pair):
            try:
                key_pair = await key_pair
            except JsException:
                raise KeyFormatError("key_pair's generation failed") from None
        private, public = check_key_pair(key_pair, bits)
        return await self._private_handle(private, public, bits)

    async def _private_handle(self, private: Any, public: Any, bits: int) -> PrivateKeyHandle:
        """The handle of a checked pair: the public half's SPKI is exported once, for its PEM."""
        der = py_bytes(await self._subtle.exportKey("spki", public))
        handle = PublicKeyHandle(_der_to_pem(der), bits, spki_fingerprint(der), public)
        return PrivateKeyHandle(handle, private)

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
        sealed, key = await self._seal(plaintext, public_key, for_request=False)
        wipe(key)
        return sealed

    async def seal_request(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> tuple[SealedMessage, bytearray]:
        return await self._seal(plaintext, public_key, for_request=True)

    async def _seal(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle, *, for_request: bool
    ) -> tuple[SealedMessage, _RequestKey]:
        """The sealed message and its AES key's bytes (with, for a request, its HKDF key).

        The AES key's import, its RSA-OAEP wrapping and (for a request) its HKDF
        import start at once; the encryption follows the import in JavaScript, and
        Python awaits them all once.
        """
        if public_key.native is None:
            raise KeyFormatError("the public key was disposed")
        subtle = self._subtle
        nonce = os.urandom(NONCE_BYTES)
        raw = _random_bytes(_new_uint8(AES_KEY_BYTES))
        data = js_bytes(plaintext)
        try:
            # Each call copies ``raw`` when it is made; ``data`` is read when the key is ready.
            aes_key = start(self._import_key, subtle, "raw", raw, _AES_GCM, False, ["encrypt"])
            steps = [
                after(self._encrypt, subtle, _aes_gcm_params(nonce), aes_key, data),
                start(self._encrypt, subtle, _RSA_OAEP, public_key.native, raw),
            ]
            if for_request:
                steps.append(
                    start(self._import_key, subtle, "raw", raw, "HKDF", False, ["deriveKey"])
                )
            done = await gather(*steps)
        except BaseException:
            raw.fill(0)
            raise
        finally:
            data.fill(0)  # the JavaScript copy of the plaintext
        key = _RequestKey(raw)  # and the JavaScript copy is zeroed
        if for_request:
            key.hkdf = done[2]
        sealed = py_bytes(done[0])
        message = SealedMessage(sealed[:-TAG_BYTES], nonce, sealed[-TAG_BYTES:], py_bytes(done[1]))
        return message, key

    async def open(self, sealed: SealedMessage, private_key: PrivateKeyHandle) -> bytearray:
        """Unwrap the AES key (into WebCrypto only) and decrypt: one chain, one await."""
        _check_openable(sealed, private_key)
        subtle = self._subtle
        try:
            aes_key = start(self._unwrap_key, subtle, *_unwrap_args(sealed, private_key.native))
        except JsException:
            raise OpenError() from None
        return await self._decrypted(sealed, aes_key)

    async def open_verified(
        self,
        sealed: SealedMessage,
        private_key: PrivateKeyHandle,
        request_key: bytes | bytearray,
        payload_id: str,
        mac: bytes,
    ) -> bytearray:
        """Verify ``mac``, then unwrap and decrypt: one chain, one await.

        The unwrapping function is picked by the verification's result, in
        JavaScript: ``unwrapKey`` (so the private key) only for ``true``, and for
        anything else a function that rejects, so nothing after it runs.
        """
        _check_openable(sealed, private_key)
        subtle = self._subtle
        try:
            verified = self._mac_chain(request_key, payload_id, "verify", mac, sealed)
            unwrap = then(verified, self._unwrap_if)
            args = _unwrap_args(sealed, private_key.native)
            aes_key = after(_APPLY, None, unwrap, subtle, args)
        except JsException:
            raise OpenError() from None
        return await self._decrypted(sealed, aes_key)

    async def _decrypted(self, sealed: SealedMessage, aes_key: Any) -> bytearray:
        """The plaintext, once ``aes_key`` (a promise) is unwrapped and ``sealed`` decrypted.

        The key's size is checked when both are done: a key that is not AES-256
        (a "raw" import also takes 16 and 24 bytes) fails the open, and what it
        decrypted is zeroed unread.
        """
        subtle = self._subtle
        try:
            ciphertext = sealed.ciphertext + sealed.tag
            plain = after(self._decrypt, subtle, _aes_gcm_params(sealed.nonce), aes_key, ciphertext)
            key, opened = await gather(aes_key, plain)
        except JsException:
            raise OpenError() from None
        if int(key.algorithm.length) != AES_KEY_BYTES * 8:
            _new_uint8(opened).fill(0)
            raise OpenError()
        return take_bytearray(opened)

    # -- response_mac ---------------------------------------------------------

    def _mac_chain(
        self,
        request_key: bytes | bytearray,
        payload_id: str,
        operation: str,
        mac: bytes | None,
        answer: SealedMessage,
    ) -> Any:
        """The promise of HMAC ``operation`` (``sign``, or ``verify`` of ``mac``) over
        ``answer``, with the key HKDF derives from ``request_key`` (non-extractable)."""
        if len(request_key) != AES_KEY_BYTES:
            raise OpenError()
        subtle = self._subtle
        hkdf = {
            "name": "HKDF",
            "hash": "SHA-256",
            "salt": b"",
            "info": response_mac_info(payload_id),
        }
        usage = (_HMAC_SHA256, False, [operation])
        base = getattr(request_key, "hkdf", None)  # imported when the request was sealed
        if base is None:
            key = after(self._derive_key, subtle, hkdf, self._hkdf_key(request_key), *usage)
        else:
            key = start(self._derive_key, subtle, hkdf, base, *usage)
        data = response_mac_input(answer)
        args = ["HMAC", key, data] if mac is None else ["HMAC", key, mac, data]
        return after(getattr(subtle, operation), subtle, *args)

    def _hkdf_key(self, request_key: bytes | bytearray) -> Any:
        """The promise of ``request_key`` imported as a non-extractable HKDF key.

        ``importKey`` copies the bytes when it is called, so the JavaScript copy
        made here is zeroed at once.
        """
        ikm = js_bytes(request_key)
        try:
            subtle = self._subtle
            return start(self._import_key, subtle, "raw", ikm, "HKDF", False, ["deriveKey"])
        finally:
            ikm.fill(0)

    async def response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage
    ) -> bytes:
        try:
            return py_bytes(await self._mac_chain(request_key, payload_id, "sign", None, answer))
        except JsException:
            raise OpenError() from None

    async def verify_response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage, mac: bytes
    ) -> None:
        try:
            verified = await self._mac_chain(request_key, payload_id, "verify", mac, answer)
        except JsException:
            raise OpenError() from None
        if not verified:
            raise OpenError()


def _check_openable(sealed: SealedMessage, private_key: PrivateKeyHandle) -> None:
    """OpenError unless the key is still held and the nonce and tag have their sizes."""
    if private_key.native is None or len(sealed.nonce) != NONCE_BYTES:
        raise OpenError()
    if len(sealed.tag) != TAG_BYTES:
        raise OpenError()


def _unwrap_args(sealed: SealedMessage, private_key: Any) -> list[Any]:
    """``unwrapKey``'s arguments: the answer's AES key, straight into a non-extractable key."""
    key = sealed.encrypted_key
    return ["raw", key, private_key, _RSA_OAEP_SHA256, _AES_GCM, False, ["decrypt"]]
