"""The Python ↔ JavaScript crossings both Pyodide seams use (imported only under Pyodide).

Buffers cross whole, one copy each way: ``to_js(bytes)`` makes one
``Uint8Array``; ``.to_bytes()`` copies one ``ArrayBuffer`` back. Option
objects are plain JavaScript objects (not ``Map``s), which is what WebCrypto
and ``fetch`` read. Nothing here creates a ``PyProxy``, so nothing needs a
``destroy()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import js
from pyodide.ffi import JsException, to_js

__all__ = [
    "JsException",
    "js",
    "js_array",
    "js_bytes",
    "js_object",
    "py_bytes",
    "take_bytearray",
]


def js_object(options: Mapping[str, Any]) -> Any:
    """A plain JavaScript object from ``options`` (nested dicts become objects too)."""
    return to_js(dict(options), dict_converter=js.Object.fromEntries)


def js_array(items: list[Any]) -> Any:
    """A JavaScript array of ``items`` (strings, or JavaScript objects passed through)."""
    return to_js(items)


def js_bytes(data: bytes | bytearray | memoryview) -> Any:
    """One ``Uint8Array`` holding a copy of ``data``."""
    return to_js(bytes(data) if isinstance(data, memoryview) else data)


def py_bytes(buffer: Any) -> bytes:
    """The bytes of a JavaScript ``ArrayBuffer`` or typed array, copied once."""
    return bytes(buffer.to_bytes())


def take_bytearray(buffer: Any) -> bytearray:
    """Copy an ``ArrayBuffer`` straight into a new ``bytearray``, then zero the JavaScript copy.

    For plaintext: no intermediate ``bytes`` object (which could not be wiped) is made,
    and the caller can wipe the ``bytearray``.
    """
    view = js.Uint8Array.new(buffer)
    out = bytearray(view.length)
    view.assign_to(out)
    view.fill(0)
    return out
