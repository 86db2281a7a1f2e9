"""Relay processes for tests: ``start_relay(upstream, *flags)`` and the keys they use.

A relay gets its API key (``RELAY_KEY``) from ``NOMYO_API_KEY`` in its own
environment, as in production; stand-in upstreams accept only that key.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tests.client.mitm import Mitm
from tests.support.keys import shared_private_key
from tests.support.router import RouterProcess, start_router

__all__ = ["CALLER_KEY", "RELAY_KEY", "start_relay", "tapped_standin", "upstream_fingerprint"]

RELAY_KEY = "relay-api-key-3f9c1e77b2"
CALLER_KEY = "caller-key-8d02aa41c6"


def upstream_fingerprint() -> str:
    """The fingerprint of the shared server key, which stand-in upstreams use."""
    return shared_private_key().public.fingerprint


def start_relay(upstream: str, *flags: str) -> RouterProcess:
    """A relay to ``upstream`` (plain HTTP on loopback: the development flag)."""
    return start_router(
        "--relay",
        upstream,
        "--relay-http-for-development",
        *flags,
        env={"NOMYO_API_KEY": RELAY_KEY},
    )


@contextlib.contextmanager
def tapped_standin(engine_url: str) -> Iterator[tuple[RouterProcess, Mitm]]:
    """A router standing in for NOMYO (it accepts only ``RELAY_KEY``; the shared server
    key) in front of ``engine_url``, and a wire tap (``Mitm``) in front of it: a relay
    pointed at the tap's URL shows the test what reached the upstream."""
    with start_router("--upstream", engine_url, "--api-key", RELAY_KEY) as standin:
        tap = Mitm(standin.url)
        try:
            yield standin, tap
        finally:
            tap.close()
