"""Sync client cases: ``SyncSecureChatCompletion`` blocks where the runtime can (CPython; Pyodide
with JSPI, Chromium) and raises its clear error at once where it cannot (Node.js 20)."""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

from nomyo_web import NomyoError, SyncSecureChatCompletion


def can_block() -> bool | None:
    """``pyodide.ffi.can_run_sync()`` on this call path; None on CPython."""
    if sys.platform != "emscripten":
        return None
    from pyodide.ffi import can_run_sync

    return bool(can_run_sync())


def _describe(exc: BaseException) -> dict[str, Any]:
    facts: dict[str, Any] = {"class": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, NomyoError):
        facts.update(status_code=exc.status_code, is_runtime_error=isinstance(exc, RuntimeError))
    return facts


def round_trip(base_url: str, content: str, **options: Any) -> dict[str, Any]:
    """One blocking create() through a new sync client, closed after; the answer or the error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        client = SyncSecureChatCompletion(base_url=base_url, allow_http=True, **options)
    started = time.monotonic()
    try:
        with client:
            answer = client.create(
                "m", [{"role": "user", "content": content}], security_tier="high"
            )
    except Exception as exc:
        return {"ok": False, "seconds": time.monotonic() - started, **_describe(exc)}
    return {
        "ok": True,
        "content": answer["choices"][0]["message"]["content"],
        "payload_id": answer["_metadata"]["payload_id"],
        "tier": answer["_metadata"]["security_tier"],
    }
