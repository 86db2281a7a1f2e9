"""The embedded engine behind a real router process, reached through ``nomyo_web``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from nomyo_web import SecureChatCompletion
from tests.support.router import RouterProcess, start_router

from .conftest import WEATHER


@pytest.fixture(scope="module")
def embedded_router(model_path: Path) -> Iterator[RouterProcess]:
    with start_router("--model", str(model_path), "--threads", "1") as router:
        router.wait_for_log(r"loaded in", timeout=120)
        yield router


@pytest.mark.filterwarnings("ignore:nomyo_web. allow_http=True:UserWarning")
async def test_capital_question_and_forced_tool_through_the_router(
    embedded_router: RouterProcess,
) -> None:
    async with SecureChatCompletion(base_url=embedded_router.url, allow_http=True) as client:
        answer = await client.create(
            model="smollm2",
            messages=[
                {"role": "system", "content": ""},
                {"role": "user", "content": "What is the capital of France?"},
            ],
            temperature=0,
            max_tokens=32,
        )
        assert answer["model"] == "smollm2"
        message = answer["choices"][0]["message"]
        assert message["role"] == "assistant"
        assert isinstance(message["content"], str) and message["content"].strip()
        usage = answer["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]

        called = await client.create(
            model="smollm2",
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
            tools=[WEATHER],
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            max_tokens=48,
        )
        choice = called["choices"][0]
        assert choice["finish_reason"] == "tool_calls"
        (call,) = choice["message"]["tool_calls"]
        assert call["function"]["name"] == "get_weather"
        assert isinstance(json.loads(call["function"]["arguments"])["location"], str)
    assert "What is the capital" not in embedded_router.logs()
