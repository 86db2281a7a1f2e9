"""``NomyoServer``: a real router process on loopback with a scripted engine, for one test.

    nomyo_server.answer("Bonjour!")                          # the next request's answer
    nomyo_server.answer(lambda request: request["model"])    # a function of the request
    nomyo_server.answer(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    nomyo_server.answer(status=429, retry_after=2)           # the engine says "too many"
    nomyo_server.answer("slow", delay=1.5)
    nomyo_server.answer("always", times=None)                # every request from now on
    nomyo_server.base_url, .api_key, .fingerprint, .requests

Without a script every request is answered ``"echo: "`` + its last user message.
A status is the engine's; the client sees what the router makes of it, as with a
real upstream: 429 and 503 pass (with ``Retry-After``), other 5xx become 502, 4xx
become 400. The process, the key and the engine serve the whole session
(``RouterSession``); each test gets a fresh script and a fresh record.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..server_key import ensure_key_file, read_key_file
from .engine import Answer, ScriptedEngine, TextOf
from .front import ROUTER_ORIGIN, RecordingFront, SeenRequest

__all__ = ["NomyoServer", "RouterSession", "ServerFixtureError"]

STARTUP_SECONDS = 60.0


class ServerFixtureError(RuntimeError):
    """The test server cannot start here (a port in use, a router that does not start)."""


class RouterSession:
    """The session's router process, with its key, API key, engine and recording front."""

    def __init__(self, key_file: Path, port: int = 0) -> None:
        try:
            self.front = RecordingFront(port)
        except OSError as error:
            raise ServerFixtureError(
                f"nomyo_server: port {port} on 127.0.0.1 is in use ({error.strerror}): "
                "choose another with --nomyo-port, or 0 for any free port"
            ) from None
        ensure_key_file(key_file)
        self.key = self.front.key = read_key_file(key_file)
        self.api_key = "nomyo-test-" + secrets.token_urlsafe(12)
        self.engine = ScriptedEngine()
        self._process = self._start_router(key_file)

    def _start_router(self, key_file: Path) -> subprocess.Popen[str]:
        command = [
            *(sys.executable, "-m", "nomyo_router", "--host", "127.0.0.1", "--port", "0"),
            *("--key-file", str(key_file), "--upstream", self.engine.url),
            *("--api-key", self.api_key, "--cors-origin", ROUTER_ORIGIN, "--log-level", "warning"),
        ]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        ready = threading.Event()
        output: list[str] = []

        def read() -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                output.append(line)
                if "listening on " in line and not self.front.router_url:
                    self.front.router_url = line.split("listening on ", 1)[1].split()[0]
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(STARTUP_SECONDS) or not self.front.router_url:
            process.kill()
            last = output[-1].strip() if output else "no output"
            raise ServerFixtureError(f"nomyo_server: the router did not start ({last})")
        return process

    @property
    def fingerprint(self) -> str:
        return self.key.public.fingerprint

    def close(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self.front.close()
        self.engine.close()


class NomyoServer:
    """One test's view of the session's server: its script and what it was asked."""

    def __init__(self, session: RouterSession) -> None:
        self._session = session
        self._open = True

    def _live(self) -> RouterSession:
        if not self._open:
            raise ServerFixtureError(
                "nomyo_server was used after its test ended: it is function-scoped, "
                "so request it in each test (or a function-scoped fixture), not keep it"
            )
        return self._session

    @property
    def base_url(self) -> str:
        """Give this to ``SecureChatCompletion(base_url=...)``."""
        return self._live().front.url

    @property
    def api_key(self) -> str:
        """The one API key the server accepts."""
        return self._live().api_key

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the server key's SubjectPublicKeyInfo, for ``server_key_fingerprint=``."""
        return self._live().fingerprint

    @property
    def requests(self) -> list[SeenRequest]:
        """What each chat request asked, in order (decrypted by this server)."""
        return list(self._live().front.requests)

    def answer(
        self,
        text: str | TextOf | None = None,
        *,
        tool_calls: list[dict[str, Any]] | None = None,
        status: int = 200,
        retry_after: float | None = None,
        delay: float = 0.0,
        times: int | None = 1,
    ) -> None:
        """Script the next ``times`` answers (``None``: all from now on); see the module doc."""
        scripted = Answer(text, tuple(tool_calls or ()), status, retry_after, delay)
        self._live().engine.script(scripted, times)

    def _end(self) -> None:
        self._session.engine.reset()
        self._session.front.reset()
        self._open = False


@contextlib.contextmanager
def view_for_test(session: RouterSession) -> Iterator[NomyoServer]:
    """A fresh ``NomyoServer`` on ``session`` for one test; closed after it."""
    session.engine.reset()
    session.front.reset()
    server = NomyoServer(session)
    try:
        yield server
    finally:
        server._end()
