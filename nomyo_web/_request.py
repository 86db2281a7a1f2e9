"""A ``create()`` call's arguments as the sealed request: checked, merged, serialised.

Every keyword that is not a client option goes into the sealed payload
untouched, as in ``nomyo`` — except a likely misspelling of a client option
(``security_teir``, ``apikey``, ``max_retry``): a keyword that is not a
parameter of OpenAI's chat-completions API and is within edit distance 3 of a
client option raises ``InvalidParameterError`` naming the option meant, before
anything is sent, instead of being sealed into the payload while the request
runs with the default. A deliberate extra field goes in ``extra_body={...}``,
merged into the payload last, as the OpenAI SDK does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InvalidParameterError
from .protocol import MAX_PLAINTEXT_BYTES, wipe

__all__ = [
    "CALL_OPTIONS",
    "CONSTRUCTOR_OPTIONS",
    "OPENAI_CHAT_PARAMETERS",
    "check_parameters",
    "edit_distance",
    "serialise_request",
]

OPENAI_CHAT_PARAMETERS = frozenset(
    {
        # The request body of POST /v1/chat/completions (OpenAI's API reference).
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "messages",
        "metadata",
        "modalities",
        "model",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)
"""Never mistaken for a misspelt client option, however close (``service_tier``)."""

CALL_OPTIONS = (
    "security_tier",
    "api_key",
    "timeout",
    "max_retries",
    "base_url",
    "response_auth",
)
"""Options of ``create()`` that steer the call and are never sent in the payload."""

CONSTRUCTOR_OPTIONS = (
    "allow_http",
    "secure_memory",
    "key_dir",
    "key_rotation_interval",
    "server_key_fingerprint",
    "transport",
    "logger",
    "crypto",
)
"""Options of the constructor only; given to ``create()`` they are a mistake."""

_SDK_ONLY = ("extra_headers", "extra_query")
MAX_TYPO_DISTANCE = 3


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


def _nearest_option(name: str) -> str | None:
    best: tuple[int, str] | None = None
    for option in (*CALL_OPTIONS, *CONSTRUCTOR_OPTIONS, "extra_body"):
        distance = edit_distance(name.lower(), option)
        if distance <= MAX_TYPO_DISTANCE and (best is None or distance < best[0]):
            best = (distance, option)
    return best[1] if best is not None else None


def check_parameters(params: Mapping[str, Any]) -> None:
    """Refuse keywords that are surely mistakes: misspelt or misplaced client options.

    Raises:
        InvalidParameterError: naming the keyword and what was probably meant.
    """
    for name in params:
        if name in OPENAI_CHAT_PARAMETERS:
            continue
        if name in CONSTRUCTOR_OPTIONS:
            raise InvalidParameterError(
                f"{name} is an option of the client's constructor, not of create()"
            )
        if name in _SDK_ONLY:
            raise InvalidParameterError(
                f"{name} is not supported: only the protocol's own headers are sent, to the "
                "client's base_url; put extra payload fields in extra_body={{...}}"
            )
        meant = _nearest_option(name)
        if meant is not None:
            raise InvalidParameterError(
                f"unknown parameter {name!r}: did you mean {meant!r}? It would have been "
                f"sealed into the request and ignored; to send a field named {name!r} on "
                f"purpose, pass extra_body={{{name!r}: ...}}"
            )


def _messages(messages: Any) -> list[Any]:
    if isinstance(messages, str | bytes | bytearray | Mapping) or not isinstance(
        messages, Sequence
    ):
        raise InvalidParameterError("messages must be a sequence (e.g. a list) of message dicts")
    if not all(isinstance(message, Mapping) for message in messages):
        raise InvalidParameterError("messages must be a sequence of message dicts")
    return [message if isinstance(message, dict) else dict(message) for message in messages]


def _extra_body(extra_body: Any) -> Mapping[str, Any]:
    if extra_body is None:
        return {}
    if not isinstance(extra_body, Mapping) or not all(isinstance(k, str) for k in extra_body):
        raise InvalidParameterError("extra_body must be a dict with string keys")
    return extra_body


def serialise_request(
    model: Any,
    messages: Any,
    params: Mapping[str, Any],
    extra_body: Any = None,
) -> bytearray:
    """The request's UTF-8 JSON in a buffer the caller wipes.

    Args:
        model: a non-empty model name.
        messages: any sequence of message dicts (a list, a tuple, ...).
        params: the OpenAI parameters, sealed untouched.
        extra_body: fields merged into the payload last (they win), as the OpenAI SDK does.

    Raises:
        InvalidParameterError: a bad model, messages or extra_body; parameters
            that are not JSON; a request over the protocol's 10 MiB limit.
    """
    if not isinstance(model, str) or not model:
        raise InvalidParameterError("model must be a non-empty string")
    request = {"model": model, "messages": _messages(messages), **params, **_extra_body(extra_body)}
    try:
        text = json.dumps(request, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidParameterError(
            f"request parameters must be JSON-serialisable ({type(exc).__name__})"
        ) from None
    data = bytearray(text.encode("utf-8"))
    del text
    if len(data) > MAX_PLAINTEXT_BYTES:
        size = len(data)
        wipe(data)
        raise InvalidParameterError(
            f"request is {size} bytes; the protocol's limit is {MAX_PLAINTEXT_BYTES} bytes"
        )
    return data
