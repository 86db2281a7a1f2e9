"""``nomyo``'s memory helpers, with what this package can honestly promise.

``nomyo`` 0.2.9 exports ``get_memory_protection_info``, ``enable_secure_memory``,
``disable_secure_memory``, ``secure_bytearray``, ``secure_bytes`` and
``SecureBuffer``; code that calls them runs unchanged here. What differs is
what they report and do:

* No page locking (``mlock``): from Python it protects little (``cryptography``
  and the interpreter keep their own copies) and it does not exist in a
  browser, so ``lock()`` returns False and the info says
  ``has_memory_locking: False``.
* Zeroing is always on: the client overwrites every buffer it owns (the
  serialised request, the opened answer, AES keys) whether or not
  ``secure_memory`` is set, and ``SecureBuffer.zero()`` always zeroes.
  ``disable_secure_memory()`` only changes what the info reports as ``enabled``.
* Python cannot zero ``str`` or ``bytes``; keep secrets in ``bytearray``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from .protocol import wipe

__all__ = [
    "SecureBuffer",
    "disable_secure_memory",
    "enable_secure_memory",
    "get_memory_protection_info",
    "secure_bytearray",
    "secure_bytes",
]

_state_lock = threading.Lock()
_enabled = True


def _page_size() -> int:
    try:
        import mmap

        return int(mmap.PAGESIZE)
    except (ImportError, AttributeError):
        return 4096


class SecureBuffer:
    """A ``bytearray`` copy of secret data that is zeroed when you are done with it.

    Args:
        data: the secret; copied. A ``bytearray`` given here is zeroed at once,
            so only this buffer holds the secret.
        secure_memory: accepted for ``nomyo`` compatibility and ignored.

    Use it as a context manager::

        with SecureBuffer(secret) as buffer:
            use(buffer.data)
        # buffer.data is all zeros here
    """

    def __init__(self, data: bytes | bytearray, secure_memory: Any = None) -> None:
        self._data = bytearray(data)
        if isinstance(data, bytearray):
            wipe(data)

    @property
    def data(self) -> bytearray:
        """The buffer itself (not a copy)."""
        return self._data

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return len(self._data)

    @property
    def address(self) -> int:
        """The memory address of the buffer's first byte (CPython and Pyodide)."""
        import ctypes

        view = (ctypes.c_char * len(self._data)).from_buffer(self._data)
        try:
            return ctypes.addressof(view)
        finally:
            del view

    def lock(self) -> bool:
        """Pages are never locked here.

        Returns:
            False, always (see the module's documentation).
        """
        return False

    def unlock(self) -> bool:
        """Nothing is locked, so nothing to unlock.

        Returns:
            True, always.
        """
        return True

    def zero(self) -> None:
        """Overwrite the buffer with zeros (always, whatever ``disable_secure_memory`` says)."""
        wipe(self._data)

    def __enter__(self) -> SecureBuffer:
        self.lock()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.zero()
        self.unlock()

    def __len__(self) -> int:
        return len(self._data)

    def __bytes__(self) -> bytes:
        """A copy as ``bytes``, which cannot be zeroed: use with care."""
        return bytes(self._data)


@contextlib.contextmanager
def secure_bytearray(data: bytes | bytearray, lock: bool = True) -> Iterator[SecureBuffer]:
    """A ``SecureBuffer`` of ``data`` for the ``with`` block, zeroed when it ends.

    Args:
        data: the secret; a ``bytearray`` given here is zeroed at once.
        lock: accepted for ``nomyo`` compatibility; pages are never locked here.

    Returns:
        A context manager yielding the ``SecureBuffer``.
    """
    buffer = SecureBuffer(data)
    try:
        yield buffer
    finally:
        buffer.zero()


@contextlib.contextmanager
def secure_bytes(data: bytes, lock: bool = True) -> Iterator[SecureBuffer]:
    """Deprecated in ``nomyo`` too: ``secure_bytearray``, after a ``DeprecationWarning``.

    The ``bytes`` given cannot be zeroed; only the buffer's copy is.

    Args:
        data: the secret.
        lock: ignored.

    Returns:
        A context manager yielding the ``SecureBuffer``.
    """
    warnings.warn(
        "secure_bytes() is deprecated; use secure_bytearray() (the bytes given cannot be zeroed)",
        DeprecationWarning,
        stacklevel=3,
    )
    with secure_bytearray(data, lock) as buffer:
        yield buffer


def get_memory_protection_info() -> dict[str, Any]:
    """What memory protection this process has, in ``nomyo``'s keys.

    Returns:
        ``enabled`` (the ``enable/disable_secure_memory`` switch), ``platform``,
        ``protection_level`` (``"zeroing_only"``), ``has_memory_locking`` (False),
        ``has_secure_zeroing`` (True), ``supports_full_protection`` (False),
        ``page_size``.
    """
    with _state_lock:
        enabled = _enabled
    return {
        "enabled": enabled,
        "platform": sys.platform,
        "protection_level": "zeroing_only",
        "has_memory_locking": False,
        "has_secure_zeroing": True,
        "supports_full_protection": False,
        "page_size": _page_size(),
    }


def disable_secure_memory() -> None:
    """Report secure memory as disabled; buffers are still zeroed (see the module)."""
    global _enabled
    with _state_lock:
        _enabled = False


def enable_secure_memory() -> None:
    """Report secure memory as enabled again."""
    global _enabled
    with _state_lock:
        _enabled = True
