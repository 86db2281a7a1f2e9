"""A whole ``chat.completion`` as the ``text/event-stream`` a streaming call expects.

The protocol answers whole, so for ``stream=True`` the transport asks for the
whole answer and replays it as OpenAI's stream format: for each choice, one
``chat.completion.chunk`` whose ``delta`` holds the whole message (role,
content, tool calls with their ``index``, refusal, reasoning and any other
field the server sent), then one with an empty delta and the
``finish_reason``; with ``stream_options={"include_usage": true}`` every chunk
carries ``"usage": null`` and a last chunk with no choices carries the usage;
then ``data: [DONE]``. Accumulating the chunks, as the SDK's stream helpers
do, gives back exactly the message of the whole answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["CHUNK_OBJECT", "EVENT_STREAM", "completion_chunks", "completion_event_stream"]

CHUNK_OBJECT = "chat.completion.chunk"
EVENT_STREAM = "text/event-stream; charset=utf-8"
_DONE = b"data: [DONE]\n\n"
# Fields of the completion every chunk repeats; ``choices`` and ``usage`` are per chunk.
_SHARED = ("id", "created", "model", "system_fingerprint", "service_tier", "_metadata")


def _delta(message: Mapping[str, Any]) -> dict[str, Any]:
    """The message as one delta: tool calls gain the ``index`` streaming consumers key on."""
    delta = dict(message)
    tool_calls = delta.get("tool_calls")
    if isinstance(tool_calls, list):
        delta["tool_calls"] = [
            {"index": index, **call} if isinstance(call, Mapping) else call
            for index, call in enumerate(tool_calls)
        ]
    return delta


def _choice_chunks(choice: Mapping[str, Any], position: int) -> Iterator[dict[str, Any]]:
    index = choice.get("index", position)
    message = choice.get("message")
    content: dict[str, Any] = {
        "index": index,
        "delta": _delta(message if isinstance(message, Mapping) else {}),
        "logprobs": choice.get("logprobs"),
        "finish_reason": None,
    }
    yield content
    yield {
        "index": index,
        "delta": {},
        "logprobs": None,
        "finish_reason": choice.get("finish_reason"),
    }


def completion_chunks(completion: Mapping[str, Any], include_usage: bool) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects that stream ``completion``, in order."""
    shared = {key: completion[key] for key in _SHARED if key in completion}
    shared["object"] = CHUNK_OBJECT
    choices = completion.get("choices")
    chunks = []
    for position, choice in enumerate(choices if isinstance(choices, list) else []):
        if isinstance(choice, Mapping):
            chunks += [{**shared, "choices": [part]} for part in _choice_chunks(choice, position)]
    if include_usage:
        for chunk in chunks:
            chunk["usage"] = None
        chunks.append({**shared, "choices": [], "usage": completion.get("usage")})
    return chunks


def completion_event_stream(completion: Mapping[str, Any], include_usage: bool) -> bytes:
    """``completion`` as the bytes of a server-sent event stream, ``data: [DONE]`` last."""
    events = [
        b"data: " + json.dumps(chunk, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"
        for chunk in completion_chunks(completion, include_usage)
    ]
    return b"".join(events) + _DONE
