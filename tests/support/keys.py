"""Pre-generated RSA-4096 keys shared by a whole test session (keygen costs 0.2-4 s), and
odd keys for refusal tests."""

from __future__ import annotations

import atexit
import base64
import functools
import os
import shutil
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend

__all__ = [
    "fresh_key_file",
    "shared_private_key",
    "shared_server_key_file",
    "unknown_curve_pem",
]

_backend = PycaBackend()


@functools.cache
def _key_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="nomyo-test-keys-"))
    atexit.register(shutil.rmtree, path, True)
    return path


@functools.cache
def shared_private_key() -> PrivateKeyHandle:
    """One RSA-4096 private key for the whole process."""
    return _backend.generate_private_key_sync(4096)


def _write_0600(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


@functools.cache
def shared_server_key_file() -> Path:
    """A PKCS#8 PEM file (mode 0600) holding ``shared_private_key()``."""
    path = _key_dir() / "server_key.pem"
    _write_0600(path, _backend.private_key_to_pem(shared_private_key()))
    return path


def fresh_key_file(directory: Path, name: str = "server_key.pem") -> Path:
    """A new RSA-4096 key written (0600) to ``directory/name``; for rotation tests."""
    path = directory / name
    key = _backend.generate_private_key_sync(4096)
    _write_0600(path, _backend.private_key_to_pem(key))
    return path


def private_copy(source: Path, destination: Path) -> Path:
    """``source`` copied to ``destination`` with mode 0600 (a key file a test may replace)."""
    shutil.copyfile(source, destination)
    destination.chmod(0o600)
    return destination


def unknown_curve_pem(private: bool = False) -> str:
    """A well-formed EC key (public SPKI, or private PKCS#8) on a curve OpenSSL lacks.

    It is P-256 with its OID bent. The soak's atheris run found it: cryptography
    raises UnsupportedAlgorithm for it, neither ValueError nor TypeError, and the
    router answered 500.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    if private:
        kind = "PRIVATE KEY"
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    else:
        kind = "PUBLIC KEY"
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    p256 = bytes.fromhex("06082a8648ce3d030107")  # OID 1.2.840.10045.3.1.7
    assert der.count(p256) == 1
    body = base64.b64encode(der.replace(p256, bytes.fromhex("06082a8648ce3d030163"))).decode()
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"
