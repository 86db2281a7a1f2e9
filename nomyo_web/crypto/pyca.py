"""The crypto seam over ``cryptography`` (CPython, and the router).

Every algorithm choice is explicit at its call site. The ``*_sync`` methods
are for callers that run them in a worker thread (the router); the async
methods are the ``CryptoBackend`` interface.
"""

from __future__ import annotations

import asyncio
import os

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..protocol import (
    AES_KEY_BYTES,
    MAX_RSA_BITS,
    MIN_RSA_BITS,
    NONCE_BYTES,
    RESPONSE_MAC_BYTES,
    TAG_BYTES,
    SealedMessage,
    response_mac_chunks,
    response_mac_info,
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

__all__ = ["PycaBackend"]


# RSA-OAEP with SHA-256 and MGF1-SHA-256: one immutable description, made once (a
# fresh one per seal or open cost four objects and their type checks each time).
_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


def _public_handle(key: rsa.RSAPublicKey) -> PublicKeyHandle:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return PublicKeyHandle(pem.decode("ascii"), key.key_size, spki_fingerprint(der), key)


def _decrypt_payload(aes_key: bytearray, sealed: SealedMessage) -> bytearray:
    """AES-256-GCM open of ``sealed``'s payload; raises OpenError."""
    if len(aes_key) != AES_KEY_BYTES or len(sealed.nonce) != NONCE_BYTES:
        raise OpenError()
    try:
        return bytearray(
            AESGCM(bytes(aes_key)).decrypt(sealed.nonce, sealed.ciphertext + sealed.tag, None)
        )
    except (InvalidTag, ValueError, TypeError, OverflowError):
        raise OpenError() from None


class PycaBackend:
    """``CryptoBackend`` over pyca/cryptography."""

    name = "cryptography"

    # -- keys ---------------------------------------------------------------

    def generate_private_key_sync(self, bits: int = 4096) -> PrivateKeyHandle:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return PrivateKeyHandle(_public_handle(key.public_key()), key)

    def load_public_key_sync(self, pem: str) -> PublicKeyHandle:
        der = check_public_key_pem(pem)  # OpenSSL alone would take e = 1, an even n, ...
        try:
            key = serialization.load_der_public_key(der)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            # UnsupportedAlgorithm: a well-formed key of a kind OpenSSL lacks (an
            # unknown EC curve, say); found by the soak's coverage-guided fuzzing.
            raise KeyFormatError("not a valid public key") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise KeyFormatError("not an RSA public key")
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise KeyFormatError(
                f"RSA key size {key.key_size} is outside {MIN_RSA_BITS}..{MAX_RSA_BITS}"
            )
        return PublicKeyHandle(pem, key.key_size, spki_fingerprint(der), key)

    def load_private_key_pem(self, data: bytes, password: bytes | None = None) -> PrivateKeyHandle:
        """A private key from PEM (PKCS#8 or PKCS#1); raises KeyFormatError or TypeError."""
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except TypeError:
            raise
        except ValueError:
            raise KeyFormatError("not a readable private key (wrong password?)") from None
        except UnsupportedAlgorithm:
            raise KeyFormatError("not an RSA private key") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise KeyFormatError("not an RSA private key")
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise KeyFormatError(
                f"RSA key size {key.key_size} is outside {MIN_RSA_BITS}..{MAX_RSA_BITS}"
            )
        return PrivateKeyHandle(_public_handle(key.public_key()), key)

    def private_key_to_pem(self, key: PrivateKeyHandle, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM of ``key``, encrypted with ``password`` when given."""
        native = key.native
        if not isinstance(native, rsa.RSAPrivateKey):
            raise KeyFormatError("not an RSA private key")
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return native.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    # -- seal / open ----------------------------------------------------------

    def seal_sync(self, plaintext: bytes | bytearray, public_key: PublicKeyHandle) -> SealedMessage:
        sealed, aes_key = self.seal_request_sync(plaintext, public_key)
        wipe(aes_key)
        return sealed

    def seal_request_sync(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> tuple[SealedMessage, bytearray]:
        """``seal_sync``, also returning the AES key; the caller wipes it."""
        native = public_key.native
        if not isinstance(native, rsa.RSAPublicKey):
            raise KeyFormatError("not an RSA public key")
        aes_key = bytearray(os.urandom(AES_KEY_BYTES))
        try:
            nonce = os.urandom(NONCE_BYTES)
            sealed = AESGCM(bytes(aes_key)).encrypt(nonce, bytes(plaintext), None)
            encrypted_key = native.encrypt(bytes(aes_key), _OAEP)
        except BaseException:
            wipe(aes_key)
            raise
        message = SealedMessage(sealed[:-TAG_BYTES], nonce, sealed[-TAG_BYTES:], encrypted_key)
        return message, aes_key

    def open_sync(self, sealed: SealedMessage, private_key: PrivateKeyHandle) -> bytearray:
        plaintext, aes_key = self.open_request_sync(sealed, private_key)
        wipe(aes_key)
        return plaintext

    def open_request_sync(
        self, sealed: SealedMessage, private_key: PrivateKeyHandle
    ) -> tuple[bytearray, bytearray]:
        """``open_sync``, also returning the request's AES key (for its answer's ``response_mac``).

        The caller wipes both buffers.
        """
        native = private_key.native
        if not isinstance(native, rsa.RSAPrivateKey):
            raise OpenError()
        try:
            aes_key = bytearray(native.decrypt(sealed.encrypted_key, _OAEP))
        except (ValueError, TypeError):
            raise OpenError() from None
        try:
            plaintext = _decrypt_payload(aes_key, sealed)
        except BaseException:
            wipe(aes_key)
            raise
        return plaintext, aes_key

    # -- response_mac ---------------------------------------------------------

    def _response_hmac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage
    ) -> hmac.HMAC:
        if len(request_key) != AES_KEY_BYTES:
            raise OpenError()
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=RESPONSE_MAC_BYTES,
            salt=b"",
            info=response_mac_info(payload_id),
        )
        mac = hmac.HMAC(hkdf.derive(request_key), hashes.SHA256())
        for chunk in response_mac_chunks(answer):
            mac.update(chunk)
        return mac

    def response_mac_sync(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage
    ) -> bytes:
        """The ``response_mac`` of ``answer`` to the request sealed with ``request_key``."""
        return self._response_hmac(request_key, payload_id, answer).finalize()

    def verify_response_mac_sync(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage, mac: bytes
    ) -> None:
        """Constant-time check (``HMAC.verify``); raises OpenError."""
        try:
            self._response_hmac(request_key, payload_id, answer).verify(mac)
        except InvalidSignature:
            raise OpenError() from None

    # -- CryptoBackend --------------------------------------------------------

    async def generate_private_key(self, bits: int = 4096) -> PrivateKeyHandle:
        # 0.2-4 s of CPU: off the event loop, so the caller's loop keeps running.
        return await asyncio.to_thread(self.generate_private_key_sync, bits)

    async def load_public_key(self, pem: str) -> PublicKeyHandle:
        return self.load_public_key_sync(pem)

    async def seal(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> SealedMessage:
        return self.seal_sync(plaintext, public_key)

    async def open(self, sealed: SealedMessage, private_key: PrivateKeyHandle) -> bytearray:
        return self.open_sync(sealed, private_key)

    async def seal_request(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> tuple[SealedMessage, bytearray]:
        return self.seal_request_sync(plaintext, public_key)

    async def response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage
    ) -> bytes:
        return self.response_mac_sync(request_key, payload_id, answer)

    async def verify_response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage, mac: bytes
    ) -> None:
        self.verify_response_mac_sync(request_key, payload_id, answer, mac)

    async def open_verified(
        self,
        sealed: SealedMessage,
        private_key: PrivateKeyHandle,
        request_key: bytes | bytearray,
        payload_id: str,
        mac: bytes,
    ) -> bytearray:
        self.verify_response_mac_sync(request_key, payload_id, sealed, mac)
        return self.open_sync(sealed, private_key)
