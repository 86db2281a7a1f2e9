"""What a running process holds in memory: every readable byte, searched for given strings.

``memory_holds(pid, text)`` reads each readable mapping of ``/proc/PID/maps``
through ``/proc/PID/mem`` (the whole address space: Python's heap and arenas,
malloc's free lists, thread stacks, anonymous maps) and looks for ``text`` in
every form a Python process can hold it: UTF-8 (and Latin-1, the same bytes
for ASCII), and the UCS-2 and UCS-4 forms CPython uses for ``str`` objects
with wider characters. Freed but not yet overwritten memory counts too, which
is the point: a prompt that passed through a process leaves traces there.

It needs the right to trace the process (root, or a child of ours with
``ptrace_scope`` 0 or 1); ``MemoryUnreadableError`` says when that is missing.
"""

from __future__ import annotations

import io
from pathlib import Path

__all__ = ["MemoryUnreadableError", "memory_holds", "memory_holds_bytes"]

_CHUNK = 8 << 20
_SKIPPED = ("[vvar]", "[vsyscall]", "[vvar_vclock]")


class MemoryUnreadableError(RuntimeError):
    """This process may not read the other's memory."""


def _encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-32-le")]


def _regions(pid: int) -> list[tuple[int, int]]:
    regions = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        if not fields[1].startswith("r") or (len(fields) > 5 and fields[5] in _SKIPPED):
            continue
        start, end = (int(part, 16) for part in fields[0].split("-"))
        regions.append((start, end))
    return regions


def _region_holds(mem: io.FileIO, start: int, end: int, needles: tuple[bytes, ...]) -> bool:
    overlap = max(len(needle) for needle in needles) - 1
    tail = b""
    offset = start
    while offset < end:
        try:
            mem.seek(offset)
            chunk = mem.read(min(_CHUNK, end - offset)) or b""
        except OSError:  # a mapping that went away or cannot be read (guard pages)
            return False
        window = tail + chunk
        if any(needle in window for needle in needles):
            return True
        tail = window[-overlap:] if overlap else b""
        offset += len(chunk) or _CHUNK
    return False


def memory_holds(pid: int, text: str) -> bool:
    """Whether any readable byte range of process ``pid`` holds ``text`` (in any form)."""
    return memory_holds_bytes(pid, *_encodings(text))


def memory_holds_bytes(pid: int, *needles: bytes) -> bool:
    """Whether any readable byte range of process ``pid`` holds one of ``needles``."""
    try:
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)  # noqa: SIM115 - closed below
    except PermissionError as error:
        raise MemoryUnreadableError(f"cannot read /proc/{pid}/mem: {error}") from None
    with mem:
        return any(_region_holds(mem, start, end, needles) for start, end in _regions(pid))
