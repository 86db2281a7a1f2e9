"""Pure wheels made from distributions installed in this Python, for Pyodide.

    wheel = repack("pytest", Path("out"))    # out/pytest-9.1.1-py3-none-any.whl

The wheel holds the files the installed distribution's RECORD lists inside
site-packages (its modules, its ``.dist-info`` metadata) with a new ``WHEEL`` and
``RECORD``; scripts, ``INSTALLER`` and byte code stay behind. An editable
install (whose RECORD names no module) is packed from its import package's
folder instead. A distribution with compiled files is refused: Pyodide cannot
load a host's native code.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["NotPureError", "repack", "wheel_name"]

_SKIPPED_METADATA = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "WHEEL"}
_NATIVE_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
_WHEEL_FILE = (
    "Wheel-Version: 1.0\nGenerator: nomyo-router\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)


class NotPureError(RuntimeError):
    """The installed distribution holds compiled code, so it cannot go into Pyodide."""


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_name(distribution: importlib.metadata.Distribution) -> str:
    """``<name>-<version>-py3-none-any.whl`` with the name normalized as wheels spell it."""
    return f"{_normalized(distribution.metadata['Name'])}-{distribution.version}-py3-none-any.whl"


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _is_packed(relative: str) -> bool:
    parts = relative.split("/")
    return not (
        relative.startswith("..")
        or "__pycache__" in parts
        or relative.endswith((".pyc", ".pth"))
        or parts[0].startswith("__editable__")
        or (".dist-info" in parts[0] and parts[-1] in _SKIPPED_METADATA)
    )


def _recorded_files(distribution: importlib.metadata.Distribution) -> Iterator[tuple[str, Path]]:
    for entry in distribution.files or []:
        relative = str(entry).replace("\\", "/")
        if _is_packed(relative):
            yield relative, Path(str(distribution.locate_file(entry)))


def _package_files(name: str) -> Iterator[tuple[str, Path]]:
    """An editable install's modules: the folder its import package is loaded from."""
    spec = importlib.util.find_spec(_normalized(name))
    if spec is None or not spec.submodule_search_locations:
        return
    root = Path(next(iter(spec.submodule_search_locations)))
    for path in sorted(root.rglob("*")):
        relative = f"{root.name}/{path.relative_to(root).as_posix()}"
        if path.is_file() and _is_packed(relative):
            yield relative, path


def _files(distribution: importlib.metadata.Distribution) -> list[tuple[str, Path]]:
    files = list(_recorded_files(distribution))
    if not any(arcname.endswith(".py") for arcname, _ in files):
        files += list(_package_files(distribution.metadata["Name"]))
    native = [arcname for arcname, _ in files if arcname.endswith(_NATIVE_SUFFIXES)]
    if native:
        raise NotPureError(
            f"{distribution.metadata['Name']} has compiled files ({native[0]}): "
            "Pyodide needs a wheel built for it"
        )
    return files


def _dist_info(distribution: importlib.metadata.Distribution) -> str:
    return f"{_normalized(distribution.metadata['Name'])}-{distribution.version}.dist-info"


def repack(name: str, out_dir: Path) -> Path:
    """A ``py3-none-any`` wheel of the installed distribution ``name`` in ``out_dir``."""
    distribution = importlib.metadata.distribution(name)
    target = out_dir / wheel_name(distribution)
    info = _dist_info(distribution)
    records: list[str] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = dict(_files(distribution))
        if f"{info}/METADATA" not in entries:
            metadata = distribution.read_text("METADATA") or ""
            archive.writestr(f"{info}/METADATA", metadata)
            records.append(_record_line(f"{info}/METADATA", metadata.encode()))
        for arcname, path in sorted(entries.items()):
            data = path.read_bytes()
            archive.writestr(arcname, data)
            records.append(_record_line(arcname, data))
        archive.writestr(f"{info}/WHEEL", _WHEEL_FILE)
        records.append(_record_line(f"{info}/WHEEL", _WHEEL_FILE.encode()))
        records.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return target
