"""The client suite's real MITM proxy (tests/client/mitm.py), made callable from a page.

A page on another origin can only read answers that carry CORS headers, and
sends a preflight first; the proxy answers scripted statuses itself, so it
must add them too, exactly as the router does for a listed origin
(``--cors-origin``). ``post_times`` records when each POST arrived, so a test
can see a client's wait between attempts; ``preflights`` counts the OPTIONS.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.client.mitm import Mitm, _Handler

__all__ = ["CorsMitm"]

ALLOWED_HEADERS = "Authorization, Content-Type, X-Public-Key, X-Payload-ID, X-Security-Tier"


class _CorsHandler(_Handler):
    def do_OPTIONS(self) -> None:
        mitm: CorsMitm = self.server.mitm  # type: ignore[attr-defined]
        with mitm.times_lock:
            mitm.preflights += 1
        self._send(
            204,
            {
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": "600",
            },
            b"",
        )

    def do_POST(self) -> None:
        mitm: CorsMitm = self.server.mitm  # type: ignore[attr-defined]
        with mitm.times_lock:
            mitm.post_times.append(time.monotonic())
        super().do_POST()

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        mitm: CorsMitm = self.server.mitm  # type: ignore[attr-defined]
        origin = self.headers.get("Origin")
        if origin is not None and origin == mitm.cors_origin:
            headers = {
                **headers,
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": "Retry-After",
                "Vary": "Origin",
            }
        super()._send(status, headers, body)


class CorsMitm(Mitm):
    """``Mitm`` that answers CORS for one page origin (every answer, errors included)."""

    def __init__(self, target: str, cors_origin: str) -> None:
        super().__init__(target)
        self.cors_origin = cors_origin
        self.post_times: list[float] = []
        self.preflights = 0
        self.times_lock = threading.Lock()
        self._server.RequestHandlerClass = _CorsHandler

    def reset(self) -> None:
        super().reset()
        with self.times_lock:
            self.post_times.clear()
            self.preflights = 0

    def headers_of_posts(self) -> list[dict[str, Any]]:
        """The request headers of every POST, names lower-cased."""
        return [{k.lower(): v for k, v in seen.headers.items()} for seen in self.posts()]
