"""Replay protection and rate limits hold across routers and workers that share a state store.

Each check runs on two deployments: two router processes sharing a real
``redis-server`` (``--state redis://...``), and one router with ``--workers 2``
on its embedded default (a SQLite file the workers share). A deployment is a
pair of URLs; requests alternate between them, each on a new connection, so
with ``--workers 2`` the kernel spreads them over both workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from tests.support.redis_server import RedisServer
from tests.support.router import start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

KINDS = ["two routers, one redis", "two workers, embedded state"]
STATE_FOLDERS = os.path.join(tempfile.gettempdir(), "nomyo-router-state-*")


@contextlib.contextmanager
def deployment(kind: str, redis_server: RedisServer, *flags: str) -> Iterator[list[Caller]]:
    """A caller for each of the deployment's two entry points."""
    if kind.endswith("redis"):
        redis.Redis.from_url(redis_server.url).flushall()
        shared = (*flags, "--state", redis_server.url)
        with start_router(*shared) as one, start_router(*shared) as two:
            yield _callers(one.url, two.url)
    else:
        with start_router(*flags, "--workers", "2") as router:
            yield _callers(router.url, router.url)


def _callers(one: str, two: str) -> list[Caller]:
    caller = Caller.of(one)
    return [caller, dataclasses.replace(caller, url=two)]


def _each(count: int, send: object) -> list[httpx.Response]:
    """``send(n)`` for n in range(count), all at once."""
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(send, range(count)))  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=KINDS)
def callers(
    request: pytest.FixtureRequest, stub_upstream_server: StubUpstream, redis_server: RedisServer
) -> Iterator[list[Caller]]:
    with deployment(request.param, redis_server, "--upstream", stub_upstream_server.url) as pair:
        yield pair


def test_the_same_request_sent_to_both_runs_the_model_once(
    callers: list[Caller], stub_upstream: StubUpstream
):
    stub_upstream.push(delay=1.0)  # the first is still running when the others arrive
    body, headers = callers[0].seal(chat("only once")), callers[0].headers("shared-1")
    answers = _each(20, lambda n: callers[n % 2].post(body, headers))
    later = [caller.post(body, headers) for caller in callers]
    assert [answer.status_code for answer in answers + later] == [200] * 22
    assert len({answer.content for answer in answers + later}) == 1
    assert stub_upstream.calls == 1


def test_a_reused_id_with_another_body_is_409_on_either(
    callers: list[Caller], stub_upstream: StubUpstream
):
    first = callers[0].ask(chat("first"), payload_id="shared-2")
    assert first.status_code == 200
    reused = _each(20, lambda n: callers[n % 2].ask(chat("second"), payload_id="shared-2"))
    assert [answer.status_code for answer in reused] == [409] * 20
    assert stub_upstream.calls == 1
    body = callers[1].seal(chat("third"))  # and while the first is still running
    stub_upstream.push(delay=1.0)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(callers[0].post, body, callers[0].headers("shared-3"))
        time.sleep(0.5)
        other = callers[1].ask(chat("fourth"), payload_id="shared-3")
        assert (other.status_code, running.result().status_code) == (409, 200)


@pytest.mark.parametrize("kind", KINDS)
def test_a_rate_limit_of_n_admits_n_in_all(
    kind: str, stub_upstream_server: StubUpstream, redis_server: RedisServer
):
    flags = ("--upstream", stub_upstream_server.url, "--api-key", "good", "--rate-limit", "3")
    with deployment(kind, redis_server, *flags) as pair:
        started = time.monotonic()
        answers = _each(12, lambda n: pair[n % 2].ask(chat(), {"Authorization": "Bearer good"}))
        refills = int((time.monotonic() - started) / 20)  # one token every 20 s
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) == {200, 429}
    assert 3 <= statuses.count(200) <= 3 + refills, statuses
    assert all("retry-after" in a.headers for a in answers if a.status_code == 429)


@pytest.mark.parametrize("kind", KINDS)
def test_the_failed_authentication_limit_holds_in_all(
    kind: str, stub_upstream_server: StubUpstream, redis_server: RedisServer
):
    flags = ("--upstream", stub_upstream_server.url, "--api-key", "good")
    with deployment(kind, redis_server, *flags, "--auth-failure-limit", "3") as pair:
        wrong = {"Authorization": "Bearer wrong"}
        statuses = [pair[n % 2].ask(chat(), wrong).status_code for n in range(8)]
        assert statuses == [401] * 3 + [429] * 5
        locked = pair[1].ask(chat(), {"Authorization": "Bearer good"})
        assert locked.status_code == 429  # the address waits, whatever key it sends


def test_the_workers_state_folder_is_private_and_removed_at_exit(
    stub_upstream_server: StubUpstream,
):
    before = set(glob.glob(STATE_FOLDERS))
    with start_router("--upstream", stub_upstream_server.url, "--workers", "2") as router:
        router.wait_for_log(r"\(engine: upstream, state: sqlite, private to the workers\)$")
        made = set(glob.glob(STATE_FOLDERS)) - before
        assert len(made) == 1
        folder = made.pop()
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert not os.path.exists(folder)
