"""One client across event loops: asyncio.run() per call, a loop per thread, a long-lived
loop (Jupyter's kind). No error, no leaked connection (no ResourceWarning under
``python -X dev``), and connections reused within a loop — counted at the TCP level."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from nomyo_web import SecureChatCompletion
from tests.support.router import REPO_ROOT
from tests.support.tcp_counter import TcpCounter
from tests.support.waiting import eventually

MESSAGES = [{"role": "user", "content": "hello"}]
LEAK_SIGNS = (
    "ResourceWarning",
    "unclosed",
    "Traceback",
    "destroyed but it is pending",
    "Exception ignored",
)


@pytest.fixture
def counter(router_url: str) -> Iterator[TcpCounter]:
    with TcpCounter(router_url) as counted:
        yield counted


def _client(url: str, **options: Any) -> SecureChatCompletion:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return SecureChatCompletion(url, True, **options)


def _run_dev_mode(script: str) -> subprocess.CompletedProcess[str]:
    """The script under ``python -X dev`` (ResourceWarning shown, asyncio debug on)."""
    return subprocess.run(
        [sys.executable, "-X", "dev", "-c", textwrap.dedent(script)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    for sign in LEAK_SIGNS:
        assert sign not in done.stderr, done.stderr


def test_asyncio_run_per_call_with_one_module_level_client(router_url: str) -> None:
    # The way scripts, Flask and Django views call async code. nomyo passes this;
    # before, the second call failed with "RuntimeError: Event loop is closed".
    done = _run_dev_mode(f"""
        import asyncio, gc, warnings
        warnings.filterwarnings("ignore", "nomyo_web: allow_http", UserWarning)
        from nomyo_web import SecureChatCompletion
        client = SecureChatCompletion("{router_url}", True)
        for n in range(4):
            answer = asyncio.run(client.create("m", [{{"role": "user", "content": f"#{{n}}"}}]))
            print(answer["choices"][0]["message"]["content"])
        client.dispose()
        gc.collect()
    """)
    _assert_clean(done)
    assert done.stdout.splitlines() == ["#0", "#1", "#2", "#3"]


def test_a_loop_per_thread_at_once(router_url: str) -> None:
    done = _run_dev_mode(f"""
        import asyncio, gc, threading, warnings
        warnings.filterwarnings("ignore", "nomyo_web: allow_http", UserWarning)
        from nomyo_web import SecureChatCompletion
        client = SecureChatCompletion("{router_url}", True)
        answers = []

        async def calls(name):
            for n in range(3):
                answer = await client.create("m", [{{"role": "user", "content": f"{{name}}{{n}}"}}])
                answers.append(answer["choices"][0]["message"]["content"])

        threads = [threading.Thread(target=asyncio.run, args=(calls(t),)) for t in "abcd"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(sorted(answers))
        client.dispose()
        gc.collect()
    """)
    _assert_clean(done)
    expected = sorted(f"{t}{n}" for t in "abcd" for n in range(3))
    assert done.stdout.strip() == str(expected)


def test_manual_loops_shut_down_properly_leak_nothing(router_url: str) -> None:
    done = _run_dev_mode(f"""
        import asyncio, gc, warnings
        warnings.filterwarnings("ignore", "nomyo_web: allow_http", UserWarning)
        from nomyo_web import SecureChatCompletion
        client = SecureChatCompletion("{router_url}", True)
        for n in range(2):
            loop = asyncio.new_event_loop()
            call = client.create("m", [{{"role": "user", "content": "x"}}])
            answer = loop.run_until_complete(call)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            print(answer["object"])
        gc.collect()
    """)
    _assert_clean(done)
    assert done.stdout.split() == ["chat.completion", "chat.completion"]


def test_connections_are_reused_within_a_loop(counter: TcpCounter, stub_upstream) -> None:
    client = _client(counter.url)

    async def five_calls() -> None:
        for _ in range(5):
            await client.create("m", MESSAGES)
        await client.aclose()

    asyncio.run(five_calls())
    assert counter.accepted == 1  # the key fetch and five calls, one connection
    assert stub_upstream.calls == 5


def test_asyncio_run_per_call_reuses_one_connection_across_loops(
    counter: TcpCounter, stub_upstream
) -> None:
    # The first loop's connection closes with it; from then on the client runs calls
    # from new loops in its own loop thread, whose connection every later call reuses.
    client = _client(counter.url)
    for _ in range(5):
        asyncio.run(client.create("m", MESSAGES))
    assert counter.accepted == 2 and stub_upstream.calls == 5
    assert eventually(lambda: counter.open == 1)
    client.dispose()
    assert eventually(lambda: counter.open == 0)


def test_a_call_in_the_clients_own_loop_can_be_cancelled(
    counter: TcpCounter, stub_upstream
) -> None:
    client = _client(counter.url)
    asyncio.run(client.create("m", MESSAGES))  # the first loop ends: later calls move

    async def cancelled_call() -> str:
        stub_upstream.push(delay=30)
        task = asyncio.ensure_future(client.create("m", MESSAGES))
        await asyncio.sleep(0.5)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"
        return "finished"

    assert asyncio.run(cancelled_call()) == "cancelled"
    assert eventually(lambda: _own_loop_tasks(client) == 0)  # the call ended over there too
    client.dispose()


def _own_loop_tasks(client: SecureChatCompletion) -> int:
    own = client._core._placement.own_loop
    assert own is not None
    done = asyncio.run_coroutine_threadsafe(_count_tasks(), own)
    return done.result(10)


async def _count_tasks() -> int:
    return len(asyncio.all_tasks()) - 1


def test_a_long_lived_loop_keeps_its_connection(counter: TcpCounter, stub_upstream) -> None:
    # Jupyter runs every cell in one loop that never closes.
    loop = asyncio.new_event_loop()
    try:
        client = _client(counter.url)
        for _ in range(3):
            loop.run_until_complete(client.create("m", MESSAGES))
        assert counter.accepted == 1 and counter.open == 1
        loop.run_until_complete(client.aclose())
        assert eventually(lambda: counter.open == 0)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def test_dispose_from_another_thread_closes_a_running_loops_connection(
    counter: TcpCounter, stub_upstream
) -> None:
    client = _client(counter.url)
    ready, release = threading.Event(), threading.Event()

    async def serve() -> None:
        await client.create("m", MESSAGES)
        ready.set()
        while not release.is_set():
            await asyncio.sleep(0.01)

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    assert ready.wait(30)
    assert counter.open == 1
    client.dispose()  # this thread has no loop; the connection closes in its own loop
    assert eventually(lambda: counter.open == 0)
    release.set()
    thread.join(10)
