"""HTTP/1.1 for the router: uvicorn's h11 protocol, stricter about framing and time.

uvicorn runs here on h11 (``uvicorn.Config(http=GuardedH11)``; httptools is not
used). On top of it:

* Request heads (request line and header fields) over ``MAX_HEADER_BYTES`` get
  431, however the bytes arrive: h11 bounds only heads still incomplete, so a
  large head in one write used to pass.
* A request with both ``Content-Length`` and ``Transfer-Encoding`` gets 400
  (RFC 9112 §6.3: a possible smuggling attempt).
* Anything h11 cannot parse (a bad chunk size, a broken header line) gets
  h11's status for it: 400, 431, or 501 for a transfer coding other than chunked.

Each refusal is a JSON ``{"detail": ...}`` answer, then the connection closes,
so nothing pipelined behind it is read; a request the app was already serving
gets no second answer. The router logs one line (peer address, reason, status),
never the request's bytes, since h11's messages may quote header values.
Request heads must also arrive within ``--header-timeout``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["MAX_HEADER_BYTES", "GuardedH11", "Refusal", "StrictConnection"]

logger = logging.getLogger("nomyo_web.router")
MAX_HEADER_BYTES = 16 * 1024
_REASONS = {
    400: "malformed request",
    431: f"request head over {MAX_HEADER_BYTES} bytes",
    501: "unsupported transfer coding",
}


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused at the HTTP layer, and with which status."""

    status: int
    reason: str

    @classmethod
    def of(cls, error: h11.RemoteProtocolError) -> Refusal:
        status = error.error_status_hint if error.error_status_hint in _REASONS else 400
        return cls(status, _REASONS[status])


class StrictConnection(h11.Connection):
    """An h11 server connection that reports refusals instead of raising them.

    When a request must be refused, ``refusal`` says why and ``next_event``
    returns ``PAUSED`` from then on, so uvicorn stops reading; the protocol
    then answers and closes.
    """

    def __init__(self, max_head_bytes: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_head_bytes)
        self.max_head_bytes = max_head_bytes
        self.refusal: Refusal | None = None

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        if self.refusal is not None:
            return h11.PAUSED
        at_head = self.their_state is h11.IDLE
        buffered = len(self.trailing_data[0]) if at_head else 0
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as error:
            self.refusal = Refusal.of(error)
            return h11.PAUSED
        if isinstance(event, h11.Request):
            head_bytes = buffered - len(self.trailing_data[0])
            self.refusal = self._check_head(event, head_bytes)
            if self.refusal is not None:
                return h11.PAUSED
        return event

    def _check_head(self, request: h11.Request, head_bytes: int) -> Refusal | None:
        if head_bytes > self.max_head_bytes:
            return Refusal(431, _REASONS[431])
        names = {name for name, _ in request.headers}
        if b"content-length" in names and b"transfer-encoding" in names:
            return Refusal(400, "both Content-Length and Transfer-Encoding")
        return None


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol on a ``StrictConnection``, with a deadline for request heads.

    The limits come from the uvicorn config (``h11_max_incomplete_event_size`` and
    ``nomyo_header_timeout``, set by ``serve.uvicorn_config``); a module-level
    class, so worker processes can unpickle the config naming it.
    """

    conn: StrictConnection
    _header_timer: asyncio.TimerHandle | None = None
    _refused = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = StrictConnection(self.config.h11_max_incomplete_event_size or MAX_HEADER_BYTES)

    def handle_events(self) -> None:
        super().handle_events()
        refusal = self.conn.refusal
        if refusal is not None and not self._refused:
            self._refused = True
            self._refuse(refusal)

    def _refuse(self, refusal: Refusal) -> None:
        """Answer ``refusal`` if no answer has started, close, and log one line."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # what the app may still send is dropped
            self.cycle.message_event.set()
            self.scope["state"]["refused"] = True  # so the request log keeps quiet
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.write(self._refusal_bytes(refusal))
        self.transport.close()
        peer = self.client[0] if self.client else "-"
        logger.warning(
            "refused an HTTP request from %s: %s (%d, connection closed)",
            peer,
            refusal.reason,
            refusal.status,
        )

    def _refusal_bytes(self, refusal: Refusal) -> bytes:
        detail = refusal.reason[0].upper() + refusal.reason[1:]
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        response = h11.Response(status_code=refusal.status, headers=headers)
        parts = [self.conn.send(response), self.conn.send(h11.Data(data=body))]
        return b"".join([*parts, self.conn.send(h11.EndOfMessage())])

    # --- the deadline for request heads ---

    def _arm(self) -> None:
        timeout = float(getattr(self.config, "nomyo_header_timeout", 10.0))
        self._header_timer = self.loop.call_later(timeout, self._expire)

    def _is_between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if self._is_between_requests() and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._is_between_requests() and self._header_timer is None:
            self._arm()
        super().data_received(data)
        if not self._is_between_requests():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
