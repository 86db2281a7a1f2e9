"""A refused request leaves nothing behind in the router (issue 19, finding 1).

The router once raised one shared exception object for every envelope that did
not decrypt. Raising an object again chains the new traceback onto the old, so
every refusal's frames, and the request body in them, stayed alive: about
27 MiB per 14 MB request, forever, for anyone who can send a request.

* In process: every kind of refusal gets its own problem object, and that
  object (with the frames and body it holds) is gone as soon as the answer is
  sent, with the cyclic garbage collector switched off.
* A real router process over real HTTP: hundreds of refusals of each kind at
  realistic sizes (some near the 13 MiB envelope limit) leave its RSS where it
  was after a warm-up, and each is one log line with no traceback.
"""

from __future__ import annotations

import collections
import gc
import json
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from nomyo_router.app import build_app
from nomyo_router.config import RouterConfig
from nomyo_router.engines.upstream import UpstreamEngine
from nomyo_router.problem import HTTPProblem
from nomyo_router.server_key import ServerKeys
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import PATH_SECURE_COMPLETION, build_envelope
from tests.support.keys import shared_private_key
from tests.support.refusals import (
    EXPECTED_STATUS,
    KINDS,
    RSS_GROWTH_LIMIT_MIB,
    WARMUP,
    RefusalRequests,
    RefusalSender,
)
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

MEASURED = 100
"""Refusals of each kind measured: 5 near the limit, 15 of 1 MiB, 80 of 2 KiB."""
GROWTH_LIMIT_MIB = 1.5 * RSS_GROWTH_LIMIT_MIB
"""The soak's bound and half again: this runs inside the suite, on a shared machine.

Measured without a leak: 10 to 28 MiB over all four kinds; 31 to 36 MiB with
both cores kept busy by other processes. The old leak: over 200 MiB.
"""
ABORT_MIB = 2 * GROWTH_LIMIT_MIB
"""Stop sending at once past this: a leak is proven, and the machine is shared."""
API_KEY = "refusal-test-key"
REUSED_ID = "refusal-reused-id"
"""The payload id of the in-process app's one answered request; reusing it is a 409."""
_backend = PycaBackend()


