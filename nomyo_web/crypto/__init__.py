"""The only code that does cryptography: one small interface, two backends.

* ``pyca.PycaBackend`` over ``cryptography`` (CPython; also the router's).
* ``webcrypto.WebCryptoBackend`` over ``js.crypto.subtle`` (Pyodide), whose
  private keys are non-extractable ``CryptoKey`` objects.

Both seal and open exactly the protocol's hybrid scheme: a fresh AES-256-GCM
key and 12-byte nonce per message, no associated data, the 16-byte tag kept
apart from the ciphertext, and the AES key wrapped with RSA-OAEP (SHA-256,
MGF1-SHA-256, no label). Failures to open are one opaque ``OpenError``.

Both also compute and verify the response-authentication extension's
``response_mac`` (HKDF-SHA256 from the request's AES key, then HMAC-SHA256
over the answer; the byte layout is in ``protocol.response_mac``). So the
client seals a request *keeping* its AES key (``seal_request``), and a failed
MAC check is the same opaque ``OpenError`` as a failed tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..protocol import MAX_PUBLIC_KEY_BYTES, PublicKeyError, SealedMessage, check_rsa_spki

__all__ = [
    "CryptoBackend",
    "CryptoError",
    "KeyFormatError",
    "OpenError",
    "PrivateKeyHandle",
    "PublicKeyHandle",
    "check_public_key_pem",
    "pem_to_der",
    "spki_fingerprint",
]

OPEN_FAILED = "decryption failed"


class CryptoError(Exception):
    """Base of the crypto seam's errors (internal; callers translate them)."""


class KeyFormatError(CryptoError):
    """Not an RSA public key in PEM SubjectPublicKeyInfo form, or of a refused size."""


class OpenError(CryptoError):
    """A message could not be opened. One fixed message, whatever failed."""

    def __init__(self) -> None:
        super().__init__(OPEN_FAILED)


@dataclass(slots=True, eq=False)
class PublicKeyHandle:
    """An RSA public key: its PEM, size, SPKI SHA-256 fingerprint, and the backend's object."""

    pem: str
    bits: int
    fingerprint: str
    native: Any = field(repr=False)


@dataclass(slots=True, eq=False)
class PrivateKeyHandle:
    """An RSA private key (held by the backend, never exported) and its public half."""

    public: PublicKeyHandle
    native: Any = field(repr=False)

    def forget(self) -> None:
        """Drop the reference to the backend's key object."""
        self.native = None
        self.public.native = None


class CryptoBackend(Protocol):
    """What the client and the router need from a crypto library."""

    name: str

    async def generate_private_key(self, bits: int = 4096) -> PrivateKeyHandle:
        """A fresh RSA key pair (public exponent 65537)."""
        ...

    async def load_public_key(self, pem: str) -> PublicKeyHandle:
        """Import and check an RSA public key (MIN..MAX_RSA_BITS); raises KeyFormatError."""
        ...

    async def seal(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> SealedMessage:
        """Seal ``plaintext`` for the holder of ``public_key``."""
        ...

    async def open(self, sealed: SealedMessage, private_key: PrivateKeyHandle) -> bytearray:
        """Open ``sealed`` with ``private_key``; raises OpenError. The result may be zeroed."""
        ...

    async def seal_request(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> tuple[SealedMessage, bytearray]:
        """``seal``, also returning its AES key; the caller wipes it once the answer is checked."""
        ...

    async def response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage
    ) -> bytes:
        """The ``response_mac`` of ``answer`` to the request sealed with ``request_key``."""
        ...

    async def verify_response_mac(
        self, request_key: bytes | bytearray, payload_id: str, answer: SealedMessage, mac: bytes
    ) -> None:
        """Check ``mac`` in constant time; raises OpenError (nothing says what differed)."""
        ...

    async def open_verified(
        self,
        sealed: SealedMessage,
        private_key: PrivateKeyHandle,
        request_key: bytes | bytearray,
        payload_id: str,
        mac: bytes,
    ) -> bytearray:
        """``verify_response_mac``, and only once ``mac`` holds, ``open``: one operation.

        ``private_key`` is not used unless the MAC verifies. Raises OpenError for
        either failure (nothing says which). A backend whose every call costs a
        bridge crossing (WebCrypto) chains the two and is awaited once.
        """
        ...


_PEM_RE = re.compile(
    r"-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----"
)


def pem_to_der(pem: str) -> bytes:
    """The DER inside one ``PUBLIC KEY`` PEM block; raises KeyFormatError."""
    if not isinstance(pem, str) or len(pem) > MAX_PUBLIC_KEY_BYTES:
        raise KeyFormatError("not a PEM public key")
    match = _PEM_RE.fullmatch(pem.strip())
    if match is None:
        raise KeyFormatError("not a PEM public key")
    try:
        return base64.b64decode("".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError("not a PEM public key") from None


def check_public_key_pem(pem: str) -> bytes:
    """The DER of ``pem`` once it passes the protocol's RSA public-key check; KeyFormatError.

    Both backends call this before their library sees the key, so they refuse the same keys.
    """
    der = pem_to_der(pem)
    try:
        check_rsa_spki(der)
    except PublicKeyError as exc:
        raise KeyFormatError(exc.problem) from None
    return der


def spki_fingerprint(der: bytes) -> str:
    """SHA-256 hex of a SubjectPublicKeyInfo DER: the value ``server_key_fingerprint`` pins."""
    return hashlib.sha256(der).hexdigest()
