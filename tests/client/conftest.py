"""Fixtures for the client suite: a real MITM proxy in front of the real router.

``make_client(**options)`` builds a SecureChatCompletion pointed at the proxy
(plain HTTP on loopback, so ``allow_http=True``; its one warning is absorbed)
whose crypto backend is the real ``PycaBackend`` drawing its RSA-4096 pairs
from a session pool, so a test does not wait seconds on key generation.
``make_sync_client(**options)`` does the same for SyncSecureChatCompletion and
closes what it made after the test.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from nomyo_web import SecureChatCompletion, SyncSecureChatCompletion
from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend

from .mitm import Mitm

POOL_SIZE = 3


class PooledKeys(PycaBackend):
    """The real backend; key generation hands out pre-generated real pairs in turn."""

    def __init__(self, pool: list[PrivateKeyHandle]) -> None:
        self._pool = itertools.cycle(pool)
        self.generated = 0

    async def generate_private_key(self, bits: int = 4096) -> PrivateKeyHandle:
        self.generated += 1
        key = next(self._pool)
        # A fresh handle each time: dispose() forgets handles, the pool keeps its own.
        return PrivateKeyHandle(
            type(key.public)(
                key.public.pem, key.public.bits, key.public.fingerprint, key.public.native
            ),
            key.native,
        )


@pytest.fixture(scope="session")
def key_pool() -> list[PrivateKeyHandle]:
    backend = PycaBackend()
    return [backend.generate_private_key_sync(4096) for _ in range(POOL_SIZE)]


@pytest.fixture(scope="session")
def mitm_server(router_url: str) -> Iterator[Mitm]:
    proxy = Mitm(router_url)
    yield proxy
    proxy.close()


@pytest.fixture
def mitm(mitm_server: Mitm) -> Iterator[Mitm]:
    mitm_server.reset()
    yield mitm_server
    mitm_server.reset()


def _maker(kind: type[Any], made: list[Any], mitm: Mitm, pool: list[PrivateKeyHandle]) -> Any:
    def make(**options: Any) -> Any:
        options.setdefault("base_url", mitm.url)
        options.setdefault("allow_http", True)
        options.setdefault("crypto", PooledKeys(pool))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            client = kind(**options)
        made.append(client)
        return client

    return make


@pytest.fixture
async def make_client(
    mitm: Mitm, key_pool: list[PrivateKeyHandle]
) -> AsyncIterator[Callable[..., SecureChatCompletion]]:
    made: list[SecureChatCompletion] = []
    yield _maker(SecureChatCompletion, made, mitm, key_pool)
    for client in made:
        await client.aclose()


@pytest.fixture
def make_sync_client(
    mitm: Mitm, key_pool: list[PrivateKeyHandle]
) -> Iterator[Callable[..., SyncSecureChatCompletion]]:
    made: list[SyncSecureChatCompletion] = []
    yield _maker(SyncSecureChatCompletion, made, mitm, key_pool)
    for client in made:
        client.close()
