"""Secrets stay secret: collect what the suite used, scan what it logged.

``install()`` (called once by tests/attacks/conftest.py, i.e. whenever the full
suite is collected) makes every ``RouterProcess`` register itself and every
``StubUpstream`` note the prompts that reached it, and attaches a recorder to
the ``nomyo_web`` logger (at whatever level is set: it changes no level). At
session end ``scan()`` looks through every router's output and every recorded
client log line for those prompts, the routers' ``--api-key`` values and any
PEM private-key block.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field

from tests.support.router import RouterProcess
from tests.support.stub_upstream import StubUpstream

__all__ = ["PRIVATE_KEY_MARKERS", "Registry", "install", "registry", "scan_text"]

PRIVATE_KEY_MARKERS = ("PRIVATE KEY-----", "BEGIN RSA PRIVATE")
MIN_SECRET_CHARS = 12  # shorter prompts ("hi", "x") would match ordinary words


@dataclass
class Registry:
    routers: list[RouterProcess] = field(default_factory=list)
    prompts: set[str] = field(default_factory=set)
    api_keys: set[str] = field(default_factory=set)
    client_lines: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_router(self, router: RouterProcess) -> None:
        args = [str(arg) for arg in router.proc.args]
        with self.lock:
            self.routers.append(router)
            for flag, value in itertools.pairwise(args):
                if flag in ("--api-key", "--upstream-api-key") and len(value) >= 6:
                    self.api_keys.add(value)

    def secrets(self) -> set[str]:
        with self.lock:
            return {p for p in self.prompts if len(p) >= MIN_SECRET_CHARS} | set(self.api_keys)


registry = Registry()


def scan_text(text: str, secrets: set[str]) -> list[str]:
    """What in ``text`` must not be there: secret values and private-key markers."""
    hits = [marker for marker in PRIVATE_KEY_MARKERS if marker in text]
    return hits + sorted(secret[:40] for secret in secrets if secret in text)


class _Recorder(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = record.getMessage()
        except Exception:  # a broken record is not ours to judge
            return
        with registry.lock:
            registry.client_lines.append(line)


def install() -> None:
    """Hook the shared helpers (additively: their behaviour is unchanged)."""
    if getattr(RouterProcess, "_secrets_hooked", False):
        return
    original_init = RouterProcess.__init__
    original_record = StubUpstream._record

    def init(self: RouterProcess, proc: object) -> None:
        original_init(self, proc)  # type: ignore[arg-type]
        registry.add_router(self)

    def record(self: StubUpstream, request: dict, headers: dict):  # type: ignore[no-untyped-def]
        for message in request.get("messages") or []:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                with registry.lock:
                    registry.prompts.add(content)
        return original_record(self, request, headers)

    RouterProcess.__init__ = init  # type: ignore[method-assign]
    StubUpstream._record = record  # type: ignore[method-assign]
    RouterProcess._secrets_hooked = True  # type: ignore[attr-defined]
    logging.getLogger("nomyo_web").addHandler(_Recorder())


def scan() -> list[str]:
    """Every hit across the routers' output and the client log lines seen so far."""
    secrets = registry.secrets()
    hits: list[str] = []
    with registry.lock:
        routers = list(registry.routers)
        client_text = "\n".join(registry.client_lines)
    for router in routers:
        for hit in scan_text(router.logs(), secrets):
            hits.append(f"router {router.url or '(not started)'}: {hit}")
    hits.extend(f"client log: {hit}" for hit in scan_text(client_text, secrets))
    return hits
