"""A state store that does not answer: 503 with Retry-After, never a skipped check; recovery.

Real router processes and a real ``redis-server`` that these tests stop and
start (their own instances, never the session's).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.redis_server import RedisServer, free_port
from tests.support.router import RouterProcess, run_router, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

UNAVAILABLE = {"detail": "State store unavailable"}


def _health(router: RouterProcess) -> tuple[int, dict[str, object]]:
    answer = httpx.get(router.url + "/healthz", timeout=10)
    return answer.status_code, answer.json()


def _check_unavailable(answer: httpx.Response) -> None:
    assert (answer.status_code, answer.json()) == (503, UNAVAILABLE)
    assert answer.headers["retry-after"] == "2"


def test_a_router_whose_redis_is_not_up_yet_answers_503_until_it_is(
    stub_upstream: StubUpstream,
):
    server = RedisServer(started=False)
    with server, start_router("--upstream", stub_upstream.url, "--state", server.url) as router:
        caller = Caller.of(router.url)
        _check_unavailable(caller.ask(chat()))
        status, health = _health(router)
        assert (status, health["ready"], health["state"]) == (503, False, "redis")
        assert stub_upstream.calls == 0
        server.start()
        assert caller.ask(chat("back")).status_code == 200
        assert _health(router)[0] == 200
        router.wait_for_log(r"state store \(redis\) unreachable \(ConnectionError\)")
        router.wait_for_log(r"state store \(redis\) reachable again")


def test_a_password_in_the_state_url_is_never_shown(stub_upstream: StubUpstream):
    secret = "hunter2-state-secret"
    url = f"redis://:{secret}@127.0.0.1:{free_port()}/0"
    with start_router("--upstream", stub_upstream.url, "--state", url) as router:
        _check_unavailable(Caller.of(router.url).ask(chat()))
        router.wait_for_log(r"\(engine: upstream, state: redis\)$")
    assert secret not in router.logs()
    refused = run_router("--state", f"postgres://:{secret}@localhost/x")
    assert refused.returncode == 2
    assert "--state: use memory, sqlite:///PATH or redis://HOST:PORT/DB" in refused.stderr
    assert secret not in refused.stderr + refused.stdout
    for bad in ("127.0.0.1:port/0", "127.0.0.1:6379/db", "127.0.0.1:6379/0?bogus=1"):
        refused = run_router("--state", f"redis://:{secret}@{bad}")
        assert refused.returncode == 2
        assert "--state: not a Redis URL: use redis://[:PASSWORD@]HOST:PORT/DB" in refused.stderr
        assert secret not in refused.stderr + refused.stdout


def test_memory_state_is_refused_with_several_workers(server_key_file: Path):
    flags = ("--upstream", "http://x", "--key-file", str(server_key_file), "--workers", "2")
    refused = run_router(*flags, "--state", "memory")
    assert refused.returncode == 2
    assert "--state memory is per process" in refused.stderr


@dataclass
class _Outcome:
    sent: float
    done: float
    status: int
    retry_after: str | None


def _load(callers: list[Caller], until: float, outcomes: list[_Outcome]) -> None:
    """Requests with fresh ids, alternating between the routers, until ``until``."""
    turn = 0
    while time.monotonic() < until:
        caller = callers[turn % 2]
        turn += 1
        sent = time.monotonic()
        answer = caller.ask(chat("load"), payload_id=str(uuid.uuid4()))
        done = time.monotonic()
        outcomes.append(_Outcome(sent, done, answer.status_code, answer.headers.get("retry-after")))


def test_redis_stopped_and_restarted_mid_load(stub_upstream: StubUpstream):
    with RedisServer() as server:
        flags = ("--upstream", stub_upstream.url, "--state", server.url, "--rate-limit", "100000")
        with start_router(*flags) as one, start_router(*flags) as two:
            caller = Caller.of(one.url)
            callers = [caller, Caller(two.url, caller.key, caller.server_pem)]
            outcomes: list[_Outcome] = []
            start = time.monotonic()
            threads = [
                threading.Thread(target=_load, args=(callers, start + 11.0, outcomes))
                for _ in range(4)
            ]
            for thread in threads:
                thread.start()
            time.sleep(2.5)
            stopped = time.monotonic()
            server.stop()
            time.sleep(1.0)
            outage_health = [_health(router)[0] for router in (one, two)]
            time.sleep(2.0)
            restarted = time.monotonic()
            server.start()
            for thread in threads:
                thread.join()
            assert outage_health == [503, 503]
            assert [_health(router)[0] for router in (one, two)] == [200, 200]
            for router in (one, two):
                router.wait_for_log(r"state store \(redis\) unreachable")
                router.wait_for_log(r"state store \(redis\) reachable again")
        logs = one.logs() + two.logs()
    statuses = [outcome.status for outcome in outcomes]
    before = [o.status for o in outcomes if o.done < stopped]
    during = [o.status for o in outcomes if o.sent > stopped + 0.5 and o.done < restarted]
    after = [o.status for o in outcomes if o.sent > restarted + 2.0]
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    print(f"outcomes: {counts}; before {len(before)}, during {len(during)}, after {len(after)}")
    assert set(statuses) <= {200, 503}, counts
    assert all(o.retry_after == "2" for o in outcomes if o.status == 503)
    assert before and set(before) == {200}
    assert during and set(during) == {503}
    assert after and set(after) == {200}
    # No check was skipped: the engine ran for each 200, and for nothing else.
    assert stub_upstream.calls == statuses.count(200)
    assert "Traceback" not in logs
