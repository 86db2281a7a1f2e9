"""Fixtures for the named attack tests, and the suite-wide secrets scan.

* ``router_key`` — the session router's public key (``PublicKeyHandle``).
* ``client_key`` — a pre-generated RSA-4096 client key pair (``PrivateKeyHandle``).
* ``seal_request(text, key=router_key)`` → ``(sealed envelope bytes, headers)`` for a
  well-formed chat request; tests then break it.
* ``open_answer(body)`` → the decrypted answer dict (with ``client_key``).

Importing this conftest installs the secrets hooks (tests/attacks/secrets.py);
at session end every router log and client log line is scanned and a hit
fails the run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nomyo_web.crypto import PrivateKeyHandle, PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import build_envelope, encode_public_key_header, parse_envelope
from tests.support.keys import shared_private_key

from . import secrets

secrets.install()
_backend = PycaBackend()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    hits = secrets.scan()
    if hits:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "secrets found in logs:\n  " + "\n  ".join(hits)
        if reporter is not None:
            reporter.write_line(text, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def router_key(router_url: str) -> PublicKeyHandle:
    pem = httpx.get(router_url + "/pki/public_key").text
    return _backend.load_public_key_sync(pem)


@pytest.fixture(scope="session")
def client_key() -> PrivateKeyHandle:
    return shared_private_key()


def chat_bytes(text: str) -> bytes:
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()


@pytest.fixture
def seal_request(
    router_key: PublicKeyHandle, client_key: PrivateKeyHandle
) -> Callable[..., tuple[bytes, dict[str, str]]]:
    def seal(text: str, key: PublicKeyHandle | None = None) -> tuple[bytes, dict[str, str]]:
        sealed = _backend.seal_sync(chat_bytes(text), key or router_key)
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Payload-ID": str(uuid.uuid4()),
            "X-Public-Key": encode_public_key_header(client_key.public.pem),
        }
        return build_envelope(sealed), headers

    return seal


@pytest.fixture
def open_answer(client_key: PrivateKeyHandle) -> Callable[[bytes], dict[str, Any]]:
    def open_(body: bytes) -> dict[str, Any]:
        plaintext = _backend.open_sync(parse_envelope(body).sealed, client_key)
        value: dict[str, Any] = json.loads(plaintext)
        return value

    return open_


@pytest.fixture(scope="session")
def key_pool_key() -> PrivateKeyHandle:
    """A second RSA-4096 pair: the attacker's, or another server's."""
    return _backend.generate_private_key_sync(4096)
