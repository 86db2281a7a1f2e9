"""Bad request shapes get ``EngineError(400)`` naming the field, never echoing content."""

from __future__ import annotations

from typing import Any

import pytest

from nomyo_router.engines import EngineError
from nomyo_router.engines.embedded import EmbeddedEngine

SECRET = "SECRET-PROMPT-7f3a"
USER = {"role": "user", "content": "hi"}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}

BAD: dict[str, Any] = {
    "not an object": [SECRET],
    "no messages": {"model": "m"},
    "messages not a list": {"messages": SECRET},
    "empty messages": {"messages": []},
    "message not an object": {"messages": [SECRET]},
    "role missing": {"messages": [{"content": SECRET}]},
    "role not a string": {"messages": [{"role": 3, "content": SECRET}]},
    "unknown role": {"messages": [{"role": SECRET, "content": "x"}]},
    "content a number": {"messages": [{"role": "user", "content": 7}]},
    "content an object": {"messages": [{"role": "user", "content": {"text": SECRET}}]},
    "image part": {
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": SECRET}}]}
        ]
    },
    "text part without text": {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
    "tool_calls not a list": {
        "messages": [{"role": "assistant", "content": None, "tool_calls": SECRET}]
    },
    "model not a string": {"model": 5, "messages": [USER]},
    "temperature a string": {"messages": [USER], "temperature": SECRET},
    "temperature too high": {"messages": [USER], "temperature": 3},
    "temperature a bool": {"messages": [USER], "temperature": True},
    "top_p over 1": {"messages": [USER], "top_p": 1.5},
    "max_tokens zero": {"messages": [USER], "max_tokens": 0},
    "max_tokens a float": {"messages": [USER], "max_tokens": 2.5},
    "max_completion_tokens negative": {"messages": [USER], "max_completion_tokens": -1},
    "stop a number": {"messages": [USER], "stop": 3},
    "stop with a number": {"messages": [USER], "stop": ["a", 3]},
    "stop empty string": {"messages": [USER], "stop": ""},
    "five stops": {"messages": [USER], "stop": ["a", "b", "c", "d", "e"]},
    "seed a float": {"messages": [USER], "seed": 1.5},
    "n two": {"messages": [USER], "n": 2},
    "tools not a list": {"messages": [USER], "tools": {"a": SECRET}},
    "tool not a function": {"messages": [USER], "tools": [{"type": "retrieval"}]},
    "tool without function": {"messages": [USER], "tools": [{"type": "function"}]},
    "tool name invalid": {
        "messages": [USER],
        "tools": [{"type": "function", "function": {"name": SECRET + " !"}}],
    },
    "tool parameters not an object": {
        "messages": [USER],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": [SECRET]}}],
    },
    "required without tools": {"messages": [USER], "tool_choice": "required"},
    "named tool not in tools": {
        "messages": [USER],
        "tools": [TOOL],
        "tool_choice": {"type": "function", "function": {"name": "get_time"}},
    },
    "tool_choice unknown": {"messages": [USER], "tools": [TOOL], "tool_choice": SECRET},
    "response_format unknown": {"messages": [USER], "response_format": {"type": SECRET}},
    "json_schema without schema": {
        "messages": [USER],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x"}},
    },
}


@pytest.mark.parametrize("request_body", BAD.values(), ids=BAD.keys())
async def test_bad_shape_is_a_400_that_does_not_echo_the_request(
    engine: EmbeddedEngine, request_body: Any
) -> None:
    with pytest.raises(EngineError) as raised:
        await engine.complete(request_body)
    assert raised.value.status == 400
    assert raised.value.retry_after is None
    assert raised.value.detail
    assert SECRET not in raised.value.detail
    assert SECRET not in str(raised.value)


async def test_a_prompt_longer_than_the_context_is_a_400(engine: EmbeddedEngine) -> None:
    huge = " ".join(["word"] * (engine.n_ctx + 200))
    with pytest.raises(EngineError) as raised:
        await engine.complete({"messages": [{"role": "user", "content": huge}], "max_tokens": 4})
    assert raised.value.status == 400
    assert "context window" in raised.value.detail
    # and the engine still answers afterwards
    answer = await engine.complete({"messages": [USER], "max_tokens": 2})
    assert answer["choices"][0]["message"]["role"] == "assistant"
