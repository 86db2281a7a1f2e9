"""One structured log line per request: id, method, path, status, duration, tier, model.

The line never holds plaintext, keys or API keys: only the validated payload
id, the tier and the model name the handler put into the request's state.
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestLogMiddleware"]

logger = logging.getLogger("nomyo_web.router.access")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)  # no line to write: nothing to record
            return
        started = time.perf_counter()
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            state = scope.get("state") or {}
            if not state.get("refused"):  # else http11 refused it and logged why
                _log(scope, state, status, started)


def _log(scope: Scope, state: dict[str, object], status: int, started: float) -> None:
    """The request's one line."""
    record = {
        "id": state.get("payload_id"),
        "method": scope["method"],
        "path": scope["path"][:200],
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "tier": state.get("tier"),
        "model": state.get("model"),
    }
    if state.get("replayed"):
        record["replayed"] = True
    logger.info("request %s", json.dumps(record, separators=(",", ":")))
