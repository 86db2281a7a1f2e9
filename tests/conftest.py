"""Shared fixtures for the CPython suite.

Session-wide (created once, shared by every test that asks):

* ``server_key_file`` — ``Path`` of a pre-generated RSA-4096 PKCS#8 PEM, mode 0600.
  ``start_router`` uses the same file by default, so routers start fast.
* ``stub_upstream_server`` — the ``tests.support.stub_upstream.StubUpstream`` that
  ``router_url`` fronts (a real HTTP server on 127.0.0.1; ``.url``).
* ``router_url`` — base URL (``http://127.0.0.1:PORT``) of one router process in front
  of that stub, with no API keys, no tiers, no rate limit, no CORS.
* ``router_process`` — the ``RouterProcess`` behind ``router_url`` (``.logs()``, ``.url``).
* ``rude_server`` — a ``tests.support.rude_server.RudeServer``: a real server on 127.0.0.1
  that drips or floods its answers on cue (CORS for any origin).
* ``redis_server`` — one private ``redis-server`` (Debian's package, non-persistent,
  on a free loopback port; ``.url``). Tests that need it empty flush it; a test
  that stops Redis starts its own ``tests.support.redis_server.RedisServer``.

Per test:

* ``stub_upstream`` — the same stub, reset (empty script queue, counters at 0).
  Script it with ``stub_upstream.push(status=..., body=..., delay=..., retry_after=...,
  garbage=..., hang=..., times=N)``; read ``stub_upstream.calls`` / ``.requests``.

* ``rude`` — that server, reset, serving the shared server key at ``/pki/public_key``;
  script other answers with ``rude.answer(method, path, Rude(...))``.

For a router with other flags use ``tests.support.router.start_router(*flags)`` as a
context manager; for a private stub use ``StubUpstream()`` as one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nomyo_web.protocol import PATH_PUBLIC_KEY
from tests.support.keys import shared_private_key, shared_server_key_file
from tests.support.redis_server import RedisServer
from tests.support.router import RouterProcess, start_router
from tests.support.rude_server import Rude, RudeServer
from tests.support.stub_upstream import StubUpstream


@pytest.fixture(scope="session")
def server_key_file() -> Path:
    return shared_server_key_file()


@pytest.fixture(scope="session")
def stub_upstream_server() -> Iterator[StubUpstream]:
    with StubUpstream() as stub:
        yield stub


@pytest.fixture
def stub_upstream(stub_upstream_server: StubUpstream) -> Iterator[StubUpstream]:
    stub_upstream_server.reset()
    yield stub_upstream_server
    stub_upstream_server.reset()


@pytest.fixture(scope="session")
def router_process(
    stub_upstream_server: StubUpstream, server_key_file: Path
) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream", stub_upstream_server.url, "--key-file", str(server_key_file)
    ) as process:
        yield process


@pytest.fixture(scope="session")
def router_url(router_process: RouterProcess) -> str:
    return router_process.url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def rude_server() -> Iterator[RudeServer]:
    with RudeServer() as server:
        yield server


@pytest.fixture
def rude(rude_server: RudeServer) -> Iterator[RudeServer]:
    rude_server.reset()
    rude_server.answer("GET", PATH_PUBLIC_KEY, Rude(body=shared_private_key().public.pem.encode()))
    yield rude_server
    rude_server.reset()


@pytest.fixture(scope="session")
def nomyo_server_key_file() -> Path:
    """The plugin's ``nomyo_server`` uses the suite's shared key (no new RSA-4096 key)."""
    return shared_server_key_file()
