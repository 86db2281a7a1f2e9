"""Where a case runs: the interpreter, and what was installed there."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import sys
from pathlib import Path
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


def sources_digest() -> str:
    """SHA-256 over the path and bytes of every .py file of the imported nomyo_web."""
    root = Path(nomyo_web.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
