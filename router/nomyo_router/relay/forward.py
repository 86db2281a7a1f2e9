"""``POST /v1/chat/secure_completion`` on a relay: the sealed request, forwarded as it is.

The caller is admitted first (per-address rate limit, optional caller API keys,
then the application's ``authorize`` hook), its body read within the router's
size and time bounds, and the request sent upstream with exactly these headers:
``Content-Type``, ``X-Payload-ID``, ``X-Public-Key`` and ``X-Security-Tier`` as
the caller sent them, and ``Authorization`` with the relay's API key. Nothing
else the caller sent goes on (its own ``Authorization`` included). The answer's
status, body and ``Retry-After`` come back unchanged. The envelope is never
parsed: the relay cannot open it, and has no reason to look.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from nomyo_web.protocol import (
    HEADER_PAYLOAD_ID,
    HEADER_PUBLIC_KEY,
    HEADER_SECURITY_TIER,
    MAX_ENVELOPE_BYTES,
    PATH_SECURE_COMPLETION,
)

from ..body import read_body
from ..policy.admission import Admission
from ..policy.outage import store_required
from ..problem import HTTPProblem
from .http1 import Answer, AnswerTooLargeError, Http1Pool, UpstreamError, UpstreamTimeoutError
from .upstream_key import UpstreamKey

__all__ = ["FORWARDED_HEADERS", "Authorize", "Forwarder"]

Authorize = Callable[[Request], bool | Awaitable[bool]]
"""The application's say on who may use the relay: False (or raising an
``HTTPException``) refuses the request before its body is read."""

FORWARDED_HEADERS = ("Content-Type", HEADER_PAYLOAD_ID, HEADER_PUBLIC_KEY, HEADER_SECURITY_TIER)
MAX_ANSWER_BYTES = 32 * 1024 * 1024
_MAX_ERROR_BYTES = 4096  # an error answer larger than this is not read for its code
logger = logging.getLogger("nomyo_web.router")


class Forwarder:
    """Admits, forwards and answers; ``key`` learns when the upstream's key changed."""

    def __init__(
        self,
        *,
        api_key: str,
        admission: Admission,
        authorize: Authorize | None,
        key: UpstreamKey,
        body_timeout: float,
    ) -> None:
        self._authorization = f"Bearer {api_key}"
        self._admission = admission
        self._authorize = authorize
        self._key = key
        self._body_timeout = body_timeout

    async def handle(self, request: Request, upstream: Http1Pool) -> Response:
        await self._admit(request)
        body = await read_body(request, MAX_ENVELOPE_BYTES, self._body_timeout)
        answer = await self._send(upstream, request, body)
        if answer.status == 400 and _is_decryption_failure(answer.body):
            self._key.mark_stale()
        if answer.status in (401, 403):
            logger.warning("upstream refused the relay's API key (HTTP %d)", answer.status)
        return Response(answer.body, answer.status, headers=_answer_headers(answer.headers))

    async def _admit(self, request: Request) -> None:
        address = request.client.host if request.client else "-"
        with store_required():
            await self._admission.check(request.headers.get("authorization"), address)
        if self._authorize is None:
            return
        allowed = self._authorize(request)
        if inspect.isawaitable(allowed):
            allowed = await allowed
        if allowed is not True:
            raise HTTPProblem(403, "Not allowed to use this relay")

    def _upstream_headers(self, request: Request) -> list[tuple[str, str]]:
        headers = [("Authorization", self._authorization)]
        for name in FORWARDED_HEADERS:
            value = request.headers.get(name)
            if value is not None:
                headers.append((name, value))
        payload_id = request.headers.get(HEADER_PAYLOAD_ID)
        if payload_id is not None and payload_id.isprintable():
            request.state.payload_id = payload_id[:128]  # for the request log line only
        request.state.tier = request.headers.get(HEADER_SECURITY_TIER, "")[:16] or None
        return headers

    async def _send(self, upstream: Http1Pool, request: Request, body: bytes) -> Answer:
        headers = self._upstream_headers(request)
        try:
            return await upstream.request(
                "POST", PATH_SECURE_COMPLETION, headers, body, MAX_ANSWER_BYTES
            )
        except UpstreamTimeoutError:
            raise HTTPProblem(504, "Upstream timed out") from None
        except AnswerTooLargeError:
            raise HTTPProblem(502, "Upstream answer too large") from None
        except UpstreamError as error:
            logger.warning("upstream request failed: %s", error)  # the cause's type name
            raise HTTPProblem(502, "Upstream unreachable") from None


def _answer_headers(upstream: dict[str, str]) -> dict[str, str]:
    """What the caller gets of the upstream's headers: the body's type and Retry-After."""
    headers = {"Cache-Control": "no-store"}
    for name in ("content-type", "retry-after"):
        value = upstream.get(name)
        if value is not None:
            headers[name.title()] = value
    return headers


def _is_decryption_failure(content: bytes) -> bool:
    if len(content) > _MAX_ERROR_BYTES:
        return False
    try:
        value = json.loads(content)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and value.get("code") == "decryption_failed"
