"""CPython: nomyo_web against nomyo==0.2.9 and the floor; then httpx against leaner transports.

Both clients run in this process against the same router (instant stub
upstream), warmed up first (keys generated, server key fetched), in
alternating blocks with a floor block in each round.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import AsyncIterator
from typing import Any

import httpx

from nomyo_web import SecureChatCompletion
from nomyo_web.crypto import PrivateKeyHandle, PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import PATH_PUBLIC_KEY
from nomyo_web.transport import Request

from .blocks import Contender, alternate, summarise
from .floor import FloorProbe
from .sealed import MESSAGES, MODEL, open_answer, seal_request
from .servers import floor_server
from .stats import ratio, rounded
from .transports import TRANSPORTS, make_transport

__all__ = ["Target", "measure_cpython", "measure_transports", "server_context"]

_backend = PycaBackend()


class Target:
    """The router under test, its key, a client key, and one real sealed exchange's sizes."""

    def __init__(self, url: str, pid: int, server_key: PublicKeyHandle, key: PrivateKeyHandle):
        self.url, self.pid, self.server_key, self.client_key = url, pid, server_key, key
        self.answer_bytes = 0


@contextlib.asynccontextmanager
async def server_context(url: str, pid: int, key: PrivateKeyHandle) -> AsyncIterator[Target]:
    """Fetch the router's key and make one real exchange (to size the floor's answer)."""
    async with httpx.AsyncClient() as client:
        pem = (await client.get(url + PATH_PUBLIC_KEY)).text
        target = Target(url, pid, _backend.load_public_key_sync(pem), key)
        probe = seal_request(url, target.server_key, key)
        answer = await client.post(probe.url, headers=probe.headers, content=probe.body)
        answer.raise_for_status()
        open_answer(answer.content, key, probe.payload_id)
        target.answer_bytes = len(answer.content)
    yield target


def _new_ours(url: str, transport: Any = None) -> SecureChatCompletion:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SecureChatCompletion(base_url=url, allow_http=True, transport=transport)


def _new_official(url: str) -> Any:
    from nomyo import SecureChatCompletion as Official

    logging.getLogger("nomyo").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Official(base_url=url, allow_http=True)


def _caller(client: Any) -> Any:
    async def call() -> None:
        answer = await client.create(model=MODEL, messages=MESSAGES)
        if answer["choices"][0]["message"]["content"] != MESSAGES[0]["content"]:
            raise RuntimeError("unexpected answer")

    return call


async def _warm(call: Any, times: int) -> None:
    for _ in range(times):
        await call()


async def measure_cpython(target: Target, plan: dict[str, int]) -> dict[str, Any]:
    """Sequential calls/s of both clients and nomyo_web's latency over the floor."""
    ours, official = _new_ours(target.url), _new_official(target.url)
    with floor_server(target.answer_bytes) as (floor_url, _pid):
        sample = seal_request(floor_url, target.server_key, target.client_key)
        probe = FloorProbe(sample.url, sample, target.client_key)
        try:
            await _warm(_caller(ours), 5)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                await _warm(_caller(official), 2)
            await probe.block(5, 5)
            probe.blocks.clear()

            async def floor_block() -> None:
                await probe.block(plan["rsa"], plan["trips"])

            contenders = [
                Contender("nomyo_web", _caller(ours), plan["ours"]),
                Contender("nomyo_0_2_9", _caller(official), plan["official"]),
                Contender("floor", floor_block, 1),
            ]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                blocks = await alternate(contenders, plan["rounds"], target.pid)
        finally:
            await ours.aclose()
            await probe.aclose()
    floor = probe.summary()
    floor["answer_bytes"] = target.answer_bytes
    mine, theirs = summarise(blocks["nomyo_web"]), summarise(blocks["nomyo_0_2_9"])
    pairs = [
        a.calls_per_s / b.calls_per_s
        for a, b in zip(blocks["nomyo_web"], blocks["nomyo_0_2_9"], strict=True)
    ]
    return {
        "nomyo_web": mine,
        "nomyo_0_2_9": theirs,
        "floor": floor,
        "ratio_calls_per_s": rounded(ratio(mine["calls_per_s"], theirs["calls_per_s"])),
        "ratio_calls_per_s_rounds": [rounded(min(pairs)), rounded(max(pairs))],
        "nomyo_web_over_floor": rounded(
            ratio(mine["latency_median_ms"], floor["floor_per_call_ms"])
        ),
    }


def _round_trip(transport: Any, floor_url: str, sample: Any) -> Any:
    request = Request("POST", floor_url, sample.headers, sample.body, 30.0)

    async def call() -> None:
        answer = await transport.handle_async_request(request)
        if answer.status_code != 200:
            raise RuntimeError(f"floor server answered {answer.status_code}")

    return call


async def measure_transports(target: Target, plan: dict[str, int]) -> dict[str, Any]:
    """nomyo_web with each transport (calls/s, CPU) and each transport's bare round trip."""
    names, skipped = [], {}
    for name in TRANSPORTS:
        try:
            await make_transport(name).aclose()
            names.append(name)
        except ImportError as exc:
            skipped[name] = f"not installed ({exc.name})"
    transports = {name: make_transport(name) for name in names}
    raw = {name: make_transport(name) for name in names}
    clients = {name: _new_ours(target.url, transports[name]) for name in names}
    with floor_server(target.answer_bytes) as (floor_url, _pid):
        sample = seal_request(floor_url, target.server_key, target.client_key)
        try:
            contenders = []
            for name in names:
                await _warm(_caller(clients[name]), 5)
                await _warm(_round_trip(raw[name], sample.url, sample), 20)
                contenders.append(Contender(name, _caller(clients[name]), plan["ours"]))
                contenders.append(
                    Contender(
                        f"{name}_rt", _round_trip(raw[name], sample.url, sample), plan["trips"]
                    )
                )
            blocks = await alternate(contenders, plan["rounds"], target.pid)
        finally:
            for name in names:
                await clients[name].aclose()
                await transports[name].aclose()
                await raw[name].aclose()
    result: dict[str, Any] = {}
    for name in names:
        calls, trips = summarise(blocks[name]), summarise(blocks[f"{name}_rt"])
        result[name] = {
            "calls_per_s": calls["calls_per_s"],
            "latency_median_ms": calls["latency_median_ms"],
            "client_cpu_per_call_ms": calls["client_cpu_per_call_ms"],
            "round_trip_median_ms": trips["latency_median_ms"],
            "round_trip_cpu_ms": trips["client_cpu_per_call_ms"],
        }
    return {"transports": result, "skipped": skipped} if skipped else {"transports": result}
