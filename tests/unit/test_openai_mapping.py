"""The OpenAI-SDK transports' pure parts: which requests are sealed and how, the event
stream a whole answer becomes, and the answer an error becomes (no httpx2 needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nomyo_web.errors import (
    InvalidParameterError,
    RateLimitError,
    UnsupportedEndpointError,
    error_from_status,
)
from nomyo_web.openai._answers import completion_answer, error_answer
from nomyo_web.openai._call import read_call, read_payload, request_timeout
from nomyo_web.openai._sse import completion_event_stream
from nomyo_web.protocol import MAX_PLAINTEXT_BYTES

CHAT = "https://api.nomyo.ai/v1/chat/completions"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        (CHAT, "https://api.nomyo.ai"),
        ("https://api.nomyo.ai/chat/completions", "https://api.nomyo.ai"),
        ("http://127.0.0.1:12435/proxy/v1/chat/completions/", "http://127.0.0.1:12435"),
        ("http://[::1]:8080/v1/chat/completions", "http://[::1]:8080"),
    ],
)
def test_chat_completions_map_to_the_origin_of_the_sdks_url(url: str, origin: str) -> None:
    call = read_call("POST", url, {"Authorization": "Bearer k"}, {})
    assert (call.origin, call.api_key) == (origin, "k")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "https://api.nomyo.ai/v1/embeddings"),
        ("GET", "https://api.nomyo.ai/v1/models"),
        ("POST", "https://api.nomyo.ai/v1/files"),
        ("POST", "https://api.nomyo.ai/v1/completions"),
        ("POST", "https://api.nomyo.ai/v1/responses"),
        ("GET", CHAT),  # the stored-completions list
        ("POST", CHAT + "/chatcmpl-1"),  # updating a stored completion
        ("DELETE", CHAT + "/chatcmpl-1"),
        ("POST", CHAT + "?api-version=1"),  # a query the sealed request cannot carry
    ],
)
def test_every_other_endpoint_is_refused(method: str, url: str) -> None:
    with pytest.raises(UnsupportedEndpointError):
        read_call(method, url, {}, {})


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(InvalidParameterError):
        read_call("POST", "https://user:pw@api.nomyo.ai/v1/chat/completions", {}, {})


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ({}, None),
        ({"authorization": "Bearer abc"}, "abc"),
        ({"AUTHORIZATION": "bearer  abc "}, "abc"),
        ({"Authorization": "Bearer "}, None),
    ],
)
def test_the_api_key_is_the_bearer_token(headers: dict[str, str], key: str | None) -> None:
    assert read_call("POST", CHAT, headers, {}).api_key == key


def test_another_authorization_scheme_is_refused_without_echoing_it() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        read_call("POST", CHAT, {"Authorization": "Basic c2VjcmV0"}, {})
    assert "c2VjcmV0" not in str(caught.value)


def test_the_tier_header_is_read_whatever_its_case() -> None:
    call = read_call("POST", CHAT, {"x-security-tier": "maximum"}, {})
    assert call.security_tier == "maximum"


@pytest.mark.parametrize(
    ("extensions", "seconds"),
    [
        ({"timeout": {"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}}, 600.0),
        ({"timeout": {"connect": 5.0, "read": 2, "write": None, "pool": None}}, 2.0),
        ({"timeout": {"connect": None, "read": None, "write": None, "pool": None}}, None),
        ({}, None),
    ],
)
def test_the_attempts_limit_is_the_sdks_read_timeout(
    extensions: dict[str, Any], seconds: float | None
) -> None:
    assert request_timeout(extensions) == seconds


def test_a_whole_request_is_sealed_exactly_as_the_sdk_serialised_it() -> None:
    body = b'{"messages":[{"role":"user","content":"hi"}],"model":"m","seed":1}'
    payload = read_payload(body)
    assert (bytes(payload.plaintext), payload.stream) == (body, False)


def test_a_streaming_request_is_sealed_without_its_stream_fields() -> None:
    request = {
        "model": "m",
        "messages": [{"role": "user", "content": "é"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "tools": [],
    }
    payload = read_payload(json.dumps(request).encode())
    sealed = json.loads(payload.plaintext)
    assert sealed == {"model": "m", "messages": request["messages"], "tools": []}
    assert (payload.stream, payload.include_usage) == (True, True)


@pytest.mark.parametrize("body", [b"", b"not json", b"[1]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidParameterError):
        read_payload(body)


def test_a_body_over_the_protocols_limit_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidParameterError, match="limit"):
        read_payload(b" " * (MAX_PLAINTEXT_BYTES + 1))


def _events(stream: bytes) -> list[str]:
    assert stream.endswith(b"\n\n")
    blocks = stream.decode().split("\n\n")[:-1]
    assert all(block.startswith("data: ") and "\n" not in block for block in blocks)
    return [block.removeprefix("data: ") for block in blocks]


def _rebuild(chunks: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """What a streaming consumer accumulates: per choice, the message and finish reason."""
    built: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            entry = built.setdefault(choice["index"], {"message": {}, "finish_reason": None})
            for name, value in choice["delta"].items():
                if name == "tool_calls":
                    entry["message"]["tool_calls"] = [
                        {k: v for k, v in call.items() if k != "index"} for call in value
                    ]
                else:
                    entry["message"][name] = value
            entry["finish_reason"] = choice["finish_reason"] or entry["finish_reason"]
    return built


texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
tool_calls = st.lists(
    st.fixed_dictionaries(
        {
            "id": texts,
            "type": st.just("function"),
            "function": st.fixed_dictionaries({"name": texts, "arguments": texts}),
        }
    ),
    min_size=1,
    max_size=3,
)
messages = st.one_of(
    st.fixed_dictionaries({"role": st.just("assistant"), "content": texts}),
    st.fixed_dictionaries(
        {"role": st.just("assistant"), "content": st.none(), "tool_calls": tool_calls}
    ),
    st.fixed_dictionaries(
        {"role": st.just("assistant"), "content": texts, "reasoning_content": texts}
    ),
)
completions = st.builds(
    lambda choices, usage: {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 7,
        "model": "m",
        "choices": [
            {"index": i, "message": message, "finish_reason": reason, "logprobs": None}
            for i, (message, reason) in enumerate(choices)
        ],
        "usage": usage,
        "_metadata": {"payload_id": "p"},
    },
    st.lists(
        st.tuples(messages, st.sampled_from(["stop", "length", "tool_calls"])),
        min_size=1,
        max_size=3,
    ),
    st.fixed_dictionaries(
        {"prompt_tokens": st.integers(0, 99), "total_tokens": st.integers(0, 99)}
    ),
)


@settings(max_examples=200, deadline=None)
@given(completion=completions, include_usage=st.booleans())
def test_the_event_stream_rebuilds_exactly_the_whole_answer(
    completion: dict[str, Any], include_usage: bool
) -> None:
    events = _events(completion_event_stream(completion, include_usage))
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert all(
        (chunk["id"], chunk["created"], chunk["model"]) == ("chatcmpl-1", 7, "m")
        for chunk in chunks
    )
    rebuilt = _rebuild(chunks)
    assert rebuilt == {
        choice["index"]: {"message": choice["message"], "finish_reason": choice["finish_reason"]}
        for choice in completion["choices"]
    }
    if include_usage:
        assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == completion["usage"]
        assert all(chunk["usage"] is None for chunk in chunks[:-1])
    else:
        assert all("usage" not in chunk for chunk in chunks)


def test_a_whole_answer_is_json_and_a_stream_is_an_event_stream() -> None:
    completion = {"id": "c", "choices": [], "model": "m", "created": 1}
    whole = completion_answer(completion, stream=False, include_usage=False)
    assert (whole.status_code, whole.headers["content-type"]) == (200, "application/json")
    assert json.loads(whole.content) == completion
    stream = completion_answer(completion, stream=True, include_usage=False)
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.content == b"data: [DONE]\n\n"


def test_an_error_answer_carries_the_servers_body_and_retry_after() -> None:
    error = error_from_status(429, {"detail": "slow down"})
    answer = error_answer(error, "7")
    assert answer.status_code == 429
    assert json.loads(answer.content) == {"detail": "slow down"}
    assert answer.headers == {"content-type": "application/json", "retry-after": "7"}


def test_an_error_without_a_body_answers_its_message_as_the_detail() -> None:
    answer = error_answer(RateLimitError("Rate limit exceeded"))
    assert (answer.status_code, json.loads(answer.content)) == (
        429,
        {"detail": "Rate limit exceeded"},
    )
    assert "retry-after" not in answer.headers
