"""The checks on a WebCrypto ``CryptoKeyPair`` the page made itself (``key_pair=``).

A page can start generating the client's first key pair in JavaScript while
Pyodide is still loading, and hand the pair (or the promise of it) to the
client. The pair must be exactly what ``WebCryptoBackend.generate_private_key``
makes: RSA-OAEP with SHA-256, the client's modulus size, public exponent
65537, and a **non-extractable** private key allowed to ``unwrapKey`` (how
answers are opened). Anything else is refused with ``KeyFormatError`` naming
what is wrong (never a key's value). The page makes such a pair with::

    crypto.subtle.generateKey(
      { name: "RSA-OAEP", modulusLength: 4096,
        publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      false, ["encrypt", "decrypt", "wrapKey", "unwrapKey"])

Pure attribute reads of JavaScript objects; imported only under Pyodide.
"""

from __future__ import annotations

from typing import Any

from . import KeyFormatError

__all__ = ["PUBLIC_EXPONENT_65537", "check_key_pair"]

# The exponent the client's pairs are generated with (WebCryptoBackend) and checked for here.
PUBLIC_EXPONENT_65537 = b"\x01\x00\x01"


def check_key_pair(pair: Any, bits: int) -> tuple[Any, Any]:
    """``(privateKey, publicKey)`` of ``pair`` once both pass; ``KeyFormatError`` otherwise."""
    try:
        private, public = pair.privateKey, pair.publicKey
        _check_key(private, "private", bits)
        _check_key(public, "public", bits)
        extractable = bool(private.extractable)
        usages = {str(usage) for usage in private.usages}
    except AttributeError:
        raise KeyFormatError("key_pair is not a WebCrypto CryptoKeyPair") from None
    if extractable:
        raise KeyFormatError("key_pair's private key is extractable; generate it with false")
    if "unwrapKey" not in usages:
        raise KeyFormatError("key_pair's private key may not unwrapKey, which opens answers")
    return private, public


def _check_key(key: Any, kind: str, bits: int) -> None:
    if key is None or str(key.type) != kind:
        raise KeyFormatError(f"key_pair's {kind}Key is not a {kind} CryptoKey")
    algorithm = key.algorithm
    if str(algorithm.name) != "RSA-OAEP" or str(algorithm.hash.name) != "SHA-256":
        raise KeyFormatError(f"key_pair's {kind}Key is not an RSA-OAEP SHA-256 key")
    if int(algorithm.modulusLength) != bits:
        raise KeyFormatError(f"key_pair's {kind}Key is not {bits} bits")
    if bytes(algorithm.publicExponent.to_bytes()).lstrip(b"\0") != PUBLIC_EXPONENT_65537:
        raise KeyFormatError(f"key_pair's {kind}Key's public exponent is not 65537")
