"""A real HTTP server on loopback that answers the way a hostile or broken one would.

    with RudeServer() as server:
        server.answer("GET", "/pki/public_key", Rude(body=pem))            # a normal answer
        server.answer("POST", PATH, Rude(size=192 << 20))                  # a huge body
        server.answer("POST", PATH, Rude(size=24, drip=0.5))               # one byte per 0.5 s
        ... server.url ...
        server.sent("POST", PATH)   # [Sent(bytes=..., complete=...)] per answer

Bodies are streamed from one reused buffer, so a huge answer costs the test
process no memory; ``sent`` records how many body bytes the server managed to
write before the client closed the connection. Every answer allows any origin
(CORS, preflight included), so a Pyodide page can be a client too.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["Rude", "RudeServer", "Sent"]

_CHUNK = b"x" * (1 << 20)


@dataclass(frozen=True)
class Rude:
    """One scripted answer: ``body`` as given, or ``size`` filler bytes (``x``)."""

    status: int = 200
    body: bytes | None = None
    size: int = 0
    declare_length: bool = True  # Content-Length; otherwise the body ends when the server closes
    drip: float = 0.0  # seconds between single body bytes
    content_type: str = "application/octet-stream"


@dataclass
class Sent:
    """What one answer's body came to: bytes written, and whether all of it was."""

    bytes: int = 0
    complete: bool = False
    finished: bool = False  # the server stopped writing (done, or the client left)
    seconds: float = 0.0  # from the status line to the last write (or the failed one)


@dataclass
class _Routes:
    answers: dict[tuple[str, str], Rude] = field(default_factory=dict)
    sent: dict[tuple[str, str], list[Sent]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RudeServer:
    """A ``ThreadingHTTPServer`` serving scripted ``Rude`` answers per (method, path)."""

    def __init__(self) -> None:
        self._routes = _Routes()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.routes = self._routes  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def answer(self, method: str, path: str, rude: Rude) -> None:
        with self._routes.lock:
            self._routes.answers[(method, path)] = rude

    def sent(self, method: str, path: str) -> list[Sent]:
        with self._routes.lock:
            return list(self._routes.sent.get((method, path), []))

    def wait_sent(self, method: str, path: str, timeout: float = 30.0) -> Sent:
        """The first answer on (method, path) once the server stopped writing it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._routes.lock:
                done = [s for s in self._routes.sent.get((method, path), []) if s.finished]
            if done:
                return done[0]
            time.sleep(0.05)
        raise AssertionError(f"no finished answer on {method} {path}")

    def reset(self) -> None:
        with self._routes.lock:
            self._routes.answers.clear()
            self._routes.sent.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RudeServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        routes: _Routes = self.server.routes  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        key = (self.command, self.path)
        with routes.lock:
            rude = routes.answers.get(key, Rude(status=404, body=b'{"detail":"Not Found"}'))
            sent = Sent()
            routes.sent.setdefault(key, []).append(sent)
        started = time.monotonic()
        written, complete = self._write(rude)
        with routes.lock:
            sent.bytes, sent.complete, sent.finished = written, complete, True
            sent.seconds = time.monotonic() - started

    def _write(self, rude: Rude) -> tuple[int, bool]:
        """Body bytes written, and False when the client left before the end."""
        size = len(rude.body) if rude.body is not None else rude.size
        self.send_response(rude.status)
        self.send_header("Content-Type", rude.content_type)
        self.send_header("Access-Control-Allow-Origin", "*")
        if rude.declare_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        written = 0
        try:
            self.end_headers()
            self.wfile.flush()
            for piece in _pieces(rude, size):
                if rude.drip:
                    time.sleep(rude.drip)
                self.wfile.write(piece)
                self.wfile.flush()
                written += len(piece)
        except OSError:  # reset or broken pipe: the client stopped reading
            self.close_connection = True
            return written, False
        return written, True


def _pieces(rude: Rude, size: int) -> Any:
    """The body in the pieces it is written in: single bytes when dripping."""
    if rude.body is not None:
        step = 1 if rude.drip else len(rude.body) or 1
        for at in range(0, size, step):
            yield rude.body[at : at + step]
        return
    step = 1 if rude.drip else len(_CHUNK)
    remaining = size
    while remaining > 0:
        yield _CHUNK[: min(step, remaining)]
        remaining -= step
