"""OpenAI-SDK cases: the real ``openai`` SDK over ``nomyo_web``'s transports.

Run where the SDK is installed: the OpenAI-SDK environment's CPython
(tests/pyodide/sdk_runtimes.py) and Pyodide after ``micropip.install("openai")``
(Node.js, Chromium). Clients live in this interpreter between calls, named by the
host test, which scripts the wire in between. Results are plain JSON: the SDK's
objects as ``to_dict()``, errors as ``describe()``.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
import warnings
from typing import Any

import httpx2
import openai

import nomyo_web
from nomyo_web.openai import secure_async_openai, secure_openai

from .client import _TASKS

_CLIENTS: dict[str, Any] = {}


def _transport_client(kind: str, options: dict[str, Any]) -> Any:
    if kind == "async":
        return httpx2.AsyncClient(transport=nomyo_web.AsyncSecureTransport(**options))
    if kind == "sync":
        return httpx2.Client(transport=nomyo_web.SecureTransport(**options))
    import httpx

    from nomyo_web.openai import LegacyAsyncSecureTransport, LegacySecureTransport

    if kind == "legacy-async":
        return httpx.AsyncClient(transport=LegacyAsyncSecureTransport(**options))
    return httpx.Client(transport=LegacySecureTransport(**options))


def make(
    client_id: str,
    base_url: str,
    kind: str = "async",
    api_key: str = "sdk-key",
    max_retries: int = 0,
    timeout: float = 60.0,
    **transport_options: Any,
) -> str:
    """An SDK client kept under ``client_id``: ``kind`` is async, sync, legacy-async,
    legacy-sync (an httpx client), factory-async or factory-sync (our factories).
    Plain HTTP on loopback, so ``allow_http=True`` (its warning muted)."""
    options = {"allow_http": True, **transport_options}
    sdk = {"max_retries": max_retries, "timeout": timeout}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if kind.startswith("factory"):
            factory = secure_async_openai if kind == "factory-async" else secure_openai
            client = factory(
                api_key=api_key, base_url=base_url + "/v1", openai_options=sdk, **options
            )
        else:
            cls = openai.OpenAI if kind in ("sync", "legacy-sync") else openai.AsyncOpenAI
            http_client = _transport_client(kind, options)
            client = cls(base_url=base_url + "/v1", api_key=api_key, http_client=http_client, **sdk)
    _CLIENTS[client_id] = client
    return type(client).__name__


async def _done(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


def describe(error: BaseException) -> dict[str, Any]:
    """What an error raised through the SDK says about itself."""
    facts: dict[str, Any] = {
        "class": type(error).__name__,
        "module": type(error).__module__.split(".")[0],
        "is_openai_error": isinstance(error, openai.OpenAIError),
        "is_security_error": isinstance(error, nomyo_web.SecurityError),
        "is_nomyo_error": isinstance(error, nomyo_web.NomyoError),
        "message": str(error),
        "cause": type(error.__cause__).__name__ if error.__cause__ else None,
    }
    if isinstance(error, openai.APIStatusError):
        facts.update(
            status_code=error.status_code,
            body=error.body,
            retry_after=error.response.headers.get("retry-after"),
        )
    return facts


async def chat(client_id: str, **params: Any) -> dict[str, Any]:
    """``chat.completions.create`` (awaited if the client is async): the completion."""
    completion = await _done(_CLIENTS[client_id].chat.completions.create(**params))
    assert type(completion).__name__ == "ChatCompletion", type(completion)
    result: dict[str, Any] = completion.to_dict()
    return result


async def chat_error(client_id: str, **params: Any) -> dict[str, Any]:
    """``create`` must raise: what the error is, and how long it took."""
    started = time.monotonic()
    try:
        await _done(_CLIENTS[client_id].chat.completions.create(**params))
    except Exception as error:
        return dict(describe(error), seconds=time.monotonic() - started)
    raise AssertionError("create() returned instead of raising")


async def chat_pair(client_id: str, **params: Any) -> list[dict[str, Any]]:
    """Two concurrent ``create`` calls (async client): how each ended."""
    client = _CLIENTS[client_id]
    results = await asyncio.gather(
        *(
            client.chat.completions.create(messages=[{"role": "user", "content": text}], **params)
            for text in ("first", "second")
        ),
        return_exceptions=True,
    )
    return [
        describe(r) if isinstance(r, BaseException) else {"class": "ChatCompletion"}
        for r in results
    ]


async def chat_stream(client_id: str, **params: Any) -> list[dict[str, Any]]:
    """``create(stream=True)``: every chunk the SDK yields, in order."""
    stream = await _done(_CLIENTS[client_id].chat.completions.create(stream=True, **params))
    chunks = []
    if hasattr(stream, "__aiter__"):
        async for chunk in stream:
            chunks.append(chunk)
    else:
        chunks.extend(stream)
    assert all(type(chunk).__name__ == "ChatCompletionChunk" for chunk in chunks)
    return [chunk.to_dict() for chunk in chunks]


async def stream_helper(client_id: str, **params: Any) -> dict[str, Any]:
    """The SDK's ``chat.completions.stream(...)`` helper: its accumulated final completion."""
    manager = _CLIENTS[client_id].chat.completions.stream(**params)
    if hasattr(manager, "__aenter__"):
        async with manager as stream:
            events = [event.type async for event in stream]
            final = await stream.get_final_completion()
    else:
        with manager as stream:
            events = [event.type for event in stream]
            final = stream.get_final_completion()
    return {"events": sorted(set(events)), "final": final.to_dict()}


async def parse_city(client_id: str, **params: Any) -> dict[str, Any]:
    """``chat.completions.parse`` with a pydantic ``response_format``: the parsed object."""
    import pydantic

    class City(pydantic.BaseModel):
        name: str
        country: str

    completion = await _done(
        _CLIENTS[client_id].chat.completions.parse(response_format=City, **params)
    )
    parsed = completion.choices[0].message.parsed
    return {"type": type(parsed).__name__, "value": parsed.model_dump()}


def start_chat(task_id: str, client_id: str, **params: Any) -> bool:
    """Begin a ``create`` in a task that ``client:cancel_task`` can stop."""
    create = _done(_CLIENTS[client_id].chat.completions.create(**params))
    _TASKS[task_id] = asyncio.ensure_future(create)
    return True


async def other_endpoints(client_id: str) -> dict[str, dict[str, Any]]:
    """Endpoints the protocol does not seal: each must raise before anything is sent."""
    client = _CLIENTS[client_id]
    calls = {
        "embeddings": lambda: client.embeddings.create(model="m", input="secret text"),
        "models": lambda: client.models.list(),
        "files": lambda: client.files.list(),
        "completions": lambda: client.completions.create(model="m", prompt="secret text"),
        "stored chat completions": lambda: client.chat.completions.list(),
        "responses": lambda: client.responses.create(model="m", input="secret text"),
    }
    outcome = {}
    for name, start in calls.items():
        try:
            result = await _done(start())
            if hasattr(result, "__aiter__"):
                async for _ in result:
                    break
        except Exception as error:
            outcome[name] = describe(error)
        else:
            outcome[name] = {"class": "no error"}
    return outcome


async def close(client_id: str) -> str:
    """Close the SDK client (and with it the transport, which drops its keys)."""
    client = _CLIENTS.pop(client_id)
    await _done(client.close())
    transport = client._client._transport
    sealing = transport._sealing.sealer.core
    return f"disposed={sealing.disposed}"


def versions() -> dict[str, str]:
    return {
        "openai": openai.__version__,
        "httpx2": httpx2.__version__,
        "platform": sys.platform,
    }
