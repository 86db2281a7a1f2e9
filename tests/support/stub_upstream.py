"""A deterministic OpenAI-compatible upstream: a real HTTP server on 127.0.0.1.

``POST /chat/completions`` answers a ``chat.completion`` whose assistant
``content`` is the text of the last user message, verbatim, and whose
``model`` is the request's. The whole request it received (after the router
removed ``stream``) comes back in the top-level field ``x_stub_request``, so a
test can check that parameters arrived untouched and read back any nonce it
put in them. When the request has ``tools`` and a ``tool_choice`` other than
``"none"``, the answer is one tool call (``finish_reason`` ``"tool_calls"``) to
the named function, or to the first tool; every required parameter is the
last user message's text (or the first ``enum`` value).

Control it from a test (``StubUpstream`` in-process) or over HTTP:

* ``stub.push(status=503, body={...}, delay=0.5, retry_after="7", garbage=False,
  hang=False, headers={...}, filler=0, cut=False, times=1)``: the next ``times``
  calls answer so; queued in order. ``garbage`` answers 200 with bytes that are
  not JSON; ``hang`` never answers (until ``reset``/``close``); ``delay`` sleeps
  before answering; ``headers`` are added to the answer; ``filler`` answers 200
  with that many bytes of JSON; ``cut`` promises a body and closes without it.
* ``stub.calls``: how many ``/chat/completions`` requests arrived;
  ``stub.requests``: their JSON bodies; ``stub.headers``: their headers.
* ``stub.reset()``: clears the queue, the counters and releases hung calls.
* Over HTTP: ``POST /_stub/push`` (JSON of ``push``'s arguments),
  ``POST /_stub/reset``, ``GET /_stub/stats`` → ``{"calls": N}``.

Standalone (for benchmarks): ``python -m tests.support.stub_upstream --port 0``
prints ``stub upstream on http://127.0.0.1:PORT`` once it is bound.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["StubUpstream", "main"]


@dataclass
class Scripted:
    """One scripted answer."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    retry_after: str | None = None
    garbage: bool = False
    hang: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    filler: int = 0
    cut: bool = False


@dataclass
class _State:
    queue: deque[Scripted] = field(default_factory=deque)
    calls: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _last_user_text(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(part.get("text", "")) for part in content if isinstance(part, dict)
                )
    return ""


def _chosen_tool(request: dict[str, Any]) -> dict[str, Any] | None:
    tools = request.get("tools")
    choice = request.get("tool_choice", "auto")
    if not isinstance(tools, list) or not tools or choice == "none":
        return None
    functions = [t.get("function", {}) for t in tools if isinstance(t, dict)]
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        for function in functions:
            if function.get("name") == wanted:
                return dict(function)
    return dict(functions[0])


def _tool_arguments(function: dict[str, Any], text: str) -> str:
    parameters = function.get("parameters") or {}
    properties = parameters.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name in parameters.get("required") or []:
        spec = properties.get(name) or {}
        enum = spec.get("enum")
        arguments[name] = enum[0] if isinstance(enum, list) and enum else text
    return json.dumps(arguments)


def make_completion(request: dict[str, Any], number: int) -> dict[str, Any]:
    """The deterministic ``chat.completion`` for ``request`` (the ``number``-th call)."""
    text = _last_user_text(request)
    message: dict[str, Any] = {"role": "assistant", "content": text}
    finish_reason = "stop"
    function = _chosen_tool(request)
    if function is not None:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_stub_{number}",
                    "type": "function",
                    "function": {
                        "name": function.get("name", ""),
                        "arguments": _tool_arguments(function, text),
                    },
                }
            ],
        }
        finish_reason = "tool_calls"
    words = len(text.split())
    return {
        "id": f"chatcmpl-stub-{number}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": request.get("model", ""),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": words, "completion_tokens": words, "total_tokens": 2 * words},
        "x_stub_request": request,
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the second waits for
    # the client's delayed ACK (~40 ms per answer on loopback).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_cut(self, headers: dict[str, str]) -> None:
        """A 200 promising 1000 bytes, 10 sent, then the connection closed."""
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(b'{"choices"')
        self.close_connection = True

    def _send_json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), headers)

    def do_GET(self) -> None:
        if self.path == "/_stub/stats":
            self._send_json(200, {"calls": self.server.stub.calls})
        else:
            self._send_json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        stub = self.server.stub
        body = self._read_json()
        if self.path == "/_stub/push":
            stub.push(**(body or {}))
            self._send_json(200, {"ok": True})
        elif self.path == "/_stub/reset":
            stub.reset()
            self._send_json(200, {"ok": True})
        elif self.path.rstrip("/").endswith("/chat/completions"):
            self._answer(body if isinstance(body, dict) else {})
        else:
            self._send_json(404, {"error": {"message": "not found"}})

    def _answer(self, request: dict[str, Any]) -> None:
        number, script, release = self.server.stub._record(request, dict(self.headers.items()))
        if script.hang:
            release.wait(300)
            self.close_connection = True
            return
        if script.delay:
            time.sleep(script.delay)
        headers = {"Retry-After": script.retry_after} if script.retry_after else {}
        headers.update(script.headers)
        if script.cut:
            self._send_cut(headers)
        elif script.filler:
            self._send(200, b'{"x":"' + b"a" * max(0, script.filler - 8) + b'"}', headers)
        elif script.garbage:
            self._send(200, b"<html>this is not json", headers)
        elif script.status != 200 or script.body is not None:
            body = script.body if script.body is not None else {"error": {"message": "scripted"}}
            self._send_json(script.status, body, headers)
        else:
            self._send_json(200, make_completion(request, number), headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: StubUpstream

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A caller that vanished (a router killed mid-request) is expected here, not news."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class StubUpstream:
    """The stub server, running in a daemon thread from construction until ``close``."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._state = _State()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.stub = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def push(self, times: int = 1, **script: Any) -> None:
        """Script the next ``times`` answers (see the module docstring)."""
        with self._lock:
            for _ in range(times):
                self._state.queue.append(Scripted(**script))

    def reset(self) -> None:
        """Forget the queue and the counters; hung calls are released."""
        with self._lock:
            self._state.release.set()
            self._state = _State()

    @property
    def calls(self) -> int:
        with self._lock:
            return self._state.calls

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._state.requests)

    @property
    def headers(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._state.headers)

    def _record(
        self, request: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Scripted, threading.Event]:
        with self._lock:
            state = self._state
            state.calls += 1
            state.requests.append(request)
            state.headers.append(headers)
            script = state.queue.popleft() if state.queue else Scripted()
            return state.calls, script, state.release

    def close(self) -> None:
        self._state.release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StubUpstream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="deterministic OpenAI-compatible stub upstream")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    stub = StubUpstream(args.port)
    print(f"stub upstream on {stub.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stub.close()


if __name__ == "__main__":
    main()
