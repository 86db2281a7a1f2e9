"""The OpenAI SDK's figures on CPython, in the OpenAI-SDK environment (newest openai, httpx2).

    PYTHONPATH=. <openai-sdk env>/bin/python -m bench.openai_child URL PID PLAN_JSON

Run by bench/openai_sdk.py (the suite's .venv cannot hold openai beside nomyo==0.2.9).
Against the router at URL (process PID), in alternating blocks: ``create`` is
``SecureChatCompletion.create()``; ``sdk`` is ``openai.AsyncOpenAI`` over
``AsyncSecureTransport``, ``chat.completions.create()``; ``sdk_raw`` is the same
call through ``with_raw_response`` (the SDK's request path without its pydantic
parsing); that parsing is timed apart, as ``parse()`` of the raw answers kept
from the ``sdk_raw`` blocks (each parsed once, after the blocks). Then the
transport seam's comparison in this environment (httpx against httpx2 and
httpcore). Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import warnings
from importlib.metadata import version
from typing import Any

import httpx2
import openai

from nomyo_web import AsyncSecureTransport, SecureChatCompletion
from nomyo_web.crypto.pyca import PycaBackend

from .blocks import Contender, alternate, summarise
from .cpython import measure_transports, server_context
from .sealed import MESSAGES, MODEL
from .stats import median, ratio, rounded


def _clients(url: str) -> tuple[SecureChatCompletion, openai.AsyncOpenAI]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = SecureChatCompletion(base_url=url, allow_http=True)
        transport = AsyncSecureTransport(allow_http=True)
    sdk = openai.AsyncOpenAI(
        base_url=url + "/v1",
        api_key="bench",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=transport),
    )
    return ours, sdk


def _calls(ours: SecureChatCompletion, sdk: openai.AsyncOpenAI, raws: list[Any]) -> dict[str, Any]:
    expected = MESSAGES[0]["content"]

    async def create() -> None:
        answer = await ours.create(model=MODEL, messages=MESSAGES)
        assert answer["choices"][0]["message"]["content"] == expected

    async def via_sdk() -> None:
        completion = await sdk.chat.completions.create(model=MODEL, messages=MESSAGES)
        assert completion.choices[0].message.content == expected

    async def via_sdk_raw() -> None:
        raw = await sdk.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
        assert raw.http_response.status_code == 200
        raws.append(raw)

    return {"create": create, "sdk": via_sdk, "sdk_raw": via_sdk_raw}


async def measure_sdk(url: str, pid: int, plan: dict[str, int]) -> dict[str, Any]:
    ours, sdk = _clients(url)
    raws: list[Any] = []
    calls = _calls(ours, sdk, raws)
    try:
        for call in calls.values():
            for _ in range(5):
                await call()
        contenders = [Contender(name, call, plan["per_block"]) for name, call in calls.items()]
        blocks = await alternate(contenders, plan["rounds"], pid)
    finally:
        await sdk.close()
        await ours.aclose()
    figures = {name: summarise(blocks[name]) for name in calls}
    create, via_sdk, raw = (figures[n]["latency_median_ms"] for n in ("create", "sdk", "sdk_raw"))
    return {
        **figures,
        "sdk_over_create": rounded(ratio(via_sdk, create)),
        "sdk_raw_over_create": rounded(ratio(raw, create)),
        "sdk_parse_ms": rounded(median(_parse_times(raws))),
    }


def _parse_times(raws: list[Any]) -> list[float]:
    """Milliseconds of the SDK's own parsing (pydantic) of each kept raw answer."""
    times = []
    for raw in raws:
        started = time.perf_counter()
        completion = raw.parse()
        times.append((time.perf_counter() - started) * 1000)
        assert completion.choices[0].message.content == MESSAGES[0]["content"]
    return times


async def main(url: str, pid: int, plan: dict[str, int]) -> dict[str, Any]:
    sdk = await measure_sdk(url, pid, plan)
    key = PycaBackend().generate_private_key_sync(4096)
    async with server_context(url, pid, key) as target:
        seam = await measure_transports(target, plan)
    names = ("openai", "httpx2", "httpx", "cryptography")
    return {**sdk, "seam": seam, "versions": {name: version(name) for name in names}}


if __name__ == "__main__":
    router_url, router_pid, plan_json = sys.argv[1:4]
    print(json.dumps(asyncio.run(main(router_url, int(router_pid), json.loads(plan_json)))))
