"""Run one ``Generation`` on a loaded ``llama_cpp.Llama`` and shape the OpenAI answer.

Called only from the engine's model thread, under its lock. Text answers use
the GGUF's own chat template (the binding's default handler). A forced tool
choice (``"required"`` or a named function) is generated under a grammar made
from the tools' JSON schemas, so the arguments are valid JSON, and is returned
as OpenAI ``tool_calls``. The binding's handler does this only for a named
function (``"required"`` comes back as plain text), so both cases are done here.

A grammar that llama.cpp cannot parse would crash the process inside
generation; every grammar is therefore first parsed once on its own.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from nomyo_router.engines import EngineError
from nomyo_router.engines.embedded_request import Generation

__all__ = ["run_generation"]


def _tool_schema(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON the model must write: the arguments, or a name and its arguments."""
    if len(tools) == 1:
        parameters: dict[str, Any] = tools[0]["function"]["parameters"]
        return parameters
    choices = [
        {
            "type": "object",
            "properties": {
                "name": {"const": tool["function"]["name"]},
                "arguments": tool["function"]["parameters"],
            },
            "required": ["name", "arguments"],
        }
        for tool in tools
    ]
    return {"oneOf": choices}


def _grammar(llama: Any, schema: dict[str, Any] | None) -> Any:
    """A checked grammar for ``schema`` (any JSON object when None)."""
    from llama_cpp import llama_cpp as low
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    grammar = None
    if schema is not None:
        try:
            grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        except Exception:  # the converter rejects some schemas; any JSON object then
            grammar = None
    if grammar is None or not _is_parsable(llama, low, grammar):
        grammar = LlamaGrammar.from_string(JSON_GBNF, verbose=False)
    return grammar


def _is_parsable(llama: Any, low: Any, grammar: Any) -> bool:
    sampler = low.llama_sampler_init_grammar(
        llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
    )
    if not sampler:
        return False
    low.llama_sampler_free(sampler)
    return True


def _call(name: str, arguments: str) -> dict[str, Any]:
    return {
        "id": f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def _tool_message(
    text: str, tools: list[dict[str, Any]], finish: str
) -> tuple[dict[str, Any], str]:
    """The assistant message with ``tool_calls`` and the finish reason."""
    names = [tool["function"]["name"] for tool in tools]
    try:
        value = json.loads(text)
    except ValueError:  # cut off by max_tokens: OpenAI also returns the partial call
        name = next((n for n in names if f'"{n}"' in text), names[0])
        return {"role": "assistant", "content": None, "tool_calls": [_call(name, text)]}, finish
    name, arguments = names[0], value
    if len(names) > 1 and isinstance(value, dict):
        name, arguments = value.get("name", names[0]), value.get("arguments", {})
    encoded = json.dumps(arguments, ensure_ascii=False)
    message = {"role": "assistant", "content": None, "tool_calls": [_call(name, encoded)]}
    return message, "tool_calls"


def _complete(llama: Any, plan: Generation, grammar: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = llama.create_chat_completion(
            messages=plan.messages,
            tools=plan.tools,
            model=plan.model,
            grammar=grammar,
            stream=False,
            **plan.sampling,
        )
    except ValueError as error:
        if "context window" in str(error):
            raise EngineError(400, "the request does not fit the model's context window") from None
        raise
    return result


def run_generation(llama: Any, plan: Generation) -> dict[str, Any]:
    """The OpenAI ``chat.completion`` dict for ``plan``."""
    grammar = None
    if plan.forced_tools is not None:
        grammar = _grammar(llama, _tool_schema(plan.forced_tools))
    elif plan.json_schema is not None or plan.json_any:
        grammar = _grammar(llama, plan.json_schema)
    result = _complete(llama, plan, grammar)
    choice = result["choices"][0]
    if plan.forced_tools is not None:
        text = choice["message"].get("content") or ""
        message, finish = _tool_message(text, plan.forced_tools, choice["finish_reason"])
        choice = {**choice, "message": message, "finish_reason": finish}
    else:
        message = {"role": "assistant", "content": choice["message"].get("content") or ""}
        choice = {**choice, "message": message}
    return {
        "id": result["id"],
        "object": "chat.completion",
        "created": result["created"],
        "model": plan.model,
        "choices": [choice],
        "usage": dict(result["usage"]),
    }
