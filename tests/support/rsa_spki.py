"""Hand-made RSA public keys: a tiny DER encoder for SubjectPublicKeyInfo, and degenerate keys.

Libraries refuse to *build* most degenerate keys (``RSAPublicNumbers`` checks
``e``), so refusal tests encode them by hand: the real server's modulus with a
bad exponent, or a bent modulus with the usual one. Nothing here weakens a
check; ``rsa_spki_der(n, 65537)`` of a real key is byte-identical to what
``cryptography`` exports (tests/unit/test_rsa_key.py proves it).
"""

from __future__ import annotations

import base64
import functools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from .keys import shared_private_key

__all__ = [
    "DEGENERATE_KEYS",
    "DegenerateKey",
    "der_element",
    "der_integer",
    "rsa_spki_der",
    "rsa_spki_pem",
    "server_modulus",
]

RSA_ENCRYPTION = bytes.fromhex("06092a864886f70d010101")  # OID 1.2.840.113549.1.1.1, encoded
DER_NULL = b"\x05\x00"


def der_element(tag: int, contents: bytes) -> bytes:
    """One DER element: tag, minimal definite length, contents."""
    size = len(contents)
    if size < 0x80:
        length = bytes([size])
    else:
        octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + contents


def der_integer(value: int) -> bytes:
    """A non-negative DER INTEGER (a leading zero only where the top bit is set)."""
    return der_element(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def rsa_spki_der(modulus: int, exponent: int) -> bytes:
    """The SubjectPublicKeyInfo DER of an rsaEncryption key ``(n, e)``, whatever n and e are."""
    key = der_element(0x30, der_integer(modulus) + der_integer(exponent))
    algorithm = der_element(0x30, RSA_ENCRYPTION + DER_NULL)
    return der_element(0x30, algorithm + der_element(0x03, b"\x00" + key))


def rsa_spki_pem(modulus: int, exponent: int) -> str:
    """``rsa_spki_der`` as a ``PUBLIC KEY`` PEM, laid out as cryptography writes it."""
    body = "\n".join(textwrap.wrap(base64.b64encode(rsa_spki_der(modulus, exponent)).decode(), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"


@functools.cache
def server_modulus() -> int:
    """The modulus of the shared server key (the one test routers use)."""
    modulus: int = shared_private_key().public.native.public_numbers().n
    return modulus


@dataclass(frozen=True)
class DegenerateKey:
    """A key that the protocol's check refuses, and the problem it names."""

    numbers: Callable[[int], tuple[int, int]]  # real modulus -> (n, e)
    problem: str

    def pem(self, modulus: int | None = None) -> str:
        return rsa_spki_pem(*self.numbers(modulus or server_modulus()))


_LOW = "the RSA public exponent is below 3"
_LONG = "the RSA public exponent is longer than 33 bits"

DEGENERATE_KEYS: dict[str, DegenerateKey] = {
    "e = 0": DegenerateKey(lambda n: (n, 0), _LOW),
    "e = 1": DegenerateKey(lambda n: (n, 1), _LOW),
    "e = 2": DegenerateKey(lambda n: (n, 2), _LOW),
    "even e": DegenerateKey(lambda n: (n, 65538), "the RSA public exponent is even"),
    "even n": DegenerateKey(lambda n: (n - 1, 65537), "the RSA modulus is even"),
    "e >= n": DegenerateKey(lambda n: (n, n), _LONG),
    "65-bit e": DegenerateKey(lambda n: (n, 2**64 + 1), _LONG),
}
"""Each refused key; the control is ``rsa_spki_pem(server_modulus(), 65537)``, the real key."""
