"""A lean HTTP/1.1 client for the relay's one upstream: asyncio streams, h11, a keep-alive pool.

The relay's own work per request is two HTTP exchanges and nothing else, so
the client's cost is most of it; httpx's layers (httpcore, anyio) cost about
as much again as the exchange itself. This client speaks to exactly one base
URL, sends exactly the headers it is given (plus ``Host`` and
``Content-Length``), follows no redirects, reads answers up to a size limit,
takes nothing from the environment, and keeps up to ``max_idle`` connections
alive for ``idle_expiry`` seconds (less than the common 5 s server keep-alive,
so an idle connection is not reused just as the server drops it). A
connection the server has closed while idle is not reused. Every exchange
runs within ``timeout`` seconds (connecting: at most 10 s).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

__all__ = ["Answer", "AnswerTooLargeError", "Http1Pool", "UpstreamError", "UpstreamTimeoutError"]

_READ = 65536
_MAX_CONNECTIONS = 100


class UpstreamError(Exception):
    """The exchange failed: no connection, a broken one, or an answer past the limit."""


class UpstreamTimeoutError(UpstreamError):
    """The upstream did not answer within the timeout."""


class AnswerTooLargeError(UpstreamError):
    """The answer went past the size limit (the connection is dropped)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    h11: h11.Connection
    idle_since: float = 0.0

    def reusable(self, now: float, expiry: float) -> bool:
        return (
            now - self.idle_since < expiry
            and not self.reader.at_eof()
            and not self.writer.is_closing()
        )

    def close(self) -> None:
        self.writer.close()


class Http1Pool:
    """Connections to ``base_url``'s origin; ``request`` sends one exchange on one of them."""

    def __init__(
        self, base_url: str, timeout: float, max_idle: int = 32, idle_expiry: float = 4.0
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an http(s) base URL is needed")
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._host_header = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._timeout = timeout
        self._max_idle = max_idle
        self._idle_expiry = idle_expiry
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(_MAX_CONNECTIONS)

    async def request(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes, limit: int
    ) -> Answer:
        """One exchange; UpstreamTimeoutError past the timeout, UpstreamError otherwise."""
        async with self._slots:
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._exchange(method, path, headers, body, limit)
            except TimeoutError:
                raise UpstreamTimeoutError("the upstream did not answer in time") from None
            except (OSError, EOFError, h11.ProtocolError) as error:
                raise UpstreamError(type(error).__name__) from None

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    async def _exchange(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes, limit: int
    ) -> Answer:
        connection = await self._connection()
        try:
            request = self._request(method, path, headers, body)
            answer = await _send_and_read(connection, request, body, limit)
        except BaseException:
            connection.close()  # cancelled or failed mid-exchange: never reused
            raise
        self._release(connection)
        return answer

    def _request(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> h11.Request:
        fixed = [("Host", self._host_header), ("Content-Length", str(len(body)))]
        # Latin-1: the bytes of each value exactly as the caller's HTTP server received them.
        raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in fixed + headers]
        return h11.Request(method=method, target=self._prefix + path, headers=raw)

    async def _connection(self) -> _Connection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if connection.reusable(now, self._idle_expiry):
                return connection
            connection.close()
        async with asyncio.timeout(min(self._timeout, 10.0)):
            reader, writer = await asyncio.open_connection(
                self._host, self._port, ssl=self._tls, limit=_READ
            )
        return _Connection(reader, writer, h11.Connection(h11.CLIENT))

    def _release(self, connection: _Connection) -> None:
        state = connection.h11
        if state.our_state is h11.DONE and state.their_state is h11.DONE:
            state.start_next_cycle()
            if len(self._idle) < self._max_idle:
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
                return
        connection.close()


async def _send_and_read(
    connection: _Connection, request: h11.Request, body: bytes, limit: int
) -> Answer:
    state = connection.h11
    data = state.send(request) or b""
    if body:
        data += state.send(h11.Data(data=body)) or b""
    data += state.send(h11.EndOfMessage()) or b""
    connection.writer.write(data)
    await connection.writer.drain()
    status, headers, chunks, size = 0, {}, [], 0
    while True:
        event = state.next_event()
        if event is h11.NEED_DATA:
            state.receive_data(await connection.reader.read(_READ))
        elif isinstance(event, h11.Response):
            status = event.status_code
            headers = {name.decode("latin-1"): value.decode("latin-1")
                       for name, value in event.headers}  # fmt: skip
        elif isinstance(event, h11.Data):
            size += len(event.data)
            if size > limit:
                raise AnswerTooLargeError()
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return Answer(status, headers, b"".join(chunks))
        elif isinstance(event, h11.ConnectionClosed):
            raise EOFError("the upstream closed the connection")
        # h11.InformationalResponse (100 Continue and the like): read on
