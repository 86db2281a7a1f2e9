"""Tool calls from the real model: forced choices are grammar-constrained JSON.

The SmolLM2 template does not render tools, so ``auto`` answers in text; a
forced choice (``required`` or a named function) must come back as OpenAI
``tool_calls`` whose arguments parse as JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from nomyo_router.engines.embedded import EmbeddedEngine

from .conftest import WEATHER, ask

TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"zone": {"type": "string", "maxLength": 30}},
            "required": ["zone"],
        },
    },
}
QUESTION = [{"role": "user", "content": "What is the weather like in Paris today?"}]


def only_call(answer: dict[str, Any]) -> dict[str, Any]:
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert isinstance(call, dict)
    return call


@pytest.mark.parametrize(
    "tool_choice",
    ["required", {"type": "function", "function": {"name": "get_weather"}}],
    ids=["required", "named"],
)
async def test_forced_get_weather_returns_a_tool_call_with_json_arguments(
    engine: EmbeddedEngine, tool_choice: object
) -> None:
    answer = await ask(
        engine,
        {"messages": QUESTION, "tools": [WEATHER], "tool_choice": tool_choice, "max_tokens": 48},
    )
    call = only_call(answer)
    assert call["function"]["name"] == "get_weather"
    arguments = json.loads(call["function"]["arguments"])
    assert isinstance(arguments["location"], str)
    usage = answer["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


async def test_named_choice_among_several_tools_calls_that_tool(engine: EmbeddedEngine) -> None:
    choice = {"type": "function", "function": {"name": "get_time"}}
    answer = await ask(
        engine,
        {"messages": QUESTION, "tools": [WEATHER, TIME], "tool_choice": choice, "max_tokens": 48},
    )
    call = only_call(answer)
    assert call["function"]["name"] == "get_time"
    assert isinstance(json.loads(call["function"]["arguments"])["zone"], str)


async def test_required_among_several_tools_calls_one_of_them(engine: EmbeddedEngine) -> None:
    answer = await ask(
        engine,
        {
            "messages": QUESTION,
            "tools": [WEATHER, TIME],
            "tool_choice": "required",
            "temperature": 0,
            "max_tokens": 96,
        },
    )
    call = only_call(answer)
    arguments = json.loads(call["function"]["arguments"])
    expected = {"get_weather": "location", "get_time": "zone"}
    assert isinstance(arguments[expected[call["function"]["name"]]], str)


@pytest.mark.parametrize("tool_choice", ["none", "auto", None])
async def test_unforced_choices_answer_in_text(engine: EmbeddedEngine, tool_choice: object) -> None:
    request: dict[str, Any] = {"messages": QUESTION, "tools": [WEATHER], "max_tokens": 16}
    if tool_choice is not None:
        request["tool_choice"] = tool_choice
    answer = await ask(engine, request)
    choice = answer["choices"][0]
    assert "tool_calls" not in choice["message"]
    assert isinstance(choice["message"]["content"], str)
    assert choice["finish_reason"] in ("stop", "length")


async def test_a_schema_the_grammar_converter_cannot_take_still_gives_json(
    engine: EmbeddedEngine,
) -> None:
    odd = {
        "type": "function",
        "function": {
            "name": "odd",
            "parameters": {"type": "object", "properties": {"x": {"$ref": "#/nowhere"}}},
        },
    }
    answer = await ask(
        engine,
        {"messages": QUESTION, "tools": [odd], "tool_choice": "required", "max_tokens": 48},
    )
    choice = answer["choices"][0]
    (call,) = choice["message"]["tool_calls"]
    if choice["finish_reason"] == "tool_calls":
        assert isinstance(json.loads(call["function"]["arguments"]), dict)
    else:
        assert choice["finish_reason"] == "length"


async def test_a_tool_cut_off_by_max_tokens_reports_length(engine: EmbeddedEngine) -> None:
    answer = await ask(
        engine,
        {"messages": QUESTION, "tools": [WEATHER], "tool_choice": "required", "max_tokens": 2},
    )
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "length"
    (call,) = choice["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert answer["usage"]["completion_tokens"] <= 2


async def test_earlier_tool_turns_in_the_history_are_accepted(engine: EmbeddedEngine) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
    }
    history = [
        *QUESTION,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature_c": 21}'},
    ]
    answer = await ask(engine, {"messages": history, "tools": [WEATHER], "max_tokens": 16})
    assert isinstance(answer["choices"][0]["message"]["content"], str)
