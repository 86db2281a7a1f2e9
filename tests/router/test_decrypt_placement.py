"""Where a real router opens requests: on its loop when one is alone, on worker threads
when others are in progress (so concurrent decrypts still run beside the loop).

Read from the router process's threads in ``/proc/PID/task``: the CPU time each has
run (``schedstat``), the loop being the main thread; and their number, since the
worker threads start with their first job.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="counts threads in /proc"
)


@pytest.fixture
def router(stub_upstream: StubUpstream) -> Iterator[RouterProcess]:
    with start_router("--upstream", stub_upstream.url) as process:
        yield process


def _threads(router: RouterProcess) -> int:
    return len(list(Path(f"/proc/{router.proc.pid}/task").iterdir()))


def _cpu_ns(router: RouterProcess) -> tuple[int, int]:
    """Nanoseconds of CPU the loop (main) thread and all the other threads have run."""
    loop = others = 0
    for task in Path(f"/proc/{router.proc.pid}/task").iterdir():
        try:
            ran = int((task / "schedstat").read_text().split()[0])
        except FileNotFoundError:  # a thread that just ended
            continue
        if task.name == str(router.proc.pid):
            loop += ran
        else:
            others += ran
    return loop, others


def _ask_and_open(caller: Caller, text: str) -> str:
    answer = caller.ask(chat(text))
    assert answer.status_code == 200, answer.text
    content: str = caller.open(answer)["choices"][0]["message"]["content"]
    return content


def _wait_for_calls(stub: StubUpstream, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while stub.calls < count:
        assert time.monotonic() < deadline, "the first request never reached the upstream"
        time.sleep(0.01)


def test_requests_one_at_a_time_open_on_the_loop(
    router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    caller = Caller.of(router.url)
    assert _ask_and_open(caller, "warm") == "warm"  # the upstream connection and its pool
    loop_before, others_before = _cpu_ns(router)
    for n in range(5):
        assert _ask_and_open(caller, f"alone {n}") == f"alone {n}"
    loop_after, others_after = _cpu_ns(router)
    # Five RSA-4096 decrypts on the loop: it ran several times what all other threads did.
    # (Handed to worker threads, those decrypts made the others run more than the loop.)
    assert others_after - others_before < (loop_after - loop_before) / 4


def test_a_request_beside_another_opens_on_a_worker_thread(
    router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    caller = Caller.of(router.url)
    assert _ask_and_open(caller, "first alone") == "first alone"
    before = _threads(router)
    stub_upstream.push(delay=2.0)  # the next request stays in progress at the upstream
    slow: list[str] = []
    first = threading.Thread(target=lambda: slow.append(_ask_and_open(caller, "slow one")))
    first.start()
    try:
        _wait_for_calls(stub_upstream, 2)
        assert _ask_and_open(caller, "beside it") == "beside it"
        assert _threads(router) > before, "a request beside another did not open on a thread"
    finally:
        first.join(30)
    assert slow == ["slow one"]
