"""A relay's rate limit holds across its workers, and across relays sharing a Redis."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from tests.client.mitm import Mitm
from tests.support.redis_server import RedisServer
from tests.support.relay import start_relay

PATH = "/v1/chat/secure_completion"
HEADERS = {
    "Content-Type": "application/octet-stream",
    "X-Payload-ID": "relay-shared-0001",
    "X-Public-Key": "-----BEGIN%20PUBLIC%20KEY-----%0Aopaque%0A",
}


@contextlib.contextmanager
def relays(kind: str, upstream: str, redis_server: RedisServer) -> Iterator[list[str]]:
    limit = ("--rate-limit", "3")
    if kind == "two relays, one redis":
        redis.Redis.from_url(redis_server.url).flushall()
        shared = (*limit, "--state", redis_server.url)
        with start_relay(upstream, *shared) as one, start_relay(upstream, *shared) as two:
            yield [one.url, two.url]
    else:
        with start_relay(upstream, *limit, "--workers", "2") as relay:
            yield [relay.url, relay.url]


@pytest.mark.parametrize("kind", ["two relays, one redis", "two workers, embedded state"])
def test_a_relay_rate_limit_of_n_admits_n_in_all(
    kind: str, wire: Mitm, redis_server: RedisServer
) -> None:
    with relays(kind, wire.url, redis_server) as urls, ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(
                lambda n: httpx.post(urls[n % 2] + PATH, content=b"{}", headers=HEADERS),
                range(12),
            )
        )
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(429) == 9, statuses  # the 3 admitted: 400 from the upstream
    assert len(wire.posts()) == 3


def test_a_relay_whose_redis_is_down_says_so_on_healthz(wire: Mitm) -> None:
    """A load balancer must see a relay that would answer 503 as not ready."""
    server = RedisServer(started=False)
    with server, start_relay(wire.url, "--rate-limit", "3", "--state", server.url) as relay:
        down = httpx.get(relay.url + "/healthz", timeout=10)
        assert down.status_code == 503
        assert (down.json()["ready"], down.json()["state"]) == (False, "redis")
        assert down.headers["retry-after"] == "2"
        server.start()
        up = httpx.get(relay.url + "/healthz", timeout=10)
        assert (up.status_code, up.json()["state"]) == (200, "redis")
