"""SyncSecureChatCompletion on CPython: the same constructor and answers, blocking, from any
thread, inside or outside a running event loop (a script, a WSGI app, a Jupyter-style
cell), with its connections reused and closed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from nomyo_web import (
    AuthenticationError,
    ClientDisposedError,
    InvalidParameterError,
)
from tests.support.router import REPO_ROOT
from tests.support.tcp_counter import TcpCounter
from tests.support.waiting import eventually

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "hello"}]
LEAK_SIGNS = ("ResourceWarning", "unclosed", "Traceback", "destroyed but it is pending")


def _content(answer: dict[str, Any]) -> str:
    return str(answer["choices"][0]["message"]["content"])


def test_create_returns_the_same_dict_as_the_async_client(
    make_sync_client, stub_upstream, mitm: Mitm
) -> None:
    client = make_sync_client(api_key="sk-sync")
    answer = client.create("m", MESSAGES, temperature=0.5, security_tier="high")
    assert answer["object"] == "chat.completion" and _content(answer) == "hello"
    assert answer["_metadata"]["payload_id"] == mitm.posts()[0].headers["X-Payload-ID"]
    assert mitm.posts()[0].headers["X-Security-Tier"] == "high"
    assert mitm.posts()[0].headers["Authorization"] == "Bearer sk-sync"
    assert stub_upstream.requests[0]["temperature"] == 0.5


def test_errors_are_the_same_typed_errors(make_sync_client, mitm: Mitm) -> None:
    client = make_sync_client(max_retries=0)
    mitm.script(status=401, body={"detail": "Invalid API key"})
    with pytest.raises(AuthenticationError) as caught:
        client.create("m", MESSAGES)
    assert (caught.value.status_code, caught.value.message) == (401, "Invalid API key")
    with pytest.raises(InvalidParameterError, match="security_tier"):
        client.create("m", MESSAGES, security_teir="maximum")


def test_with_block_closes_and_close_is_final(make_sync_client, stub_upstream) -> None:
    with make_sync_client() as client:
        assert _content(client.create("m", MESSAGES)) == "hello"
    client.close()
    client.dispose()
    with pytest.raises(ClientDisposedError):
        client.create("m", MESSAGES)
    assert client._core.keys._current is None


@pytest.fixture
def counter(router_url: str) -> Iterator[TcpCounter]:
    with TcpCounter(router_url) as counted:
        yield counted


def test_many_threads_share_one_connection_pool(
    make_sync_client, counter: TcpCounter, stub_upstream
) -> None:
    client = make_sync_client(base_url=counter.url)
    client.create("m", MESSAGES)  # the first call opens the one connection
    answers: list[str] = []

    def calls(name: str) -> None:
        for n in range(3):
            answer = client.create("m", [{"role": "user", "content": f"{name}{n}"}])
            answers.append(_content(answer))

    threads = [threading.Thread(target=calls, args=(name,)) for name in "abcdef"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    client.close()
    assert sorted(answers) == sorted(f"{t}{n}" for t in "abcdef" for n in range(3))
    assert counter.accepted <= 6  # concurrent calls may open a few; never one per call
    assert eventually(lambda: counter.open == 0)


def test_sequential_calls_reuse_one_connection(
    make_sync_client, counter: TcpCounter, stub_upstream
) -> None:
    client = make_sync_client(base_url=counter.url)
    for _ in range(5):
        client.create("m", MESSAGES)
    assert (counter.accepted, counter.open) == (1, 1)
    client.close()
    assert eventually(lambda: counter.open == 0)


def test_inside_a_running_event_loop_as_in_a_jupyter_cell(make_sync_client, stub_upstream) -> None:
    # A Jupyter cell runs synchronously inside the kernel's running loop.
    client = make_sync_client()

    async def cell() -> str:
        asyncio.get_running_loop()  # there is a running loop here
        return _content(client.create("m", MESSAGES))

    assert asyncio.run(cell()) == "hello"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def wsgi_app(make_sync_client) -> Iterator[str]:
    """A WSGI app (threaded wsgiref) whose view calls the sync client, as Flask or Django would."""
    client = make_sync_client()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        question = environ["PATH_INFO"].strip("/")
        answer = client.create("m", [{"role": "user", "content": question}])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"answer": _content(answer)}).encode()]

    server = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_from_a_wsgi_view(wsgi_app: str, stub_upstream) -> None:
    for question in ("one", "two", "three"):
        with urllib.request.urlopen(f"{wsgi_app}/{question}", timeout=60) as answer:
            assert json.load(answer) == {"answer": question}
    assert stub_upstream.calls == 3


def test_close_during_a_call_ends_it_with_client_disposed(make_sync_client, mitm: Mitm) -> None:
    client = make_sync_client(max_retries=0)
    outcome: list[BaseException] = []
    mitm.script(hang=30)

    def call() -> None:
        try:
            client.create("m", MESSAGES)
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert eventually(lambda: len(mitm.posts()) == 1, 30)
    client.close()
    caller.join(10)
    assert not caller.is_alive()
    assert [type(exc) for exc in outcome] == [ClientDisposedError]
    assert eventually(lambda: mitm.posts()[0].aborted)


def test_a_script_that_forgets_close_exits_cleanly(router_url: str) -> None:
    script = textwrap.dedent(f"""
        import warnings
        warnings.filterwarnings("ignore", "nomyo_web: allow_http", UserWarning)
        from nomyo_web import SyncSecureChatCompletion
        client = SyncSecureChatCompletion("{router_url}", True, key_rotation_interval=1)
        print(client.create("m", [{{"role": "user", "content": "bye"}}])["object"])
    """)
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "chat.completion\n"), done.stderr
    for sign in LEAK_SIGNS:
        assert sign not in done.stderr, done.stderr
