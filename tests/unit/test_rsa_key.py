"""The protocol's RSA public-key check: the strict SPKI reader and the (n, e) rule, pure."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from nomyo_web.crypto import KeyFormatError, check_public_key_pem
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    PublicKeyError,
    check_rsa_spki,
    read_rsa_spki,
    rsa_public_key_problem,
)
from tests.support.keys import shared_private_key
from tests.support.rsa_spki import (
    DEGENERATE_KEYS,
    RSA_ENCRYPTION,
    der_element,
    der_integer,
    rsa_spki_der,
    server_modulus,
)


def _real_der() -> bytes:
    return shared_private_key().public.native.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_the_hand_encoder_writes_what_cryptography_writes() -> None:
    assert rsa_spki_der(server_modulus(), 65537) == _real_der()


def test_a_real_key_reads_back_its_numbers() -> None:
    numbers = check_rsa_spki(_real_der())
    assert (numbers.modulus, numbers.exponent, numbers.bits) == (server_modulus(), 65537, 4096)


@pytest.mark.parametrize("case", list(DEGENERATE_KEYS))
def test_each_degenerate_key_is_refused_with_its_problem(case: str) -> None:
    key = DEGENERATE_KEYS[case]
    n, e = key.numbers(server_modulus())
    assert rsa_public_key_problem(n, e) == key.problem
    with pytest.raises(PublicKeyError) as caught:
        check_rsa_spki(rsa_spki_der(n, e))
    assert caught.value.problem == key.problem == str(caught.value)


@pytest.mark.parametrize("case", list(DEGENERATE_KEYS))
def test_both_backends_share_the_check_before_import(case: str) -> None:
    pem = DEGENERATE_KEYS[case].pem()
    with pytest.raises(KeyFormatError, match=DEGENERATE_KEYS[case].problem):
        check_public_key_pem(pem)
    with pytest.raises(KeyFormatError, match=DEGENERATE_KEYS[case].problem):
        PycaBackend().load_public_key_sync(pem)


@pytest.mark.parametrize(
    ("n", "e", "problem"),
    [
        ((1 << 2047) + 1, 3, None),  # the smallest size, the smallest exponent
        ((1 << 8191) + 1, (1 << 32) + 1, None),  # the largest size, a 33-bit exponent
        ((1 << 2046) + 1, 65537, "RSA key size 2047 is outside 2048..8192"),
        ((1 << 8192) + 1, 65537, "RSA key size 8193 is outside 2048..8192"),
        ((1 << 2047) + 1, (1 << 33) + 1, "the RSA public exponent is longer than 33 bits"),
        ((1 << 2047) + 1, -3, "the RSA public exponent is below 3"),
    ],
)
def test_the_bounds(n: int, e: int, problem: str | None) -> None:
    assert rsa_public_key_problem(n, e) == problem


def _spki(
    algorithm: bytes = RSA_ENCRYPTION + b"\x05\x00",
    bits_prefix: bytes = b"\x00",
    key: bytes | None = None,
    after: bytes = b"",
) -> bytes:
    if key is None:
        key = der_element(0x30, der_integer(server_modulus()) + der_integer(65537))
    return der_element(
        0x30, der_element(0x30, algorithm) + der_element(0x03, bits_prefix + key) + after
    )


def _long_form(der: bytes) -> bytes:
    # The outer SEQUENCE's length re-encoded with one needless extra length byte.
    head_size = 2 + (der[1] & 0x7F)
    length = int.from_bytes(der[2:head_size], "big")
    return b"\x30\x84" + length.to_bytes(4, "big") + der[head_size:]


NOT_DER = {
    "trailing bytes": _real_der() + b"\x00",
    "bytes inside the SPKI": _spki(after=b"\x05\x00"),
    "parameters absent": _spki(algorithm=RSA_ENCRYPTION),
    "parameters not NULL": _spki(algorithm=RSA_ENCRYPTION + b"\x04\x00"),
    "RSA-PSS OID": _spki(algorithm=bytes.fromhex("06092a864886f70d01010a") + b"\x05\x00"),
    "unused bits": _spki(bits_prefix=b"\x01"),
    "negative modulus": _spki(key=der_element(0x30, b"\x02\x01\x80" + der_integer(65537))),
    "needless leading zero": _spki(
        key=der_element(0x30, der_integer(server_modulus()) + b"\x02\x04\x00\x01\x00\x01")
    ),
    "empty integer": _spki(key=der_element(0x30, der_integer(server_modulus()) + b"\x02\x00")),
    "three integers": _spki(
        key=der_element(0x30, der_integer(server_modulus()) + der_integer(3) + der_integer(3))
    ),
    "non-minimal length": _long_form(_real_der()),
    "indefinite length": b"\x30\x80" + _real_der()[4:] + b"\x00\x00",
    "truncated": _real_der()[:-1],
    "empty": b"",
}


@pytest.mark.parametrize("case", list(NOT_DER))
def test_anything_but_canonical_rsa_spki_der_is_refused(case: str) -> None:
    with pytest.raises(PublicKeyError):
        read_rsa_spki(NOT_DER[case])
