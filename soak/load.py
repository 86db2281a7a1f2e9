"""Load through nomyo_web -> router -> stub upstream, every answer checked against its request.

Each request carries a fresh nonce in its prompt; the stub echoes the prompt, so
after decryption the answer must hold exactly that nonce (and the stub must
have seen every nonce exactly once). Workers pull request numbers from one
counter, so at most ``concurrency`` requests are in flight.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import time
import uuid
import warnings
from collections.abc import Callable
from typing import Any

from nomyo_web import SecureChatCompletion

from .processes import live_heap, rss_mib

__all__ = ["MARKER", "make_client", "run_load"]

MARKER = "NONCE-"


def make_client(url: str, **options: Any) -> SecureChatCompletion:
    """A client for a loopback router (plain HTTP, so its one warning is absorbed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return SecureChatCompletion(base_url=url, allow_http=True, **options)


async def one_request(client: SecureChatCompletion, number: int) -> str | None:
    """One checked request: None when its answer is its own, else what went wrong."""
    nonce = f"{MARKER}{uuid.uuid4().hex}"
    prompt = f"soak request {number} {nonce}"
    try:
        answer = await client.create(model="soak", messages=[{"role": "user", "content": prompt}])
    except Exception as error:
        return f"{type(error).__name__}"
    if answer["choices"][0]["message"]["content"] != prompt:
        return "answer-of-another-request"
    if answer["x_stub_request"]["messages"][0]["content"] != prompt:
        return "request-mismatch"
    return None


async def run_load(
    client: SecureChatCompletion,
    requests: int,
    concurrency: int,
    pids: dict[str, int] | None = None,
    during: Callable[[int], Any] | None = None,
) -> dict[str, Any]:
    """``requests`` checked requests, ``concurrency`` at a time; ``during(done)`` after each.

    Given ``pids``, it samples every tenth of the run the RSS of those processes
    and this (the client's) process's live heap (``live_heap``), returned as
    ``rss_mib`` and ``client_live_heap``.
    """
    numbers = itertools.count()
    failures: collections.Counter[str] = collections.Counter()
    done = 0
    samples: list[dict[str, float]] = []
    heap: list[dict[str, float]] = []

    def sample() -> None:
        if pids is None:
            return
        samples.append({name: rss_mib(pid) for name, pid in pids.items()} | {"done": done})
        heap.append(live_heap() | {"done": done})

    async def worker() -> None:
        nonlocal done
        while (number := next(numbers)) < requests:
            problem = await one_request(client, number)
            if problem is not None:
                failures[problem] += 1
            done += 1
            if done % max(1, requests // 10) == 0:
                sample()
            if during is not None:
                pending = during(done)
                if asyncio.iscoroutine(pending):
                    await pending

    sample()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    sample()
    result: dict[str, Any] = {
        "requests": requests,
        "concurrency": concurrency,
        "failures": sum(failures.values()),
        "failure_kinds": dict(failures),
        "seconds": round(elapsed, 1),
        "requests_per_second": round(requests / elapsed, 1),
    }
    if pids is not None:
        result.update(rss_mib=samples, client_live_heap=heap)
    return result


def self_pid() -> int:
    return os.getpid()
