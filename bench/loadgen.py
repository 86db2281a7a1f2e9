"""The router load generator, in its own process: pre-sealed requests at N in flight.

``python -m bench.loadgen URL ROUTER_PID KEY_PEM LEVELS PER_LEVEL ROUNDS`` prints
one JSON line: for each level, requests/s, the router's CPU per request (its
whole process tree, from /proc) and this process's own CPU per request.

Every request is sealed before the clock starts, each with its own AES key,
nonce and payload id, so the replay cache never answers from memory and the
generator does no RSA work while measuring. Answers are counted, not opened,
except one per level, opened to prove the answers real. One aiohttp
connection per request in flight (httpx when aiohttp is missing).
"""

from __future__ import annotations

import asyncio
import collections
import json
import sys
import time
from pathlib import Path
from typing import Any

from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import PATH_PUBLIC_KEY

from .machine import tree_cpu_seconds
from .sealed import SealedRequest, open_answer, seal_requests


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


async def _measure(
    url: str, pid: int, key_pem: bytes, levels: list[int], per_level: int, rounds: int
) -> dict[str, Any]:
    backend = PycaBackend()
    key = backend.load_private_key_pem(key_pem)
    results: dict[int, list[dict[str, float]]] = {level: [] for level in levels}
    name = ""
    failure_kinds: collections.Counter[str] = collections.Counter()
    for index in range(rounds):
        order = levels if index % 2 == 0 else list(reversed(levels))
        for level in order:
            client = _Client(level)
            name = client.name
            server_key = backend.load_public_key_sync(await client.get(url + PATH_PUBLIC_KEY))
            try:
                warm = seal_requests(2 * level, url, server_key, key)
                _, _, warm_failures = await _level(client, warm, level)  # open the connections
                batch = seal_requests(per_level, url, server_key, key)
                router_cpu, own_cpu = tree_cpu_seconds(pid), time.process_time()
                wall, first, failures = await _level(client, batch, level)
                router_cpu = tree_cpu_seconds(pid) - router_cpu
                own_cpu = time.process_time() - own_cpu
            finally:
                await client.aclose()
            open_answer(first, key, batch[0].payload_id)  # the answers are real
            results[level].append(
                {
                    "requests_per_s": per_level / wall,
                    "router_cpu_per_request_ms": router_cpu * 1000 / per_level,
                    "loadgen_cpu_per_request_ms": own_cpu * 1000 / per_level,
                    "router_cores_busy": router_cpu / wall,
                    "failed_requests": sum(failures.values()) + sum(warm_failures.values()),
                }
            )
            failure_kinds.update(warm_failures)
            failure_kinds.update(failures)
    return {
        "client": name,
        "levels": {str(level): blocks for level, blocks in results.items()},
        "failure_kinds": dict(failure_kinds),
    }


def main(argv: list[str]) -> None:
    url, pid, key_path, levels, per_level, rounds = argv
    try:
        result = asyncio.run(
            _measure(
                url,
                int(pid),
                Path(key_path).read_bytes(),
                [int(level) for level in levels.split(",")],
                int(per_level),
                int(rounds),
            )
        )
    except LoadError as error:
        sys.stderr.write(f"LoadError: {error}\n")
        raise SystemExit(1) from None
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
