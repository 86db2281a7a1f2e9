"""Where a case runs: the interpreter, and what micropip installed."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from typing import Any

import nomyo_web


def facts() -> dict[str, Any]:
    distribution = importlib.metadata.distribution("nomyo-web")
    return {
        "platform": sys.platform,
        "python": list(sys.version_info[:2]),
        "version": nomyo_web.__version__,
        "distribution_version": distribution.version,
        "present": {
            name: importlib.util.find_spec(name) is not None
            for name in ("cryptography", "httpx", "anyio", "cffi", "micropip")
        },
    }
