"""A real man-in-the-middle HTTP proxy on loopback, for the client's tests.

It forwards every request to the router and records what crossed the wire;
a test can script it to answer a status itself, hang, rewrite request headers,
tamper with, replace, lose or swap answers, or serve another server key --
everything an attacker or a broken network in between could do.
"""

from __future__ import annotations

import http.client
import json
import select
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    aborted: bool = False  # the client left while this request was held


@dataclass
class Action:
    status: int | None = None  # answer this status instead of forwarding
    body: Any = None  # ... with this JSON body
    headers: dict[str, str] = field(default_factory=dict)
    after_forward: bool = False  # forward first, then answer `status`: the answer is lost
    forward_headers: dict[str, str] = field(default_factory=dict)  # rewritten on the way in
    answer: Callable[[Seen], bytes] | None = None  # answer 200 with this, forwarding nothing
    hang: float = 0.0  # hold the request this long (until the client leaves)
    mutate: Callable[[bytes], bytes] | None = None  # rewrite the forwarded 200 body
    method: str = "POST"  # the requests it applies to, in order (GET: the key fetches)


class Mitm:
    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.seen: list[Seen] = []
        self.actions: deque[Action] = deque()
        self.public_key_override: bytes | None = None
        self.swap_pairs = False
        self._pending_swap: list[tuple[threading.Event, list[bytes]]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.mitm = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def script(self, times: int = 1, **action: Any) -> None:
        with self._lock:
            for _ in range(times):
                self.actions.append(Action(**action))

    def posts(self) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == "POST"]

    def key_fetches(self) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.path.endswith("/pki/public_key"))

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self.actions.clear()
            self.public_key_override = None
            self.swap_pairs = False

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def forward(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        try:
            connection.request(seen.method, seen.path, body=seen.body or None, headers=seen.headers)
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def swap(self, body: bytes) -> bytes:
        """Pair this answer with the next concurrent one and hand each the other's body."""
        with self._lock:
            if self._pending_swap:
                event, slot = self._pending_swap.pop()
                other = slot[0]
                slot[0] = body
                event.set()
                return other
            event, slot = threading.Event(), [body]
            self._pending_swap.append((event, slot))
        event.wait(10)
        return slot[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        mitm: Mitm = self.server.mitm  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        skip = {"host", "connection", "content-length", "accept-encoding"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        seen = Seen(self.command, self.path, dict(self.headers.items()), body)
        with mitm._lock:
            mitm.seen.append(seen)
            action = None
            if mitm.actions and mitm.actions[0].method == self.command:
                action = mitm.actions.popleft()
        if (
            action is None
            and self.path.endswith("/pki/public_key")
            and mitm.public_key_override is not None
        ):
            self._send(200, {"Content-Type": "text/plain"}, mitm.public_key_override)
            return
        if action is not None and action.hang:
            self._hold(mitm, seen, action.hang)
            return
        if action is not None and action.status is not None and not action.after_forward:
            self._send_scripted(action)
            return
        if action is not None and action.answer is not None:
            self._send(200, {"Content-Type": "application/json"}, action.answer(seen))
            return
        self._relay(mitm, Seen(seen.method, seen.path, headers, body), action)

    def _relay(self, mitm: Mitm, outgoing: Seen, action: Action | None) -> None:
        """Forward to the router (as ``action`` rewrites it) and pass its answer back."""
        if action is not None and action.forward_headers:
            rewritten = {name.lower() for name in action.forward_headers}
            outgoing.headers = {
                k: v for k, v in outgoing.headers.items() if k.lower() not in rewritten
            }
            outgoing.headers.update(action.forward_headers)
        status, answer_headers, answer = mitm.forward(outgoing)
        if action is not None and action.status is not None:
            self._send_scripted(action)  # the router answered; that answer never arrives
            return
        if status == 200 and self.command == "POST":
            if action is not None and action.mutate is not None:
                answer = action.mutate(answer)
            if mitm.swap_pairs:
                answer = mitm.swap(answer)
        keep = {
            k: v for k, v in answer_headers.items() if k.lower() in ("content-type", "retry-after")
        }
        self._send(status, keep, answer)

    def _send_scripted(self, action: Action) -> None:
        payload = json.dumps(action.body if action.body is not None else {"detail": "scripted"})
        self._send(
            action.status or 500,
            {"Content-Type": "application/json", **action.headers},
            payload.encode(),
        )

    def _hold(self, mitm: Mitm, seen: Seen, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable and not self.connection.recv(1, 2):  # MSG_PEEK: EOF means the client left
                with mitm._lock:
                    seen.aborted = True
                self.close_connection = True
                return
        self._send(504, {"Content-Type": "application/json"}, b'{"detail": "held"}')

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
