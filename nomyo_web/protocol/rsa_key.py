"""RSA public keys as the protocol accepts them: a strict reader and one check. Pure data.

Every crypto backend runs ``check_rsa_spki`` on a key's DER *before* it hands
the key to its library. ``cryptography`` (OpenSSL) and WebCrypto (BoringSSL in
Chromium, OpenSSL in Node.js) accept and refuse degenerate keys differently
(``e = 1`` imports, and "encrypts" by copying the padded AES key into the
envelope), so the rule is written once, here, and is the same everywhere.

The rule is BoringSSL's public-key check plus the protocol's size bounds:

* the SubjectPublicKeyInfo is canonical DER of an ``rsaEncryption`` key
  (parameters NULL), with nothing before, inside or after it left unread;
* the modulus has ``MIN_RSA_BITS`` to ``MAX_RSA_BITS`` bits and is odd;
* the public exponent is odd, at least 3, at most 33 bits long, and below
  the modulus.
"""

from __future__ import annotations

from dataclasses import dataclass

from .envelope import MAX_RSA_BITS, MIN_RSA_BITS

__all__ = [
    "MAX_RSA_EXPONENT_BITS",
    "MIN_RSA_EXPONENT",
    "PublicKeyError",
    "RsaPublicNumbers",
    "check_rsa_spki",
    "read_rsa_spki",
    "rsa_public_key_problem",
]

MIN_RSA_EXPONENT = 3
MAX_RSA_EXPONENT_BITS = 33
"""Longer exponents only cost the other side time; BoringSSL and Windows refuse them too."""

_RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1
_SEQUENCE, _INTEGER, _BIT_STRING, _NULL, _OID = 0x30, 0x02, 0x03, 0x05, 0x06
_MAX_LENGTH_BYTES = 3  # a length needs at most 3 bytes below the 16 KiB PEM bound


class PublicKeyError(ValueError):
    """Not an RSA public key the protocol accepts; ``problem`` says what is wrong.

    The message is the problem itself: public facts about a public key, never key bytes.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class RsaPublicNumbers:
    """An RSA public key's modulus ``n`` and public exponent ``e``."""

    modulus: int
    exponent: int

    @property
    def bits(self) -> int:
        return self.modulus.bit_length()


def rsa_public_key_problem(modulus: int, exponent: int) -> str | None:
    """What makes ``(n, e)`` unacceptable, or None when it passes the check."""
    bits = modulus.bit_length()
    if not MIN_RSA_BITS <= bits <= MAX_RSA_BITS:
        return f"RSA key size {bits} is outside {MIN_RSA_BITS}..{MAX_RSA_BITS}"
    if modulus % 2 == 0:
        return "the RSA modulus is even"
    if exponent < MIN_RSA_EXPONENT:
        return f"the RSA public exponent is below {MIN_RSA_EXPONENT}"
    if exponent % 2 == 0:
        return "the RSA public exponent is even"
    if exponent.bit_length() > MAX_RSA_EXPONENT_BITS:
        return f"the RSA public exponent is longer than {MAX_RSA_EXPONENT_BITS} bits"
    if exponent >= modulus:
        return "the RSA public exponent is not below the modulus"
    return None


def check_rsa_spki(der: bytes) -> RsaPublicNumbers:
    """The numbers of an acceptable RSA SubjectPublicKeyInfo; raises PublicKeyError."""
    numbers = read_rsa_spki(der)
    problem = rsa_public_key_problem(numbers.modulus, numbers.exponent)
    if problem is not None:
        raise PublicKeyError(problem)
    return numbers


def read_rsa_spki(der: bytes) -> RsaPublicNumbers:
    """``(n, e)`` from canonical DER of an rsaEncryption SubjectPublicKeyInfo; PublicKeyError."""
    spki = _Der(_Der(der).take_last(_SEQUENCE, "SubjectPublicKeyInfo"))
    algorithm = _Der(spki.take(_SEQUENCE, "AlgorithmIdentifier"))
    if algorithm.take(_OID, "algorithm") != _RSA_ENCRYPTION_OID:
        raise PublicKeyError("not an RSA public key")
    if algorithm.take_last(_NULL, "RSA parameters") != b"":
        raise PublicKeyError("not DER: the RSA parameters are not NULL")
    bits = spki.take_last(_BIT_STRING, "subjectPublicKey")
    if bits[:1] != b"\x00":
        raise PublicKeyError("not DER: the subjectPublicKey has unused bits")
    key = _Der(_Der(bits[1:]).take_last(_SEQUENCE, "RSAPublicKey"))
    modulus = _integer(key.take(_INTEGER, "modulus"))
    exponent = _integer(key.take_last(_INTEGER, "publicExponent"))
    return RsaPublicNumbers(modulus, exponent)


class _Der:
    """Reads DER elements from ``data`` in order: definite, minimal lengths only."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, tag: int, name: str) -> bytes:
        """The contents of the next element, which must carry ``tag``."""
        data, at = self._data, self._at
        if at + 2 > len(data) or data[at] != tag:
            raise PublicKeyError(f"not DER: {name} is missing")
        length, at = _length(data, at + 1, name)
        if length > len(data) - at:
            raise PublicKeyError(f"not DER: {name} is truncated")
        self._at = at + length
        return data[at : at + length]

    def take_last(self, tag: int, name: str) -> bytes:
        """``take``, and nothing may follow the element."""
        contents = self.take(tag, name)
        if self._at != len(self._data):
            raise PublicKeyError(f"not DER: bytes follow {name}")
        return contents


def _length(data: bytes, at: int, name: str) -> tuple[int, int]:
    """A DER length at ``at``: (length, where the contents start)."""
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > _MAX_LENGTH_BYTES or at + 1 + count > len(data):
        raise PublicKeyError(f"not DER: {name} has an unsupported length")
    length = int.from_bytes(data[at + 1 : at + 1 + count], "big")
    if length < 0x80 or length >> (8 * (count - 1)) == 0:
        raise PublicKeyError(f"not DER: {name} has a non-minimal length")
    return length, at + 1 + count


def _integer(contents: bytes) -> int:
    """A non-negative DER INTEGER, minimally encoded."""
    if not contents:
        raise PublicKeyError("not DER: an empty INTEGER")
    if contents[0] & 0x80:
        raise PublicKeyError("a negative RSA number")
    if len(contents) > 1 and contents[0] == 0 and not contents[1] & 0x80:
        raise PublicKeyError("not DER: an INTEGER with a needless leading zero")
    return int.from_bytes(contents, "big")
