"""A TCP forwarder on loopback that counts the connections made through it.

    with TcpCounter(router.url) as counter:
        ... talk to counter.url ...
        counter.accepted     # connections opened so far
        counter.open         # connections still open

Bytes pass through untouched (it never parses HTTP), so what it counts is what
a client's connection pool really did: one connection reused by many calls, or
one per call.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["TcpCounter"]


class TcpCounter:
    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"{parts.scheme}://127.0.0.1:{self._listener.getsockname()[1]}"
        self.accepted = 0
        self.open = 0
        self._lock = threading.Lock()
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> TcpCounter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            with self._lock:
                self.accepted += 1
                self.open += 1
            done = threading.Barrier(2, action=self._closed_one)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink, done), daemon=True).start()

    def _closed_one(self) -> None:
        with self._lock:
            self.open -= 1

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, done: threading.Barrier) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(threading.BrokenBarrierError):
            done.wait(10)
        source.close()
