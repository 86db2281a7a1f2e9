"""Keys for the fuzz properties: an RSA-2048 client key (cheap opens) and a weak 1024 one."""

from __future__ import annotations

import functools

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend


@pytest.fixture(scope="session")
def fuzz_key() -> PrivateKeyHandle:
    return PycaBackend().generate_private_key_sync(2048)


@functools.cache
def weak_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()
