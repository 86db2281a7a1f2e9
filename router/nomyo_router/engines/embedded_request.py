"""Check an OpenAI chat request and turn it into one ``Generation`` for llama.cpp.

Everything a client sends is checked here, on the event loop, before it can
reach the model thread: a wrong shape is an ``EngineError(400)`` whose detail
names the field, never its value. Parameters this engine does not know are
ignored, as OpenAI-compatible servers do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from nomyo_router.engines import EngineError

__all__ = ["Generation", "plan_generation"]

_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
_ROLES |= {"tool": "tool", "function": "tool"}
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_STOPS = 4


@dataclass(frozen=True)
class Generation:
    """What the model thread runs: template messages, sampling, and constraints."""

    model: str
    messages: list[dict[str, str]]
    sampling: dict[str, Any]
    tools: list[dict[str, Any]] | None = None
    forced_tools: list[dict[str, Any]] | None = None
    json_schema: dict[str, Any] | None = field(default=None)
    json_any: bool = False


def _bad(detail: str) -> EngineError:
    return EngineError(400, detail)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _content_text(content: object, where: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _bad(f"{where}.content must be a string, null or a list of text parts")
    texts: list[str] = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "text":
            raise _bad(f"{where}.content: only parts of type 'text' are supported")
        text = part.get("text")
        if not isinstance(text, str):
            raise _bad(f"{where}.content: a text part needs a string 'text'")
        texts.append(text)
    return "\n".join(texts)


def _calls_text(calls: object, where: str) -> str:
    """An assistant turn's earlier tool calls, as text the template can show."""
    if not isinstance(calls, list) or not all(isinstance(call, dict) for call in calls):
        raise _bad(f"{where}.tool_calls must be a list of objects")
    shown = [call.get("function") for call in calls]
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))


def _messages(value: object) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise _bad("messages must be a non-empty list")
    checked: list[dict[str, str]] = []
    for index, message in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            raise _bad(f"{where} must be an object")
        role = message.get("role")
        if not isinstance(role, str) or role not in _ROLES:
            raise _bad(f"{where}.role must be one of {', '.join(sorted(_ROLES))}")
        text = _content_text(message.get("content"), where)
        if not text and message.get("tool_calls") is not None:
            text = _calls_text(message["tool_calls"], where)
        checked.append({"role": _ROLES[role], "content": text})
    return checked


def _number(request: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = request.get(name)
    if value is None:
        return None
    if not _is_number(value) or not low <= value <= high:
        raise _bad(f"{name} must be a number from {low} to {high}")
    return float(value)


def _max_tokens(request: dict[str, Any]) -> int | None:
    for name in ("max_completion_tokens", "max_tokens"):
        value = request.get(name)
        if value is None:
            continue
        if not _is_int(value) or value < 1:
            raise _bad(f"{name} must be a positive integer")
        return int(value)
    return None


def _stop(value: object) -> list[str]:
    if value is None:
        return []
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
        raise _bad("stop must be a non-empty string or a list of non-empty strings")
    if len(stops) > _MAX_STOPS:
        raise _bad(f"stop takes at most {_MAX_STOPS} strings")
    return list(stops)


def _sampling(request: dict[str, Any]) -> dict[str, Any]:
    seed = request.get("seed")
    if seed is not None and not _is_int(seed):
        raise _bad("seed must be an integer")
    n = request.get("n")
    if n is not None and n != 1:
        raise _bad("n must be 1: the embedded engine returns one choice")
    temperature = _number(request, "temperature", 0.0, 2.0)
    top_p = _number(request, "top_p", 0.0, 1.0)
    return {
        "temperature": 1.0 if temperature is None else temperature,
        "top_p": 1.0 if top_p is None else top_p,
        "max_tokens": _max_tokens(request),
        "stop": _stop(request.get("stop")),
        "seed": None if seed is None else int(seed) % 2**32,
        "presence_penalty": _number(request, "presence_penalty", -2.0, 2.0) or 0.0,
        "frequency_penalty": _number(request, "frequency_penalty", -2.0, 2.0) or 0.0,
    }


def _tools(value: object) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _bad("tools must be a list")
    tools: list[dict[str, Any]] = []
    for index, tool in enumerate(value):
        where = f"tools[{index}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise _bad(f"{where} must be an object of type 'function'")
        function = tool.get("function")
        if not isinstance(function, dict):
            raise _bad(f"{where}.function must be an object")
        name = function.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            raise _bad(f"{where}.function.name must match {_TOOL_NAME.pattern}")
        parameters = function.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(parameters, dict):
            raise _bad(f"{where}.function.parameters must be an object (a JSON schema)")
        description = function.get("description")
        if description is not None and not isinstance(description, str):
            raise _bad(f"{where}.function.description must be a string")
        tools.append({"type": "function", "function": {**function, "parameters": parameters}})
    return tools or None


def _forced(choice: object, tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """The tools one of which must be called, or None if the model may answer in text."""
    if choice is None or choice in ("auto", "none"):
        return None
    if choice == "required":
        if tools is None:
            raise _bad("tool_choice 'required' needs tools")
        return tools
    if isinstance(choice, dict) and choice.get("type") == "function":
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str):
            raise _bad("tool_choice.function.name must be a string")
        named = [tool for tool in tools or [] if tool["function"]["name"] == name]
        if not named:
            raise _bad("tool_choice names a function that is not in tools")
        return named
    raise _bad("tool_choice must be 'auto', 'none', 'required' or a named function")


def _response_format(value: object) -> tuple[dict[str, Any] | None, bool]:
    """(JSON schema to enforce, whether any JSON object is required)."""
    if value is None:
        return None, False
    kind = value.get("type") if isinstance(value, dict) else None
    if kind == "text":
        return None, False
    if kind == "json_object":
        return None, True
    if kind == "json_schema" and isinstance(value, dict):
        spec = value.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise _bad("response_format.json_schema.schema must be an object")
        return schema, False
    raise _bad("response_format.type must be 'text', 'json_object' or 'json_schema'")


def plan_generation(request: object, default_model: str) -> Generation:
    """Check ``request`` (an OpenAI chat request) and return what to generate."""
    if not isinstance(request, dict):
        raise _bad("the request must be a JSON object")
    model = request.get("model", default_model)
    if not isinstance(model, str) or not model:
        raise _bad("model must be a non-empty string")
    messages = _messages(request.get("messages"))
    sampling = _sampling(request)
    tools = _tools(request.get("tools"))
    choice = request.get("tool_choice")
    forced = _forced(choice, tools)
    schema, json_any = _response_format(request.get("response_format"))
    return Generation(
        model=model,
        messages=messages,
        sampling=sampling,
        tools=None if choice == "none" else tools,
        forced_tools=forced,
        json_schema=schema,
        json_any=json_any,
    )
