"""Fixtures of the router tests.

* ``redis_server`` — one private ``redis-server`` for the session
  (``tests.support.redis_server.RedisServer``: ``.url``); tests that need it
  empty flush it. A test that stops Redis starts its own instance.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server
