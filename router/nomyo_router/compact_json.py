"""``compact_json``: a value as compact UTF-8 JSON, from one encoder made once.

``json.dumps(value, separators=(",", ":"))`` builds a new ``JSONEncoder`` on every
call; the router encodes two values a request (the chat request for the engine,
the completion it seals), so it keeps one. The bytes are the same.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["compact_json"]

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def compact_json(value: Any) -> bytes:
    """``json.dumps(value, separators=(",", ":")).encode("utf-8")``."""
    return _ENCODER.encode(value).encode("utf-8")
