"""The scripted engine behind a test's ``nomyo_server``: an OpenAI-compatible API on loopback.

The router (``--upstream``) asks it ``POST /v1/chat/completions`` with the request
it decrypted; it answers from the test's script, in order, and once the script
is used up with the default: ``"echo: "`` followed by the last user message.

An answer is ``Answer(text=..., tool_calls=..., status=..., retry_after=..., delay=...)``;
``text`` may be a function of the request (its decrypted JSON body). Everything
in the completion is a function of the script and the request (ids count up,
``created`` is fixed, usage counts words), so answers are the same run after run.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "ScriptedEngine", "default_text"]

CREATED = 1_700_000_000
TextOf = Callable[[dict[str, Any]], str]


def default_text(request: dict[str, Any]) -> str:
    """``"echo: "`` and the text of the last user message."""
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # content parts: the text ones, joined
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return f"echo: {content}"
    return "echo: "


@dataclass(frozen=True)
class Answer:
    """One scripted answer: text (or a function of the request), tool calls, or a status."""

    text: str | TextOf | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    status: int = 200
    retry_after: float | None = None
    delay: float = 0.0

    def body(self, request: dict[str, Any], number: int) -> dict[str, Any]:
        """The completion for ``request`` (a status other than 200 has an error body)."""
        if self.status != 200:
            return {"error": {"message": f"scripted status {self.status}"}}
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if self.tool_calls:
            message["tool_calls"] = [
                _tool_call(call, number, i) for i, call in enumerate(self.tool_calls)
            ]
        else:
            text = self.text(request) if callable(self.text) else self.text
            message["content"] = default_text(request) if text is None else str(text)
        return _completion(request, message, number)


def _tool_call(call: dict[str, Any], number: int, index: int) -> dict[str, Any]:
    arguments = call.get("arguments", {})
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, separators=(",", ":"))
    return {
        "id": f"call_nomyo_{number}_{index}",
        "type": "function",
        "function": {"name": call["name"], "arguments": arguments},
    }


def _words(value: Any) -> int:
    return len(json.dumps(value).split())


def _completion(request: dict[str, Any], message: dict[str, Any], number: int) -> dict[str, Any]:
    prompt, answer = _words(request.get("messages")), _words(message)
    return {
        "id": f"chatcmpl-nomyo-{number}",
        "object": "chat.completion",
        "created": CREATED,
        "model": request.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": answer,
            "total_tokens": prompt + answer,
        },
    }


class _Handler(BaseHTTPRequestHandler):
    server: _EngineHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``nomyo_server.requests``."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            request = json.loads(self.rfile.read(length))
        except ValueError:
            request = {}
        answer, number = self.server.engine.next_answer()
        if answer.delay:
            time.sleep(answer.delay)
        data = json.dumps(answer.body(request, number)).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if answer.retry_after is not None:
            self.send_header("Retry-After", str(int(answer.retry_after)))
        self.end_headers()
        self.wfile.write(data)


class _EngineHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    engine: ScriptedEngine


class ScriptedEngine:
    """The engine server: ``url`` (for ``--upstream``), ``script(answer, times)``, ``reset()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Answer] = deque()
        self._always: Answer | None = None
        self._count = 0
        self._server = _EngineHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.engine = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def script(self, answer: Answer, times: int | None = 1) -> None:
        """Answer so the next ``times`` requests (``None``: every request from now on)."""
        with self._lock:
            if times is None:
                self._always = answer
            else:
                self._queue.extend([answer] * times)

    def next_answer(self) -> tuple[Answer, int]:
        with self._lock:
            self._count += 1
            if self._queue:
                return self._queue.popleft(), self._count
            return self._always or Answer(), self._count

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._always = None
            self._count = 0

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
