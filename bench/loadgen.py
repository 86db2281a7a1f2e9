"""The router load generator, in its own process: pre-sealed requests at N in flight.

``python -m bench.loadgen URL ROUTER_PID KEY_PEM LEVELS PER_LEVEL ROUNDS [--stub-pid PID]
[--plain]`` prints one JSON line: for each level, requests/s, the router's CPU per
request (its whole process tree, from /proc), this process's own CPU per request
and, with ``--stub-pid``, the stub upstream's.

``--plain`` is for the plain reverse proxy (``bench.plain_proxy``): the same
sealed bytes go out (sealed to the client's own key, since a proxy has none),
and an answer counts when it is the stub's ``chat.completion``, not a sealed one.

Every request is sealed before the clock starts, each with its own AES key,
nonce and payload id, so the replay cache never answers from memory and the
generator does no RSA work while measuring. Answers are counted, not opened,
except one per level, opened to prove the answers real. One aiohttp
connection per request in flight (httpx when aiohttp is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import time
from pathlib import Path
from typing import Any

from nomyo_web.crypto import PrivateKeyHandle, PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import PATH_PUBLIC_KEY

from .machine import process_cpu_seconds, tree_cpu_seconds
from .sealed import SealedRequest, open_answer, seal_requests

_backend = PycaBackend()


class LoadError(RuntimeError):
    """Some requests of a level failed; the message counts them by outcome."""


class _Client:
    def __init__(self, in_flight: int) -> None:
        try:
            import aiohttp
        except ImportError:
            import httpx

            self.name = "httpx"
            limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
            self._httpx = httpx.AsyncClient(limits=limits, timeout=120.0)
        else:
            self.name = "aiohttp"
            self._httpx = None
            connector = aiohttp.TCPConnector(limit=in_flight)
            self._aiohttp = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=120.0)
            )

    async def post(self, request: SealedRequest) -> tuple[int, bytes]:
        if self._httpx is not None:
            answer = await self._httpx.post(
                request.url, headers=request.headers, content=request.body
            )
            return answer.status_code, answer.content
        async with self._aiohttp.post(request.url, headers=request.headers, data=request.body) as a:
            return a.status, await a.read()

    async def get(self, url: str) -> str:
        if self._httpx is not None:
            return (await self._httpx.get(url)).text
        async with self._aiohttp.get(url) as answer:
            return await answer.text()

    async def aclose(self) -> None:
        if self._httpx is not None:
            await self._httpx.aclose()
        else:
            await self._aiohttp.close()


async def _level(
    client: _Client, requests: list[SealedRequest], in_flight: int
) -> tuple[float, bytes, dict[str, int]]:
    """Send all ``requests`` with ``in_flight`` workers.

    Returns the wall time, the first answer and the failures by kind. A few
    failed requests are reported with the figures; more than 5% (or no answer
    to open) stops the run with ``LoadError``.
    """
    queue = iter(requests)
    outcomes: collections.Counter[str] = collections.Counter()
    first: list[bytes] = []

    async def worker() -> None:
        for request in queue:
            try:
                status, body = await client.post(request)
            except Exception as error:  # counted and reported below, never left hanging
                cause = error.__cause__ or error.__context__
                below = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
                outcomes[f"{type(error).__name__}: {error}{below}"[:200]] += 1
                continue
            outcomes[str(status)] += 1
            if request is requests[0]:
                first.append(body)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    wall = time.perf_counter() - began
    bad = {outcome: n for outcome, n in outcomes.items() if outcome != "200"}
    if sum(bad.values()) > len(requests) // 20 or not first:
        raise LoadError(
            f"at {in_flight} in flight, {sum(bad.values())} of {len(requests)} requests "
            f"failed: {bad}"
        )
    return wall, first[0], bad


class _Clocks:
    """CPU seconds of the router's process tree, this process and the stub, read together."""

    def __init__(self, pid: int, stub_pid: int | None) -> None:
        self.pid = pid
        self.stub_pid = stub_pid

    def read(self) -> tuple[float, float, float]:
        stub = process_cpu_seconds(self.stub_pid) if self.stub_pid else 0.0
        return tree_cpu_seconds(self.pid), time.process_time(), stub

    def since(self, before: tuple[float, float, float]) -> tuple[float, float, float]:
        now = self.read()
        return now[0] - before[0], now[1] - before[1], now[2] - before[2]


