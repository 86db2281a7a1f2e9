"""Build the local Pyodide distribution the pages and the Pyodide tests load: build/pyodide/.

    python web/build.py            # build what is stale, print what was built
    python web/build.py --force    # rebuild everything

Steps (each skipped when its output is current):
1. ``npm ci`` in web/ when web/node_modules does not hold the pinned ``pyodide``.
2. Our wheel, ``dist/nomyo_web-<version>-py3-none-any.whl`` (``pip wheel --no-deps .``),
   rebuilt only when a source file changed (hatchling builds are reproducible).
3. The micropip wheel from PyPI (``pip download``), cached in build/cache/.
4. build/pyodide/ = the Pyodide core files + both wheels + a rewritten
   ``pyodide-lock.json`` holding exactly the packages that are present locally,
   with their real sha256, so ``await micropip.install("nomyo-web")`` works by
   name with integrity checks on, and no entry can send a loader to a CDN.

Load it with ``loadPyodide({indexURL: "/pyodide/", packageBaseUrl: "/pyodide/"})``:
without ``packageBaseUrl`` Pyodide keeps a CDN as the fallback for missing files.

Standard library only; run it with any Python 3.11+ that has pip.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
CACHE = BUILD / "cache"
OUT = BUILD / "pyodide"
CORE = WEB / "node_modules" / "pyodide"

PYODIDE_VERSION = "314.0.8"
MICROPIP = ("micropip", "0.11.1")
CORE_FILES = (
    "pyodide.mjs",
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)
WHEEL_SOURCES = ("nomyo_web", "pyproject.toml", "README.md")


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_node_modules() -> None:
    manifest = CORE / "package.json"
    if manifest.exists() and json.loads(manifest.read_text())["version"] == PYODIDE_VERSION:
        return
    log("npm ci in web/")
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=WEB, check=True
    )


def sources_digest() -> str:
    digest = hashlib.sha256()
    for name in WHEEL_SOURCES:
        path = ROOT / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                digest.update(str(file.relative_to(ROOT)).encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def package_version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "nomyo_web" / "_version.py").read_text(), namespace)
    return namespace["__version__"]


def ensure_our_wheel(force: bool) -> Path:
    wheel = DIST / f"nomyo_web-{package_version()}-py3-none-any.whl"
    stamp = CACHE / "nomyo_web.sources"
    digest = sources_digest()
    if not force and wheel.exists() and stamp.exists() and stamp.read_text() == digest:
        return wheel
    log(f"building {wheel.relative_to(ROOT)}")
    DIST.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(DIST)]
    subprocess.run(command, check=True)
    if not wheel.exists():
        raise SystemExit(f"build: pip did not produce {wheel.name}")
    CACHE.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    return wheel


def ensure_pypi_wheel(name: str, version: str) -> Path:
    found = sorted(CACHE.glob(f"{name}-{version}-*.whl"))
    if found:
        return found[0]
    log(f"pip download {name}=={version}")
    CACHE.mkdir(parents=True, exist_ok=True)
    command = [
        *(sys.executable, "-m", "pip", "download", "--no-deps", "-q", "--only-binary=:all:"),
        *("--python-version", "3.14", "-d", str(CACHE), f"{name}=={version}"),
    ]
    subprocess.run(command, check=True)
    found = sorted(CACHE.glob(f"{name}-{version}-*.whl"))
    if not found:
        raise SystemExit(f"build: pip download gave no wheel for {name}=={version}")
    return found[0]


def wheel_imports(wheel: Path) -> list[str]:
    """Top-level importable names in a pure wheel (what the lock's ``imports`` lists)."""
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    return sorted(
        top.removesuffix(".py")
        for top in tops
        if not top.endswith((".dist-info", ".data")) and (top.endswith(".py") or "." not in top)
    )


def lock_entry(wheel: Path, name: str, version: str, depends: list[str]) -> dict[str, object]:
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256_of(wheel),
        "package_type": "package",
        "imports": wheel_imports(wheel),
        "depends": depends,
        "unvendored_tests": False,
    }


def copy_if_changed(source: Path, target: Path) -> None:
    if target.exists():
        same = target.stat().st_size == source.stat().st_size
        if same and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            return
    shutil.copy2(source, target)


def assemble(wheels: dict[str, tuple[Path, str, list[str]]]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in CORE_FILES:
        copy_if_changed(CORE / name, OUT / name)
    stock = json.loads((CORE / "pyodide-lock.json").read_text())
    packages = {}
    for name, (wheel, version, depends) in wheels.items():
        copy_if_changed(wheel, OUT / wheel.name)
        packages[name] = lock_entry(OUT / wheel.name, name, version, depends)
    lock = {"info": stock["info"], "packages": packages}
    text = json.dumps(lock, indent=1, sort_keys=True) + "\n"
    lock_path = OUT / "pyodide-lock.json"
    if not lock_path.exists() or lock_path.read_text() != text:
        lock_path.write_text(text)
    keep = {*CORE_FILES, "pyodide-lock.json", *(w.name for w, _, _ in wheels.values())}
    for stale in OUT.iterdir():
        if stale.name not in keep:
            stale.unlink()
    return OUT


def build(force: bool = False) -> dict[str, object]:
    ensure_node_modules()
    ours = ensure_our_wheel(force)
    micropip = ensure_pypi_wheel(*MICROPIP)
    out = assemble(
        {
            "micropip": (micropip, MICROPIP[1], []),
            "nomyo-web": (ours, package_version(), []),
        }
    )
    return {"pyodide": str(out), "wheel": str(ours), "wheel_bytes": ours.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild the wheel even if current")
    args = parser.parse_args()
    result = build(force=args.force)
    log(f"wheel {result['wheel']} ({result['wheel_bytes']} bytes)")
    log(f"pyodide distribution {result['pyodide']}")


if __name__ == "__main__":
    main()