def router_rss_mib(pid: int) -> float:
    """``VmRSS`` of process ``pid``, in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


# -- in process: each refusal's problem is its own, and gone with its answer -------------


def _in_process_app(
    upstream: str, **config: Any
) -> tuple[Starlette, UpstreamEngine, list[weakref.ref[HTTPProblem]]]:
    """The real app; its problem handler also notes a weak reference to each problem."""
    engine = UpstreamEngine(upstream, None, 5.0)
    keys = ServerKeys(shared_private_key(), None, 300.0)
    app = build_app(RouterConfig(upstream=upstream, **config), keys, engine)
    problems: list[weakref.ref[HTTPProblem]] = []
    answer_problem = app.exception_handlers[HTTPProblem]

    async def noting(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPProblem)
        problems.append(weakref.ref(exc))
        response: Response = await answer_problem(request, exc)
        return response

    app.exception_handlers[HTTPProblem] = noting
    return app, engine, problems


def _sealed(plaintext: bytes) -> bytes:
    return build_envelope(_backend.seal_sync(plaintext, shared_private_key().public))


def _chat(model: str) -> bytes:
    message = {"role": "user", "content": f"refusal test {uuid.uuid4()}"}
    return json.dumps({"model": model, "messages": [message]}).encode()


@pytest.fixture
def gc_off() -> Iterator[None]:
    """Only reference counting frees: a reference cycle would keep a refusal alive."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class _Guarded:
    """The in-process app, with an API key and a tier rule, in front of the session's stub."""

    http: httpx.AsyncClient
    problems: list[weakref.ref[HTTPProblem]]
    stub: StubUpstream
    requests: RefusalRequests

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {API_KEY}",
            "X-Payload-ID": f"refusal-{uuid.uuid4()}",
            "X-Public-Key": self.requests.client_header,
            **extra,
        }

    def refusals(self) -> dict[str, tuple[int, Callable[[], tuple[dict[str, str], bytes]]]]:
        """Every kind of refusal: its status, and a builder of (headers, body)."""

        def known(kind: str) -> Callable[[], tuple[dict[str, str], bytes]]:
            return lambda: self._authorized(*self.requests.build(kind, 1))

        def upstream_fails() -> tuple[dict[str, str], bytes]:
            self.stub.push(status=500)
            return self.headers(), _sealed(_chat("m"))

        kinds = {kind: (EXPECTED_STATUS[kind], known(kind)) for kind in KINDS}
        high = {"X-Security-Tier": "high"}
        return kinds | {
            "bad_json_envelope": (400, lambda: (self.headers(), b'{"version": "1.0", ')),
            "not_a_chat_request": (400, lambda: (self.headers(), _sealed(b'{"model": 7'))),
            "missing_payload_id": (400, lambda: self._authorized({}, b"{}")),
            "wrong_api_key": (401, lambda: (self.headers(Authorization="Bearer wrong"), b"{}")),
            "tier_forbids_model": (403, lambda: (self.headers(**high), _sealed(_chat("m")))),
            "payload_id_reused": (
                409,
                lambda: (self.headers(**{"X-Payload-ID": REUSED_ID}), _sealed(_chat("m"))),
            ),
            "upstream_fails": (502, upstream_fails),
        }

    @staticmethod
    def _authorized(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        return {"Authorization": f"Bearer {API_KEY}", **headers}, body


@pytest.fixture
async def guarded(stub_upstream: StubUpstream) -> AsyncIterator[_Guarded]:
    app, engine, problems = _in_process_app(
        stub_upstream.url, api_keys=[API_KEY], tier_models={"high": frozenset({"allowed"})}
    )
    await engine.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router.test") as http:
        yield _Guarded(http, problems, stub_upstream, RefusalRequests(shared_private_key().public))
    await engine.aclose()


async def test_every_refusal_raises_its_own_problem_and_frees_it_with_the_answer(
    guarded: _Guarded, gc_off: None
) -> None:
    first = guarded.headers(**{"X-Payload-ID": REUSED_ID})
    answered = await guarded.http.post(
        PATH_SECURE_COMPLETION, content=_sealed(_chat("m")), headers=first
    )
    assert answered.status_code == 200 and guarded.problems == []
    for kind, (status, build) in guarded.refusals().items():
        for attempt in range(3):
            headers, body = build()
            answer = await guarded.http.post(PATH_SECURE_COMPLETION, content=body, headers=headers)
            assert answer.status_code == status, (kind, answer.status_code, answer.text)
            assert len(guarded.problems) == 1, f"{kind} #{attempt}: not one problem per refusal"
            problem = guarded.problems.pop()
            assert problem() is None, (
                f"{kind} #{attempt}: its problem outlived its answer "
                f"(a shared instance, or a reference cycle through its frames)"
            )


async def test_a_rate_limited_refusal_is_freed_with_its_answer(gc_off: None) -> None:
    app, _, problems = _in_process_app("http://127.0.0.1:9", rate_limit=1)  # never reached
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router.test") as http:
        statuses = [
            (await http.post(PATH_SECURE_COMPLETION, content=b"{}")).status_code for _ in range(4)
        ]
    assert statuses == [400, 429, 429, 429]
    assert len(problems) == 4 and all(problem() is None for problem in problems)


# -- a real router process: its memory comes back after every kind of refusal ------------


@pytest.fixture(scope="module")
def lone_router(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    """A router of its own, so only these requests move its memory."""
    with start_router("--upstream", stub_upstream_server.url) as router:
        yield router


def _refuse(
    sender: RefusalSender, kind: str, numbers: range, pid: int, sent: collections.Counter[int]
) -> float:
    """Send refusals ``numbers`` of ``kind``; the router's RSS growth over them (MiB)."""
    before = router_rss_mib(pid)
    growth = 0.0
    for number in numbers:
        status = sender.send(kind, number)
        sent[status] += 1
        assert status == EXPECTED_STATUS[kind], f"{kind} #{number}: {status}"
        growth = router_rss_mib(pid) - before
        if growth > ABORT_MIB:
            break
    return round(growth, 1)


@pytest.fixture(scope="module")
def refused(lone_router: RouterProcess, stub_upstream_server: StubUpstream) -> dict[str, Any]:
    """The warm-up, then the measured refusals of each kind: their RSS figures."""
    pid = lone_router.proc.pid
    stub_upstream_server.reset()
    sent: collections.Counter[int] = collections.Counter()
    with RefusalSender(lone_router.url) as sender:
        for kind in KINDS:
            _refuse(sender, kind, range(WARMUP), pid, sent)
        start = router_rss_mib(pid)
        measured = range(WARMUP, WARMUP + MEASURED)
        growth = {kind: _refuse(sender, kind, measured, pid, sent) for kind in KINDS}
        total = round(router_rss_mib(pid) - start, 1)
    return {"start": round(start, 1), "growth": growth, "total": total, "sent": sent}


def test_refusals_of_every_kind_leave_the_router_memory_where_it_was(
    refused: dict[str, Any], stub_upstream_server: StubUpstream
) -> None:
    summary = (
        f"router RSS growth (MiB) by kind {refused['growth']}, over all {refused['total']}, "
        f"from {refused['start']} after the warm-up"
    )
    assert all(value <= GROWTH_LIMIT_MIB for value in refused["growth"].values()), summary
    assert refused["total"] <= GROWTH_LIMIT_MIB, summary
    assert stub_upstream_server.calls == 0


def test_each_refusal_is_one_log_line_without_a_traceback(
    refused: dict[str, Any], lone_router: RouterProcess
) -> None:
    sent = refused["sent"]
    records = lone_router.request_log(PATH_SECURE_COMPLETION, at_least=sent.total())
    assert collections.Counter(record["status"] for record in records) == sent
    logs = lone_router.logs()
    assert "Traceback" not in logs and "ERROR" not in logs and "WARNING" not in logs, logs[-3000:]
    other = [line for line in logs.splitlines() if " request {" not in line]
    assert len(other) == 2, other  # the key fingerprint and the listening line