def _figures(
    spent: tuple[float, float, float], wall: float, count: int, stub: bool
) -> dict[str, float]:
    router_cpu, own_cpu, stub_cpu = spent
    figures = {
        "requests_per_s": count / wall,
        "router_cpu_per_request_ms": router_cpu * 1000 / count,
        "loadgen_cpu_per_request_ms": own_cpu * 1000 / count,
        "router_cores_busy": router_cpu / wall,
        "loadgen_cores_busy": own_cpu / wall,
    }
    if stub:
        figures["stub_cpu_per_request_ms"] = stub_cpu * 1000 / count
        figures["stub_cores_busy"] = stub_cpu / wall
    return figures


def _check_plain(body: bytes) -> None:
    """The proxy's answer is the stub's completion, passed through."""
    value = json.loads(body)
    if not isinstance(value, dict) or value.get("object") != "chat.completion":
        raise RuntimeError("the proxy's answer is not the stub's completion")


async def _block(
    url: str, clocks: _Clocks, key: PrivateKeyHandle, level: int, per_level: int, plain: bool
) -> tuple[dict[str, float], collections.Counter[str], str]:
    """One measured block at ``level`` in flight on a fresh client (warmed up first)."""
    client = _Client(level)
    try:
        server_key = key.public if plain else await _server_key(client, url)
        warm = seal_requests(2 * level, url, server_key, key)
        _, _, warm_failures = await _level(client, warm, level)  # open the connections
        batch = seal_requests(per_level, url, server_key, key)
        before = clocks.read()
        wall, first, failures = await _level(client, batch, level)
        spent = clocks.since(before)
    finally:
        await client.aclose()
    if plain:
        _check_plain(first)
    else:
        open_answer(first, key, batch[0].payload_id)  # the answers are real
    figures = _figures(spent, wall, per_level, clocks.stub_pid is not None)
    figures["failed_requests"] = sum(failures.values()) + sum(warm_failures.values())
    return figures, collections.Counter(warm_failures) + collections.Counter(failures), client.name


async def _server_key(client: _Client, url: str) -> PublicKeyHandle:
    return _backend.load_public_key_sync(await client.get(url + PATH_PUBLIC_KEY))


async def _measure(
    url: str,
    clocks: _Clocks,
    key_pem: bytes,
    levels: list[int],
    per_level: int,
    rounds: int,
    plain: bool,
) -> dict[str, Any]:
    key = _backend.load_private_key_pem(key_pem)
    results: dict[int, list[dict[str, float]]] = {level: [] for level in levels}
    name = ""
    failure_kinds: collections.Counter[str] = collections.Counter()
    for index in range(rounds):
        for level in levels if index % 2 == 0 else list(reversed(levels)):
            figures, failures, name = await _block(url, clocks, key, level, per_level, plain)
            results[level].append(figures)
            failure_kinds.update(failures)
    return {
        "client": name,
        "levels": {str(level): blocks for level, blocks in results.items()},
        "failure_kinds": dict(failure_kinds),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    for name in ("url", "pid", "key_path", "levels", "per_level", "rounds"):
        parser.add_argument(name)
    parser.add_argument("--stub-pid", type=int, default=None)
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(
            _measure(
                args.url,
                _Clocks(int(args.pid), args.stub_pid),
                Path(args.key_path).read_bytes(),
                [int(level) for level in args.levels.split(",")],
                int(args.per_level),
                int(args.rounds),
                args.plain,
            )
        )
    except LoadError as error:
        sys.stderr.write(f"LoadError: {error}\n")
        raise SystemExit(1) from None
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
