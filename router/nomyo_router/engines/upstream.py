"""An OpenAI-compatible API as the engine: one POST to ``URL/chat/completions``.

One attempt per request (the client retries, and a retry must not multiply
behind the router), over one keep-alive ``httpx.AsyncClient``. Failures map to
the router's statuses without echoing anything the upstream said:

* unreachable → 503; past ``timeout`` → 504; 5xx, a non-JSON or non-completion
  answer, or a broken connection → 502;
* 429 → 429 and 503 → 503, with the upstream's ``Retry-After``; 401/403 (the router's own
  credentials were refused) → 502; any other 4xx → 400.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from nomyo_web.protocol import parse_retry_after

from . import EngineError

__all__ = ["UpstreamEngine"]

logger = logging.getLogger("nomyo_web.router")
MAX_ANSWER_BYTES = 32 * 1024 * 1024


def _is_completion(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("choices"), list)


def _read_retry_after(value: str | None) -> float | None:
    """Seconds from the upstream's ``Retry-After`` (seconds or HTTP date), passed on as is."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return parse_retry_after(value)


class UpstreamEngine:
    """``Engine`` over an OpenAI-compatible HTTP API."""

    name = "upstream"

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 300.0) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def ready(self) -> bool:
        return True

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 10.0)),
            limits=httpx.Limits(max_keepalive_connections=32, keepalive_expiry=30.0),
            follow_redirects=False,
            trust_env=False,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._client is None:
            raise EngineError(503, "Upstream engine is not started", retry_after=1)
        body = json.dumps(request, separators=(",", ":")).encode("utf-8")
        try:
            status, headers, content = await self._post(self._client, body)
        except httpx.ConnectError:
            raise EngineError(503, "Inference upstream unreachable", retry_after=5) from None
        except httpx.TimeoutException:
            raise EngineError(504, "Inference upstream timed out") from None
        except httpx.HTTPError as error:
            logger.warning("upstream connection failed: %s", type(error).__name__)
            raise EngineError(502, "Inference upstream failed") from None
        return self._interpret(status, headers, content)

    async def _post(
        self, client: httpx.AsyncClient, body: bytes
    ) -> tuple[int, httpx.Headers, bytes]:
        async with client.stream("POST", self._url, content=body, headers=self._headers) as answer:
            chunks: list[bytes] = []
            size = 0
            async for chunk in answer.aiter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise EngineError(502, "Inference upstream answer too large")
                chunks.append(chunk)
            return answer.status_code, answer.headers, b"".join(chunks)

    def _interpret(self, status: int, headers: httpx.Headers, content: bytes) -> dict[str, Any]:
        if status == 429:
            retry_after = _read_retry_after(headers.get("retry-after"))
            raise EngineError(429, "Inference upstream rate limited", retry_after=retry_after)
        if status == 503:
            # The engine itself says it is unavailable (loading, overloaded): the protocol's 503.
            retry_after = _read_retry_after(headers.get("retry-after"))
            raise EngineError(503, "Inference upstream unavailable", retry_after=retry_after)
        if status in (401, 403):
            logger.warning("upstream refused the router's credentials (HTTP %d)", status)
            raise EngineError(502, "Inference upstream refused the router")
        if 400 <= status < 500:
            raise EngineError(400, f"Inference upstream rejected the request (HTTP {status})")
        if status != 200:
            raise EngineError(502, f"Inference upstream failed (HTTP {status})")
        try:
            value = json.loads(content)
        except ValueError:
            value = None
        if not _is_completion(value):
            raise EngineError(502, "Inference upstream returned an invalid answer")
        result: dict[str, Any] = value
        return result
