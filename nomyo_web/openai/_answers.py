"""What the transport answers the SDK: a ``chat.completion``, an event stream, or an error status.

The SDK turns statuses into its own error classes (401 ``AuthenticationError``,
403 ``PermissionDeniedError``, 429 ``RateLimitError``, 5xx
``InternalServerError``, ...), so a server's refusal is answered as that same
status with the server's JSON body (``{"detail": ...}``) and its
``Retry-After``. Nothing else becomes a status: a failed security check is
raised, never answered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import APIError
from ._sse import EVENT_STREAM, completion_event_stream

__all__ = ["Answer", "completion_answer", "error_answer"]

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer for the SDK, before it becomes an ``httpx2.Response``."""

    status_code: int
    headers: dict[str, str]
    content: bytes


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def completion_answer(completion: Mapping[str, Any], stream: bool, include_usage: bool) -> Answer:
    """``200`` with the opened completion: as JSON, or as an event stream if one was asked for."""
    if stream:
        body = completion_event_stream(completion, include_usage)
        return Answer(200, {"content-type": EVENT_STREAM}, body)
    return Answer(200, {"content-type": JSON}, _json(completion))


def error_answer(error: APIError, retry_after: str | None = None) -> Answer:
    """The server's refusal as the status and JSON body it came with."""
    status = error.status_code if error.status_code is not None else 500
    details = error.error_details
    body = details if isinstance(details, dict) and details else {"detail": error.message}
    headers = {"content-type": JSON}
    if retry_after:
        headers["retry-after"] = retry_after
    return Answer(status, headers, _json(body))
