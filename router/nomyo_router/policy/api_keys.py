"""Bearer API keys: when any is configured, every API request must carry one."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from ..problem import HTTPProblem

__all__ = ["ApiKeys"]

_UNAUTHORIZED = "Invalid or missing API key"


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class ApiKeys:
    """The accepted keys, kept only as SHA-256 digests and compared in constant time."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = [_digest(key) for key in keys if key]

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def check(self, authorization: str | None) -> str | None:
        """The caller's key when it is accepted (None when no keys are set); raises 401."""
        if not self._digests:
            return None
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self._refusal()
        digest = _digest(token)
        matched = False
        for accepted in self._digests:
            matched |= hmac.compare_digest(digest, accepted)
        if not matched:
            raise self._refusal()
        return token

    @staticmethod
    def _refusal() -> HTTPProblem:
        return HTTPProblem(401, _UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
