"""The OpenAI-SDK page's Python (web/openai.html): the official ``openai`` SDK, sealed by
``nomyo_web``'s transports, against the router that served the page.

``ask(router, request_json)`` answers with JSON: the answer's text (or the error) and
what the SDK saw (its types, the chunks of a stream, ``_metadata``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai

import nomyo_web

_CLIENTS: dict[tuple[str, str, bool], Any] = {}


def _client(router: str, api_key: str, blocking: bool) -> Any:
    """One SDK client per (router, key, kind), kept for the page's life."""
    key = (router, api_key, blocking)
    if key not in _CLIENTS:
        allow_http = router.startswith("http://")  # a local router; https:// in production
        # The SDK insists on a key; a router without API keys ignores this placeholder.
        common = {"base_url": router + "/v1", "api_key": api_key or "none", "max_retries": 2}
        if blocking:
            transport = nomyo_web.SecureTransport(allow_http=allow_http)
            _CLIENTS[key] = openai.OpenAI(http_client=httpx2.Client(transport=transport), **common)
        else:
            transport = nomyo_web.AsyncSecureTransport(allow_http=allow_http)
            http_client = httpx2.AsyncClient(transport=transport)
            _CLIENTS[key] = openai.AsyncOpenAI(http_client=http_client, **common)
    return _CLIENTS[key]


async def _completion(client: Any, blocking: bool, **params: Any) -> Any:
    if blocking:  # blocks this tab's Python on fetch through JSPI (Chromium)
        return client.chat.completions.create(**params)
    return await client.chat.completions.create(**params)


async def _streamed(client: Any, blocking: bool, **params: Any) -> tuple[str, dict[str, Any]]:
    stream = await _completion(client, blocking, stream=True, **params)
    chunks = list(stream) if blocking else [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    facts = {
        "type": type(chunks[0]).__name__ if chunks else None,
        "chunks": len(chunks),
        "finish_reason": next((reason for reason in reversed(finish) if reason), None),
    }
    return text, facts


async def ask(router: str, request_json: str) -> str:
    request = json.loads(request_json)
    blocking = bool(request["blocking"])
    client = _client(router, request["api_key"], blocking)
    params = {
        "model": request["model"],
        "messages": [{"role": "user", "content": request["question"]}],
        "max_tokens": 64,
    }
    try:
        if request["stream"]:
            text, facts = await _streamed(client, blocking, **params)
        else:
            completion = await _completion(client, blocking, **params)
            text = completion.choices[0].message.content or ""
            metadata = (completion.model_extra or {}).get("_metadata", {})
            facts = {
                "type": type(completion).__name__,
                "finish_reason": completion.choices[0].finish_reason,
                "usage": completion.usage.to_dict() if completion.usage else None,
                "_metadata": metadata,
            }
    except (openai.OpenAIError, nomyo_web.NomyoError) as error:
        return json.dumps({"error": f"{type(error).__name__}: {error}", "facts": {}})
    facts["client"] = type(client).__name__
    return json.dumps({"content": text, "facts": facts})
