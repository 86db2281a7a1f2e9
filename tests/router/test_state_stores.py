"""The three state stores keep one contract: claims, stored answers, bounds, buckets, outages.

Every test runs against the in-process store, a SQLite file and a real
``redis-server`` (private, on a free loopback port); the ``shared`` ones only
against the two that several processes can open.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis

from nomyo_router.policy.replay import ReplayGuard
from nomyo_router.problem import HTTPProblem
from nomyo_router.state import (
    BucketShape,
    ClaimKind,
    ReplayBounds,
    StateStore,
    StateUnavailable,
    memory_store,
    open_store,
    sqlite_spec,
    sqlite_store,
)
from tests.support.redis_server import RedisServer, free_port

BOUNDS = ReplayBounds(max_entries=3, max_bytes=100, ttl=60.0)
FP, OTHER_FP = b"f" * 32, b"o" * 32

MakeStore = Callable[..., StateStore]


def _spec(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "memory":
        return "memory"
    if kind == "sqlite":
        return sqlite_spec(tmp_path / "state.db")
    server: RedisServer = request.getfixturevalue("redis_server")
    redis.Redis.from_url(server.url).flushall()
    return server.url


async def _stores(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[MakeStore]:
    spec = _spec(kind, request, tmp_path)
    opened: list[StateStore] = []

    def make(bounds: ReplayBounds = BOUNDS) -> StateStore:
        opened.append(open_store(spec, bounds))
        return opened[-1]

    yield make
    for store in opened:
        await store.aclose()


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeStore]:
    async for make in _stores(request.param, request, tmp_path):
        yield make


@pytest.fixture(params=["sqlite", "redis"])
async def shared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeStore]:
    async for make in _stores(request.param, request, tmp_path):
        yield make


async def _stored(store: StateStore, payload_id: str, answer: bytes) -> None:
    assert (await store.claim(payload_id, FP, "owner", 30)).kind is ClaimKind.CLAIMED
    await store.keep(payload_id, "owner", answer)


async def test_one_claim_runs_and_its_answer_is_then_stored(make_store: MakeStore):
    store = make_store()
    assert (await store.claim("a", FP, "first", 30)).kind is ClaimKind.CLAIMED
    assert (await store.claim("a", FP, "second", 30)).kind is ClaimKind.RUNNING
    assert (await store.claim("a", OTHER_FP, "third", 30)).kind is ClaimKind.CONFLICT
    await store.keep("a", "second", b"not the owner's")  # ignored
    assert (await store.claim("a", FP, "second", 30)).kind is ClaimKind.RUNNING
    await store.keep("a", "first", b"sealed answer")
    claim = await store.claim("a", FP, "fourth", 30)
    assert (claim.kind, claim.answer) == (ClaimKind.STORED, b"sealed answer")
    assert (await store.claim("a", OTHER_FP, "fifth", 30)).kind is ClaimKind.CONFLICT


async def test_a_released_claim_runs_afresh(make_store: MakeStore):
    store = make_store()
    assert (await store.claim("a", FP, "first", 30)).kind is ClaimKind.CLAIMED
    await store.release("a", "someone else")  # ignored
    assert (await store.claim("a", FP, "x", 30)).kind is ClaimKind.RUNNING
    await store.release("a", "first")
    assert (await store.claim("a", OTHER_FP, "second", 30)).kind is ClaimKind.CLAIMED


async def test_stored_answers_are_bounded_by_count_oldest_first(make_store: MakeStore):
    store = make_store()
    for name in ("a", "b", "c", "d"):
        await _stored(store, name, b"x")
    assert (await store.claim("a", FP, "again", 30)).kind is ClaimKind.CLAIMED  # evicted
    for name in ("b", "c", "d"):
        assert (await store.claim(name, FP, "again", 30)).kind is ClaimKind.STORED


async def test_stored_answers_are_bounded_by_bytes(make_store: MakeStore):
    store = make_store()
    await _stored(store, "a", b"1" * 60)
    await _stored(store, "b", b"2" * 60)  # 120 > 100: "a" goes
    assert (await store.claim("a", FP, "again", 30)).kind is ClaimKind.CLAIMED
    assert (await store.claim("b", FP, "again", 30)).answer == b"2" * 60
    await _stored(store, "huge", b"3" * 101)  # never stored, and evicts nothing
    assert (await store.claim("huge", FP, "again", 30)).kind is ClaimKind.CLAIMED
    assert (await store.claim("b", FP, "again", 30)).kind is ClaimKind.STORED


async def test_stored_answers_expire(make_store: MakeStore):
    store = make_store(ReplayBounds(max_entries=3, max_bytes=100, ttl=0.3))
    await _stored(store, "a", b"x")
    assert (await store.claim("a", FP, "again", 30)).kind is ClaimKind.STORED
    await asyncio.sleep(0.5)
    assert (await store.claim("a", OTHER_FP, "later", 30)).kind is ClaimKind.CLAIMED


async def test_a_token_bucket_spends_only_what_it_has(make_store: MakeStore):
    store = make_store()
    shape = BucketShape(capacity=3, per_second=0.01)
    assert await store.take("k", shape, 0) == pytest.approx(3)
    taken = [await store.take("k", shape, 1) for _ in range(4)]
    assert taken[:3] == pytest.approx([3, 2, 1], abs=0.01)
    assert taken[3] < 1
    assert await store.take("k", shape, 0) < 1
    assert await store.take("other", shape, 1) == pytest.approx(3)


async def test_a_token_bucket_refills(make_store: MakeStore):
    store = make_store()
    shape = BucketShape(capacity=2, per_second=10)
    await store.take("k", shape, 1)
    await store.take("k", shape, 1)
    await asyncio.sleep(0.15)
    assert 1 <= await store.take("k", shape, 1) <= 2


@pytest.mark.parametrize("module", [memory_store, sqlite_store])
async def test_buckets_are_bounded_by_count(
    module: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(module, "MAX_BUCKETS", 5)
    spec = "memory" if module is memory_store else sqlite_spec(tmp_path / "state.db")
    store = open_store(spec, BOUNDS)
    shape = BucketShape(capacity=1, per_second=0.001)
    for caller in range(7):
        assert await store.take(f"k{caller}", shape, 1) == 1  # each spends its one token
    assert await store.take("k6", shape, 0) < 1  # the newest is kept
    assert await store.take("k0", shape, 0) == 1  # the least recently seen was forgotten
    await store.aclose()


async def test_a_redis_bucket_expires_once_full_again(redis_server: RedisServer):
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    store = open_store(redis_server.url, BOUNDS)
    await store.take("k", BucketShape(capacity=60, per_second=1), 1)
    ttl_ms = client.pttl("nomyo-router:bucket:k")
    assert 0 < ttl_ms <= 1000
    await store.aclose()


async def test_redis_keeps_its_byte_total_and_index_exact(redis_server: RedisServer):
    store = open_store(redis_server.url, ReplayBounds(max_entries=3, max_bytes=100, ttl=0.3))
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    for name, size in (("a", 10), ("b", 20), ("c", 30), ("d", 40)):
        await _stored(store, name, b"x" * size)
    assert int(client.get("nomyo-router:{replay}:bytes") or 0) == 90  # a went: 20+30+40
    assert client.zcard("nomyo-router:{replay}:order") == 3
    await asyncio.sleep(0.5)  # b, c, d expire by themselves
    await _stored(store, "e", b"x" * 5)  # storing forgets what expired
    assert int(client.get("nomyo-router:{replay}:bytes") or 0) == 5
    assert client.zcard("nomyo-router:{replay}:order") == 1
    assert client.hlen("nomyo-router:{replay}:sizes") == 1
    await store.aclose()


async def test_a_lapsed_lease_lets_another_attempt_run(shared: MakeStore):
    store = shared()
    assert (await store.claim("a", FP, "crashed", 0.2)).kind is ClaimKind.CLAIMED
    await asyncio.sleep(0.4)
    assert (await store.claim("a", FP, "next", 30)).kind is ClaimKind.CLAIMED
    await store.keep("a", "crashed", b"late")  # no longer its claim: ignored
    assert (await store.claim("a", FP, "third", 30)).kind is ClaimKind.RUNNING


async def test_a_renewed_lease_holds(shared: MakeStore):
    store = shared()
    assert (await store.claim("a", FP, "owner", 0.3)).kind is ClaimKind.CLAIMED
    await asyncio.sleep(0.15)
    await store.renew("a", "owner", 1.0)
    await asyncio.sleep(0.3)
    assert (await store.claim("a", FP, "other", 30)).kind is ClaimKind.RUNNING


async def test_two_openers_share_claims_and_buckets(shared: MakeStore):
    one, two = shared(), shared()
    claims = await asyncio.gather(
        *(store.claim("a", FP, f"owner{n}", 30) for n in range(10) for store in (one, two))
    )
    assert [claim.kind for claim in claims].count(ClaimKind.CLAIMED) == 1
    shape = BucketShape(capacity=5, per_second=0.001)
    tokens = await asyncio.gather(
        *(store.take("k", shape, 1) for _ in range(10) for store in (one, two))
    )
    assert len([t for t in tokens if t >= 1]) == 5


async def test_repeats_over_two_openers_run_the_engine_once(shared: MakeStore):
    guards = [ReplayGuard(shared(), wait_limit=30) for _ in range(2)]
    runs = 0

    async def run() -> bytes:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.3)
        return b"the answer"

    answers = await asyncio.gather(*(guards[n % 2].answer("id", FP, run) for n in range(10)))
    assert runs == 1
    assert sorted(replayed for _, replayed in answers) == [False] + [True] * 9
    assert {answer for answer, _ in answers} == {b"the answer"}


async def test_a_run_longer_than_its_lease_keeps_its_claim(shared: MakeStore):
    guards = [ReplayGuard(shared(), wait_limit=30, lease=0.3) for _ in range(2)]
    runs = 0

    async def run() -> bytes:
        nonlocal runs
        runs += 1
        await asyncio.sleep(1.2)  # four leases long: renewed every 0.1 s
        return b"slow answer"

    first = asyncio.create_task(guards[0].answer("id", FP, run))
    await asyncio.sleep(0.1)
    assert await guards[1].answer("id", FP, run) == (b"slow answer", True)
    assert await first == (b"slow answer", False)
    assert runs == 1


async def test_a_repeat_waits_no_longer_than_its_limit(make_store: MakeStore):
    store = make_store()
    first_may_finish = asyncio.Event()

    async def slow() -> bytes:
        await first_may_finish.wait()
        return b"late"

    first = asyncio.create_task(ReplayGuard(store, wait_limit=30).answer("id", FP, slow))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(HTTPProblem) as refused:
        await ReplayGuard(store, wait_limit=0.3).answer("id", FP, slow)
    assert refused.value.status == 504 and "Retry-After" in refused.value.headers
    assert 0.25 < time.monotonic() - started < 5
    first_may_finish.set()
    assert await first == (b"late", False)


async def test_an_unreachable_redis_is_state_unavailable_at_once():
    store = open_store(f"redis://127.0.0.1:{free_port()}/0", BOUNDS)
    started = time.monotonic()
    for operation in (
        store.ping(),
        store.claim("a", FP, "o", 30),
        store.take("k", BucketShape(1, 1), 1),
        store.keep("a", "o", b"x"),
    ):
        with pytest.raises(StateUnavailable):
            await operation
    assert time.monotonic() - started < 5
    await store.aclose()


async def test_a_sqlite_file_another_process_is_writing_is_waited_for(tmp_path: Path):
    path = tmp_path / "state.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # e.g. another router creating the same new file
    threading.Timer(0.3, writer.close).start()
    store = open_store(sqlite_spec(path), BOUNDS)
    assert (await store.claim("a", FP, "o", 30)).kind is ClaimKind.CLAIMED
    await store.aclose()


async def test_an_unusable_sqlite_file_is_state_unavailable(tmp_path: Path):
    path = tmp_path / "state.db"
    path.mkdir()  # a folder where the file should be
    store = open_store(sqlite_spec(path), BOUNDS)
    with pytest.raises(StateUnavailable):
        await store.claim("a", FP, "o", 30)
    path.rmdir()
    assert (await store.claim("a", FP, "o", 30)).kind is ClaimKind.CLAIMED  # and it recovers
    await store.aclose()
