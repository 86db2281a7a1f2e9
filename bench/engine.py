"""The embedded model through the router against the same engine alone, in alternating blocks.

The router runs ``--model models/SmolLM2...gguf --threads 1`` (no upstream) and
is called through nomyo_web; the engine alone is ``EmbeddedEngine`` with the
same file and thread count in this process, called with the same request.
Tokens/s is the answer's ``completion_tokens`` over the call's wall time, so
both include prompt processing. The protocol has no streaming, so time to
first token is measured as the wall time of a ``max_tokens=1`` request.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
import warnings
from pathlib import Path
from typing import Any

from nomyo_web import SecureChatCompletion
from nomyo_web.errors import NomyoError

from .blocks import Contender, alternate
from .servers import REPO_ROOT, router
from .stats import median, rounded, spread

__all__ = ["MODEL_PATH", "measure_engine", "missing"]

MODEL_PATH = REPO_ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
THREADS = 1
PROMPT = [
    {"role": "system", "content": ""},
    {"role": "user", "content": "Count from 1 to 200, separated by commas."},
]


def missing() -> str | None:
    """Why the engine section cannot run here, or None."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed"
    if not MODEL_PATH.is_file():
        return f"no model at {MODEL_PATH.relative_to(REPO_ROOT)}"
    return None


def _request(max_tokens: int) -> dict[str, Any]:
    return {
        "model": "smollm2",
        "messages": PROMPT,
        "max_tokens": max_tokens,
        "temperature": 0,
        "seed": 1,
    }


async def _wait_ready(client: SecureChatCompletion, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            await client.create(**_request(1))
            return
        except NomyoError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def _engine_alone() -> Any:
    from nomyo_router.engines.embedded import EmbeddedEngine

    engine = EmbeddedEngine(Path(MODEL_PATH), threads=THREADS)
    await engine.start()
    while not engine.ready:
        if engine.load_error:
            raise RuntimeError(engine.load_error)
        await asyncio.sleep(0.05)
    return engine


def _counter(call: Any, max_tokens: int, sink: list[tuple[int, float]]) -> Any:
    async def run() -> None:
        began = time.perf_counter()
        answer = await call(**_request(max_tokens))
        sink.append((int(answer["usage"]["completion_tokens"]), time.perf_counter() - began))

    return run


def _rates(samples: list[tuple[int, float]]) -> list[float]:
    return [tokens / seconds for tokens, seconds in samples]


async def measure_engine(plan: dict[str, int]) -> dict[str, Any]:
    with router("--model", str(MODEL_PATH), "--threads", str(THREADS)) as proc:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client = SecureChatCompletion(base_url=proc.url, allow_http=True, max_retries=0)
        engine = await _engine_alone()
        try:
            await _wait_ready(client)
            await engine.complete(_request(1))  # the engine's first generation is slow

            async def alone(**request: Any) -> dict[str, Any]:
                result: dict[str, Any] = await engine.complete(request)
                return result

            routed: list[tuple[int, float]] = []
            direct: list[tuple[int, float]] = []
            first_routed: list[tuple[int, float]] = []
            first_direct: list[tuple[int, float]] = []
            tokens, per_block = plan["max_tokens"], plan["per_block"]
            await alternate(
                [
                    Contender("router", _counter(client.create, tokens, routed), per_block),
                    Contender("alone", _counter(alone, tokens, direct), per_block),
                ],
                plan["rounds"],
                proc.proc.pid,
            )
            await alternate(
                [
                    Contender("router", _counter(client.create, 1, first_routed), plan["ttft"]),
                    Contender("alone", _counter(alone, 1, first_direct), plan["ttft"]),
                ],
                plan["rounds"],
            )
        finally:
            await client.aclose()
            await engine.aclose()
    through, bare = median(_rates(routed)), median(_rates(direct))
    return {
        "threads": THREADS,
        "max_tokens": tokens,
        "completion_tokens_median": rounded(median([t for t, _ in routed])),
        "tokens_per_s_through_router": rounded(through),
        "tokens_per_s_through_router_calls": spread(_rates(routed)),
        "tokens_per_s_engine_alone": rounded(bare),
        "tokens_per_s_engine_alone_calls": spread(_rates(direct)),
        "router_over_alone": rounded(through / bare),
        "first_token_ms_through_router": rounded(median([s * 1000 for _, s in first_routed])),
        "first_token_ms_engine_alone": rounded(median([s * 1000 for _, s in first_direct])),
    }
