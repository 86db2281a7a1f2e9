"""Seal and open throughput by payload size, through a ``CryptoBackend`` and the envelope.

Standard library and nomyo_web only: the browser section runs this same file
inside Pyodide (WebCryptoBackend) that the CPython section runs with PycaBackend.
"""

from __future__ import annotations

import json
import time
from typing import Any

from nomyo_web.protocol import build_envelope, parse_envelope

SIZES = {"1 KB": 1_000, "100 KB": 100_000, "1 MB": 1_000_000, "10 MB": 10_000_000}


def plaintext_of(size: int) -> bytes:
    """A chat request of exactly ``size`` bytes (JSON, one long user message)."""
    frame = json.dumps({"model": "m", "messages": [{"role": "user", "content": ""}]})
    filler = "a" * max(0, size - len(frame))
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": filler}]}).encode()


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


async def measure_payload(backend: Any, key: Any, repeats: int) -> dict[str, Any]:
    """For each size: seal + build_envelope, parse_envelope + open; median ms and MB/s."""
    results: dict[str, Any] = {}
    for label, size in SIZES.items():
        data = plaintext_of(size)
        seal_ms, open_ms = [], []
        for _ in range(repeats + 1):  # the first is a warm-up
            began = time.perf_counter()
            body = build_envelope(await backend.seal(data, key.public))
            sealed = time.perf_counter()
            opened = await backend.open(parse_envelope(body).sealed, key)
            done = time.perf_counter()
            if bytes(opened) != data:
                raise RuntimeError("round trip changed the payload")
            seal_ms.append((sealed - began) * 1000)
            open_ms.append((done - sealed) * 1000)
        seal, opening = _median(seal_ms[1:]), _median(open_ms[1:])
        results[label] = {
            "bytes": len(data),
            "seal_ms": seal,
            "open_ms": opening,
            "seal_mb_per_s": len(data) / 1e3 / seal,
            "open_mb_per_s": len(data) / 1e3 / opening,
        }
    return results


def linearity(results: dict[str, Any]) -> dict[str, float]:
    """ms per MB at 10 MB over ms per MB at 1 MB (1.0 = linear; above ~1.3 a super-linear step)."""
    small, large = results["1 MB"], results["10 MB"]
    return {
        "seal_10mb_over_1mb_per_byte": (large["seal_ms"] / large["bytes"])
        / (small["seal_ms"] / small["bytes"]),
        "open_10mb_over_1mb_per_byte": (large["open_ms"] / large["bytes"])
        / (small["open_ms"] / small["bytes"]),
    }
