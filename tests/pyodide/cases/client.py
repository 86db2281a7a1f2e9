"""Client cases: ``SecureChatCompletion`` with the runtime's default seams (WebCrypto + fetch
in Pyodide; cryptography + httpx on CPython). Clients and tasks live in this interpreter
between calls, named by the host, so a host test can act on the wire in between."""

from __future__ import annotations

import asyncio
import time
import warnings
from typing import Any

from nomyo_web import APIConnectionError, APIError, NomyoError, SecureChatCompletion

from . import crypto

_CLIENTS: dict[str, SecureChatCompletion] = {}
_TASKS: dict[str, asyncio.Task[Any]] = {}


def _describe(exc: BaseException) -> dict[str, Any]:
    facts: dict[str, Any] = {"class": type(exc).__name__}
    if isinstance(exc, NomyoError):
        facts.update(
            message=exc.message,
            status_code=exc.status_code,
            error_details=exc.error_details,
            is_api_error=isinstance(exc, APIError),
            is_connection_error=isinstance(exc, APIConnectionError),
        )
    return facts


def make_client(client_id: str, base_url: str, **options: Any) -> str:
    """A client kept under ``client_id`` (plain HTTP on loopback: allow_http, warning muted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        client = SecureChatCompletion(base_url=base_url, allow_http=True, **options)
    _CLIENTS[client_id] = client
    return type(client._core.crypto).__name__


async def create(client_id: str, **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = await _CLIENTS[client_id].create(**params)
    assert isinstance(response, dict)
    return response


async def create_error(client_id: str, **params: Any) -> dict[str, Any]:
    """``create`` must raise; what the raised error says about itself."""
    started = time.monotonic()
    try:
        await _CLIENTS[client_id].create(**params)
    except Exception as exc:
        return dict(_describe(exc), seconds=time.monotonic() - started)
    raise AssertionError("create() returned instead of raising")


async def create_timed(client_id: str, **params: Any) -> dict[str, Any]:
    started = time.monotonic()
    response = await _CLIENTS[client_id].create(**params)
    return {"seconds": time.monotonic() - started, "response": response}


def start_create(task_id: str, client_id: str, **params: Any) -> bool:
    _TASKS[task_id] = asyncio.ensure_future(_CLIENTS[client_id].create(**params))
    return True


async def cancel_task(task_id: str) -> str:
    """Cancel a started ``create`` and report how it ended."""
    task = _TASKS.pop(task_id)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return "CancelledError"
    except Exception as exc:
        return type(exc).__name__
    return "completed"


async def gather_creates(client_id: str, contents: list[str], **params: Any) -> list[Any]:
    """Concurrent creates, one per user message; each answer's content or its error."""
    client = _CLIENTS[client_id]
    results = await asyncio.gather(
        *(
            client.create(messages=[{"role": "user", "content": text}], **params)
            for text in contents
        ),
        return_exceptions=True,
    )
    return [
        _describe(r) if isinstance(r, BaseException) else r["choices"][0]["message"]["content"]
        for r in results
    ]


async def rotate_under_load(client_id: str, waves: int, per_wave: int) -> dict[str, Any]:
    """Waves of concurrent requests with a key rotation started during every other wave."""
    client = _CLIENTS[client_id]
    mismatches: list[Any] = []
    for wave in range(waves):
        rotation = asyncio.ensure_future(client._core.keys.rotate()) if wave % 2 else None
        contents = [f"wave {wave} #{i}" for i in range(per_wave)]
        answers = await gather_creates(client_id, contents, model="m")
        mismatches += [(c, a) for c, a in zip(contents, answers, strict=True) if a != c]
        if rotation is not None:
            await rotation
        await asyncio.sleep(0.2)
    return {"rotations": client._core.keys.rotations, "mismatches": mismatches}


async def client_key_facts(client_id: str) -> dict[str, Any]:
    """The client's current private key as a page script sees it (see crypto.private_key_facts)."""
    key = await _CLIENTS[client_id]._core.keys.current()
    crypto._KEYS[f"client:{client_id}"] = key
    try:
        return await crypto.private_key_facts(f"client:{client_id}")
    finally:
        del crypto._KEYS[f"client:{client_id}"]


async def expose_client_key(client_id: str, name: str) -> str:
    """Put the client's live private CryptoKey on ``globalThis[name]``.

    This is the most a hostile page script can get: one that can reach the running
    Pyodide instance and walk the client's attributes down to the key object.
    """
    import js

    key = await _CLIENTS[client_id]._core.keys.current()
    setattr(js.globalThis, name, key.native)
    return str(key.native.constructor.name)


async def dispose(client_id: str, **params: Any) -> dict[str, Any]:
    """Dispose twice; a later create must fail with a clear error."""
    client = _CLIENTS.pop(client_id)
    client.dispose()
    client.dispose()
    facts: dict[str, Any] = {"keys_dropped": client._core.keys._current is None}
    try:
        await client.create(**params)
    except Exception as exc:
        facts["after"] = _describe(exc)
        facts["is_runtime_error"] = isinstance(exc, RuntimeError)
    return facts


async def async_with_round_trip(base_url: str, content: str) -> dict[str, Any]:
    """The guide's resource-management example: ``async with`` disposes on exit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        async with SecureChatCompletion(base_url=base_url, allow_http=True) as client:
            response = await client.acreate(
                model="m", messages=[{"role": "user", "content": content}]
            )
    return {
        "content": response["choices"][0]["message"]["content"],
        "disposed": client._core.disposed,
    }
