from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend


@pytest.fixture(scope="session")
def pyca() -> PycaBackend:
    return PycaBackend()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=4096)


@pytest.fixture(scope="session")
def key_handle(pyca: PycaBackend) -> PrivateKeyHandle:
    return pyca.generate_private_key_sync(4096)


@pytest.fixture(scope="session")
def small_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)
