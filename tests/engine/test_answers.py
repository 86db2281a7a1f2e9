"""Text answers from the real SmolLM2 model: shape, limits, stop, seed, usage, concurrency.

The model is tiny and erratic, so these check the answer's shape and the
OpenAI semantics of each parameter, never the words.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nomyo_router.engines.embedded import EmbeddedEngine

from .conftest import MODEL_NAME, ask

CAPITAL = [
    {"role": "system", "content": ""},
    {"role": "user", "content": "What is the capital of France?"},
]
STORY = [{"role": "user", "content": "Tell me a long story about a dragon who learns to cook."}]


def check_usage(answer: dict[str, Any]) -> None:
    usage = answer["usage"]
    assert all(isinstance(usage[key], int) for key in usage)
    assert usage["prompt_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


async def test_capital_question_gets_a_non_empty_assistant_message(engine: EmbeddedEngine) -> None:
    answer = await ask(engine, {"messages": CAPITAL, "temperature": 0, "max_tokens": 32})
    assert answer["object"] == "chat.completion"
    assert answer["model"] == MODEL_NAME
    assert isinstance(answer["id"], str) and answer["id"]
    assert isinstance(answer["created"], int)
    (choice,) = answer["choices"]
    assert choice["index"] == 0
    assert choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["message"]["content"].strip()
    assert "tool_calls" not in choice["message"]
    assert choice["finish_reason"] in ("stop", "length")
    check_usage(answer)
    json.dumps(answer)  # the router seals it as JSON


async def test_model_defaults_to_the_engine_name_and_content_parts_are_text(
    engine: EmbeddedEngine,
) -> None:
    parts = [{"type": "text", "text": "What is the capital"}, {"type": "text", "text": "of Italy?"}]
    messages = [
        {"role": "developer", "content": "Answer briefly."},  # OpenAI's newer name for system
        {"role": "user", "content": parts, "name": "someone"},
    ]
    request = {"messages": messages, "max_tokens": 8}
    answer = await engine.complete(request)
    assert answer["model"] == engine.name
    assert isinstance(answer["choices"][0]["message"]["content"], str)


async def test_max_tokens_bounds_completion_tokens(engine: EmbeddedEngine) -> None:
    for name in ("max_tokens", "max_completion_tokens"):
        answer = await ask(engine, {"messages": STORY, "temperature": 0, name: 5})
        assert answer["usage"]["completion_tokens"] <= 5
        assert answer["choices"][0]["finish_reason"] == "length"
        check_usage(answer)


async def test_stop_cuts_the_answer_before_the_stop_text(engine: EmbeddedEngine) -> None:
    free = await ask(engine, {"messages": STORY, "temperature": 0, "max_tokens": 24})
    text = free["choices"][0]["message"]["content"]
    words = text.split()
    assert len(words) >= 6, "the model wrote too little to pick a stop word"
    stop = " " + words[4]
    stopped = await ask(
        engine, {"messages": STORY, "temperature": 0, "max_tokens": 24, "stop": [stop]}
    )
    content = stopped["choices"][0]["message"]["content"]
    assert stopped["choices"][0]["finish_reason"] == "stop"
    assert stop not in content
    assert text.startswith(content)
    assert len(content) < text.index(stop) + 1


async def test_same_seed_gives_the_same_answer(engine: EmbeddedEngine) -> None:
    for temperature in (0, 0.9):
        request = {"messages": STORY, "temperature": temperature, "seed": 1234, "max_tokens": 16}
        first = await ask(engine, request)
        second = await ask(engine, request)
        assert first["choices"][0]["message"] == second["choices"][0]["message"]
        assert first["usage"] == second["usage"]


async def test_usage_grows_with_the_prompt(engine: EmbeddedEngine) -> None:
    short = await ask(engine, {"messages": CAPITAL, "max_tokens": 4})
    longer = [
        *CAPITAL,
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And what is the capital of Germany, please?"},
    ]
    long = await ask(engine, {"messages": longer, "max_tokens": 4})
    check_usage(short)
    check_usage(long)
    assert long["usage"]["prompt_tokens"] > short["usage"]["prompt_tokens"]


async def test_unknown_openai_parameters_are_ignored(engine: EmbeddedEngine) -> None:
    request = {
        "messages": CAPITAL,
        "max_tokens": 4,
        "user": "someone",
        "logit_bias": {"42": 1},
        "parallel_tool_calls": True,
        "stream": False,
        "store": False,
        "metadata": {"a": "b"},
        "some_future_parameter": [1, 2, 3],
        "functions": [{"name": "legacy"}],
    }
    answer = await ask(engine, request)
    assert answer["choices"][0]["message"]["role"] == "assistant"


async def test_json_response_formats_give_json(engine: EmbeddedEngine) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 20}},
        "required": ["city"],
    }
    formats = [{"type": "json_schema", "json_schema": {"name": "city", "schema": schema}}]
    for response_format in formats:
        answer = await ask(
            engine,
            {"messages": CAPITAL, "response_format": response_format, "max_tokens": 40},
        )
        value = json.loads(answer["choices"][0]["message"]["content"])
        assert isinstance(value["city"], str)
    loose = await ask(
        engine, {"messages": CAPITAL, "response_format": {"type": "json_object"}, "max_tokens": 8}
    )
    assert loose["choices"][0]["message"]["content"].lstrip().startswith("{")


async def test_concurrent_completes_are_serialised_and_match_sequential(
    engine: EmbeddedEngine,
) -> None:
    questions = ["What is 2 + 2?", "Name a colour.", "What is the capital of Spain?"]
    requests = [
        {"messages": [{"role": "user", "content": q}], "temperature": 0, "max_tokens": 12}
        for q in questions
    ]
    sequential = [await ask(engine, request) for request in requests]
    concurrent = await asyncio.gather(*(ask(engine, request) for request in requests))
    for alone, together in zip(sequential, concurrent, strict=True):
        assert together["choices"][0]["message"] == alone["choices"][0]["message"]
