"""The front of a test's ``nomyo_server``: forwards every request to the router, and records.

It is the test's own server, holding the server key, so for each sealed request it
opens a copy and records what was asked (``SeenRequest``: model, messages, tier,
headers and the whole decrypted body), then forwards the untouched bytes. The
router does the protocol (key, checks, API key, sealing, ``response_mac``, CORS).

A browser page of the test may sit on any loopback origin (pytest-pyodide's web
server, the plugin's page server): the front hands the router that origin as
``ROUTER_ORIGIN`` (the one origin the router lists) and puts the page's origin back
into the answer's ``Access-Control-Allow-Origin``. Other origins pass unchanged,
so the router refuses them as it would any unlisted origin.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import HEADER_SECURITY_TIER, PATH_SECURE_COMPLETION, parse_envelope

from .network import is_loopback

__all__ = ["ROUTER_ORIGIN", "RecordingFront", "SeenRequest"]

ROUTER_ORIGIN = "http://nomyo-test-page.localhost"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}
_backend = PycaBackend()


@dataclass(frozen=True)
class SeenRequest:
    """What one chat request asked, as the server decrypted it."""

    model: str
    messages: list[dict[str, Any]]
    tier: str
    headers: dict[str, str]
    body: dict[str, Any] = field(repr=False)


def _open(body: bytes, key: PrivateKeyHandle) -> dict[str, Any] | None:
    try:
        plaintext = _backend.open_sync(parse_envelope(body).sealed, key)
        opened: dict[str, Any] = json.loads(plaintext.decode("utf-8"))
        return opened
    except Exception:  # not a request the router will answer either: nothing to record
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _FrontHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``nomyo_server.requests``."""

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_OPTIONS(self) -> None:
        self._forward()

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        origin = self.headers.get("Origin")
        page_origin = origin if origin and is_loopback(origin) else None
        if page_origin:
            headers = {k: v for k, v in headers.items() if k.lower() != "origin"}
            headers["Origin"] = ROUTER_ORIGIN
        if self.command == "POST" and urlsplit(self.path).path == PATH_SECURE_COMPLETION:
            self.server.front.record(body, dict(self.headers.items()))
        try:
            status, answer_headers, answer = self.server.front.ask_router(
                self.command, self.path, headers, body
            )
        except OSError:  # the router is gone (the session is ending)
            status, answer_headers, answer = 502, [], b'{"detail":"router unreachable"}'

        self.send_response(status)
        for name, value in answer_headers:
            if name.lower() in _HOP_BY_HOP:
                continue
            if name.lower() == "access-control-allow-origin" and page_origin:
                value = page_origin
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class _FrontHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    front: RecordingFront


class RecordingFront:
    """The front server on ``127.0.0.1:port`` (0: any free port) before ``router_url``."""

    def __init__(self, port: int = 0) -> None:
        self.key: PrivateKeyHandle | None = None  # set before the router starts
        self._lock = threading.Lock()
        self.router_url = ""
        self.requests: list[SeenRequest] = []
        self._server = _FrontHTTPServer(("127.0.0.1", port), _Handler)
        self._server.front = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def record(self, body: bytes, headers: dict[str, str]) -> None:
        opened = _open(body, self.key) if self.key is not None else None
        if opened is None:
            return
        lowered = {name.lower(): value for name, value in headers.items()}
        seen = SeenRequest(
            model=str(opened.get("model", "")),
            messages=list(opened.get("messages") or []),
            tier=lowered.get(HEADER_SECURITY_TIER.lower(), "standard"),
            headers=lowered,
            body=opened,
        )
        with self._lock:
            self.requests.append(seen)

    def ask_router(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        target = urlsplit(self.router_url)
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=600)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
