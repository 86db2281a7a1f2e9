"""The one exception type that becomes an HTTP error answer: ``{"detail": ..., "code"?: ...}``."""

from __future__ import annotations

import json
import math

from starlette.responses import Response

__all__ = ["HTTPProblem", "problem_response"]


class HTTPProblem(Exception):
    """Answer ``status`` with ``{"detail": detail}`` (plus ``code`` when given).

    ``detail`` is sent to the client, so it never names request content, keys or
    which step of decryption failed. Make a new one for every raise: raising one
    object again chains each raise's traceback onto it, and with it the frames
    (and request bodies) of every request that raised it.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = dict(headers or {})
        if retry_after is not None:
            self.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))


def problem_response(problem: HTTPProblem) -> Response:
    """The JSON error response for ``problem``."""
    body: dict[str, str] = {"detail": problem.detail}
    if problem.code is not None:
        body["code"] = problem.code
    return Response(
        json.dumps(body).encode("utf-8"),
        status_code=problem.status,
        headers=problem.headers,
        media_type="application/json",
    )
