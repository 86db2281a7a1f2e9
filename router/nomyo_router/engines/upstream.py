"""An OpenAI-compatible API as the engine: one POST to ``URL/chat/completions``.

One attempt per request (the client retries, and a retry must not multiply
behind the router), over one keep-alive ``aiohttp.ClientSession``: its pool
costs the same per request at 1 or 128 in flight, where httpx's grew with the
connections it held. No redirect is followed, no cookie kept, nothing taken
from the environment, and the answer is read up to ``MAX_ANSWER_BYTES``
(decoded). Failures map to the router's statuses without echoing anything the
upstream said:

* unreachable → 503; past ``timeout`` → 504; 5xx, a non-JSON or non-completion
  answer, or a broken connection → 502;
* 429 → 429 and 503 → 503, with the upstream's ``Retry-After``; 401/403 (the router's own
  credentials were refused) → 502; any other 4xx → 400.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp

from nomyo_web.protocol import parse_retry_after

from ..compact_json import compact_json
from . import EngineError

__all__ = ["UpstreamEngine"]

logger = logging.getLogger("nomyo_web.router")
MAX_ANSWER_BYTES = 32 * 1024 * 1024
MAX_CONNECTIONS = 100
KEEP_ALIVE = 30.0  # seconds an idle connection to the upstream is kept
_READ = 65536


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
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 10.0))
        self._session: aiohttp.ClientSession | None = None

    @property
    def ready(self) -> bool:
        return True

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEP_ALIVE),
            timeout=self._timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._session is None:
            raise EngineError(503, "Upstream engine is not started", retry_after=1)
        body = compact_json(request)
        try:
            status, retry_after, content = await self._post(self._session, body)
        except TimeoutError:  # aiohttp's timeouts (connecting included) are TimeoutErrors
            raise EngineError(504, "Inference upstream timed out") from None
        except aiohttp.ClientConnectorError:
            raise EngineError(503, "Inference upstream unreachable", retry_after=5) from None
        except aiohttp.ClientError as error:
            logger.warning("upstream connection failed: %s", type(error).__name__)
            raise EngineError(502, "Inference upstream failed") from None
        return self._interpret(status, retry_after, content)

    async def _post(
        self, session: aiohttp.ClientSession, body: bytes
    ) -> tuple[int, str | None, bytes]:
        """The answer's status, ``Retry-After`` and body (at most ``MAX_ANSWER_BYTES``)."""
        post = session.post(self._url, data=body, headers=self._headers, allow_redirects=False)
        async with post as answer:
            chunks: list[bytes] = []
            size = 0
            async for chunk in answer.content.iter_chunked(_READ):
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise EngineError(502, "Inference upstream answer too large")
                chunks.append(chunk)
            return answer.status, answer.headers.get("Retry-After"), b"".join(chunks)

    def _interpret(self, status: int, retry_after: str | None, content: bytes) -> dict[str, Any]:
        if status == 429:
            wait = _read_retry_after(retry_after)
            raise EngineError(429, "Inference upstream rate limited", retry_after=wait)
        if status == 503:
            # The engine itself says it is unavailable (loading, overloaded): the protocol's 503.
            wait = _read_retry_after(retry_after)
            raise EngineError(503, "Inference upstream unavailable", retry_after=wait)
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
