"""Faults, each recovered from or reported as the right typed error, never silently.

Upstream refusing connections, hanging past the timeout, answering garbage or
5xx; the router SIGKILLed and restarted on the same port and key file under
load; the router's key rotated under load (with a grace period, and with none,
which makes clients re-fetch the key and reseal); the client's key rotated
under load.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

from nomyo_web import APITimeoutError, NomyoError, ServerError, ServiceUnavailableError
from nomyo_web.crypto.pyca import PycaBackend

from .load import MARKER, make_client, one_request, run_load
from .processes import StubProcess, free_port, start_router_on

__all__ = ["run_faults"]

_backend = PycaBackend()


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def _expect(client: Any, error: type[NomyoError] | None, **options: Any) -> str:
    """One request: 'ok' or the name of the typed error; checks it is ``error``."""
    try:
        await client.create(model="soak", messages=[{"role": "user", "content": "x"}], **options)
    except NomyoError as caught:
        assert error is not None and isinstance(caught, error), f"got {caught!r}"
        return f"{type(caught).__name__}({caught.status_code})"
    assert error is None, f"expected {error.__name__}, got an answer"
    return "ok"


async def _upstream_faults(stub: StubProcess, key_file: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    dead = free_port()
    with start_router_on(free_port(), key_file, f"http://127.0.0.1:{dead}") as router:
        client = make_client(router.url, max_retries=0)
        seen["refused"] = await _expect(client, ServiceUnavailableError)
        with StubProcess(dead):
            seen["refused_then_upstream_up"] = await _expect(client, None)
        await client.aclose()
    with start_router_on(free_port(), key_file, stub.url, "--upstream-timeout", "2") as router:
        client = make_client(router.url, max_retries=2)
        for name, script, final in (
            ("hang", {"hang": True}, ServerError),  # 504 from the router
            ("garbage", {"garbage": True}, ServerError),  # 502
            ("http_500", {"status": 500}, ServerError),  # 502
            ("http_503", {"status": 503}, ServiceUnavailableError),  # 503 passed on
        ):
            stub.reset()
            stub.push(times=1, **script)
            seen[f"{name}_once_recovered"] = await _expect(client, None)
            assert stub.stats(MARKER)["calls"] == 2, "one failed attempt, one retry"
            stub.push(times=3, **script)
            seen[f"{name}_persistent"] = await _expect(client, final)
        stub.reset()
        stub.push(times=1, hang=True)
        seen["hang_past_client_timeout"] = await _expect(
            client, APITimeoutError, timeout=1.0, max_retries=0
        )
        stub.reset()
        seen["after_all_faults"] = await _expect(client, None)
        await client.aclose()
    return seen


async def _router_killed(stub: StubProcess, key_file: Path, requests: int) -> dict[str, Any]:
    port = free_port()
    holder = {"router": start_router_on(port, key_file, stub.url)}
    client = make_client(holder["router"].url, max_retries=8)
    stub.reset()
    timing: dict[str, float] = {}

    async def kill_and_restart(done: int) -> None:
        if done != requests // 3 or "down" in timing:
            return
        timing["down"] = time.perf_counter()
        holder["router"].proc.kill()
        holder["router"].proc.wait()
        holder["router"] = await asyncio.to_thread(start_router_on, port, key_file, stub.url)
        timing["up"] = time.perf_counter()

    result = await run_load(client, requests, 32, None, kill_and_restart)
    await client.aclose()
    holder["router"].stop()
    nonces = stub.stats(MARKER)["nonces"]
    result.update(
        downtime_s=round(timing["up"] - timing["down"], 2),
        upstream_calls=sum(nonces.values()),
        distinct_requests_at_upstream=len(nonces),
        upstream_repeats=sum(count - 1 for count in nonces.values()),
    )
    return result


def _rotate_key_file(path: Path, pem: bytes) -> None:
    temp = path.with_suffix(".next")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(temp, path)


async def _server_key_rotation(
    stub: StubProcess, key_file: Path, requests: int, grace: str
) -> dict[str, Any]:
    own_key = key_file.with_name(f"rotating-{grace}.pem")
    own_key.write_bytes(key_file.read_bytes())
    own_key.chmod(0o600)
    counter = _Count()
    logger = logging.getLogger(f"soak.client.rotation{grace}")
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    next_pem = _backend.private_key_to_pem(_backend.generate_private_key_sync(4096))
    with start_router_on(free_port(), own_key, stub.url, "--key-grace", grace) as router:
        client = make_client(router.url, max_retries=2, logger=logger)

        async def rotate(done: int) -> None:
            if done == requests // 2:
                _rotate_key_file(own_key, next_pem)
                router.signal(1)  # SIGHUP
                await asyncio.to_thread(router.wait_for_log, "server key rotated", 30)

        result = await run_load(client, requests, 32, None, rotate)
        await client.aclose()
    result.update(
        key_grace_s=float(grace),
        reseals=sum("resealing" in message for message in counter.messages),
    )
    if grace == "0":
        assert result["reseals"] > 0, "without a grace period the clients must have resealed"
    return result


async def _client_key_rotation(stub: StubProcess, key_file: Path, requests: int) -> dict[str, Any]:
    with start_router_on(free_port(), key_file, stub.url) as router:
        client = make_client(router.url, key_rotation_interval=1)

        async def rotate(done: int) -> None:
            if done % max(1, requests // 4) == 0:
                await client._core.keys.rotate()

        result = await run_load(client, requests, 32, None, rotate)
        result.update(rotations=client._core.keys.rotations)
        assert await one_request(client, -1) is None
        await client.aclose()
    return result


async def run_faults(stub: StubProcess, key_file: Path, requests: int) -> dict[str, Any]:
    """Every fault scenario; each entry has ``passed`` and its figures."""
    results: dict[str, Any] = {}
    scenarios = {
        "upstream": lambda: _upstream_faults(stub, key_file),
        "router_killed_and_restarted": lambda: _router_killed(stub, key_file, requests),
        "server_key_rotated_with_grace": lambda: _server_key_rotation(
            stub, key_file, requests, "300"
        ),
        "server_key_rotated_no_grace": lambda: _server_key_rotation(stub, key_file, requests, "0"),
        "client_key_rotated": lambda: _client_key_rotation(stub, key_file, requests),
    }
    for name, scenario in scenarios.items():
        started = time.perf_counter()
        try:
            outcome = await scenario()
            passed = outcome.get("failures", 0) == 0
        except (AssertionError, NomyoError) as error:
            outcome, passed = {"error": f"{type(error).__name__}: {error}"}, False
        outcome.update(passed=passed, seconds=round(time.perf_counter() - started, 1))
        results[name] = outcome
    return results
