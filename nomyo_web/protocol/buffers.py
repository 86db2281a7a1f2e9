"""Wiping buffers we own: the one ``wipe`` the client, the crypto backends and the router use.

Python cannot zero ``str`` or ``bytes``; a ``bytearray`` (or a writable
``memoryview`` of one) can be overwritten in place, so secrets are kept in
those wherever the code controls the buffer.
"""

from __future__ import annotations

__all__ = ["wipe"]


def wipe(buffer: bytearray | memoryview) -> None:
    """Overwrite ``buffer`` with zeros, in place (its length is kept)."""
    buffer[:] = bytes(len(buffer))
