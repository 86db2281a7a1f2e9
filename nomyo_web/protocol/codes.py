"""Machine-readable error codes: the ``code`` the router puts beside ``detail`` in an error body.

The client reads them to decide what to do next (today only one: reseal once
when the server could not open a request, because its key may have changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DECRYPTION_FAILED", "error_code", "is_decryption_failure"]

DECRYPTION_FAILED = "decryption_failed"
"""The server could not open the request (wrong or rotated server key, or tampering)."""


def error_code(body: Mapping[str, Any] | None) -> str | None:
    """The ``code`` of an error body (``{"detail": ..., "code": ...}``), or None."""
    if body is None:
        return None
    code = body.get("code")
    return code if isinstance(code, str) else None


def is_decryption_failure(body: Mapping[str, Any] | None) -> bool:
    """True when an error body says the server could not open the request."""
    return error_code(body) == DECRYPTION_FAILED
