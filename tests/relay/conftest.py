"""A relay process in front of a real router standing in for NOMYO, with a wire tap between.

    client ──► relay (``nomyo-router --relay``) ──► wire (Mitm) ──► stand-in router ──► stub

* ``standin`` — a router that wants ``Authorization: Bearer RELAY_KEY`` (like NOMYO),
  with the shared server key (``UPSTREAM_FINGERPRINT``);
* ``wire`` — ``tests.client.mitm.Mitm`` recording exactly what reached the upstream
  (headers, bodies, key fetches) and able to script its answers; reset per test;
* ``relay`` — the relay process (``NOMYO_API_KEY=RELAY_KEY`` in its environment only),
  allowing ``PAGE_ORIGIN`` by CORS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client.mitm import Mitm
from tests.support.relay import start_relay, tapped_standin
from tests.support.router import RouterProcess
from tests.support.stub_upstream import StubUpstream

PAGE_ORIGIN = "http://page.example"


@pytest.fixture(scope="session")
def upstream(stub_upstream_server: StubUpstream) -> Iterator[tuple[RouterProcess, Mitm]]:
    with tapped_standin(stub_upstream_server.url) as pair:
        yield pair


@pytest.fixture(scope="session")
def standin(upstream: tuple[RouterProcess, Mitm]) -> RouterProcess:
    return upstream[0]


@pytest.fixture(scope="session")
def wire_tap(upstream: tuple[RouterProcess, Mitm]) -> Mitm:
    return upstream[1]


@pytest.fixture
def wire(wire_tap: Mitm, stub_upstream: StubUpstream) -> Iterator[Mitm]:
    wire_tap.reset()
    yield wire_tap
    wire_tap.reset()


@pytest.fixture(scope="session")
def relay(wire_tap: Mitm) -> Iterator[RouterProcess]:
    with start_relay(wire_tap.url, "--cors-origin", PAGE_ORIGIN) as process:
        yield process
