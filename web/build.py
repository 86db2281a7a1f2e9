"""Build the local Pyodide distribution the pages and the Pyodide tests load: build/pyodide/.

    python web/build.py            # build what is stale, print what was built
    python web/build.py --force    # rebuild everything

Steps (each skipped when its output is current):
1. ``npm ci`` in web/ when web/node_modules does not hold the pinned ``pyodide``.
2. Our wheel, ``dist/nomyo_web-<version>-py3-none-any.whl`` (``pip wheel --no-deps .``),
   rebuilt only when a source file changed (hatchling builds are reproducible).
3. The micropip wheel and the OpenAI SDK's wheels from PyPI (``pip download``,
   each at a pinned version and checked against its pinned sha256), cached in
   build/cache/: ``openai`` and what it needs inside Pyodide, with PyPI's
   ``pyemscripten_2026_0_wasm32`` builds of ``pydantic-core`` and ``jiter``.
4. Our wheel as the pages load it: the same wheel plus each module's bytecode,
   compiled by Pyodide's own Python (``node web/bytecode.mjs``; hash-checked
   .pyc files, so a page imports nomyo_web without compiling its source on every
   load). dist/ keeps the pure wheel we publish.
5. build/pyodide/ = the Pyodide core files + the wheels + a rewritten
   ``pyodide-lock.json`` holding exactly the packages that are present locally,
   with their real sha256, so ``await micropip.install("nomyo-web")`` works by
   name with integrity checks on, and no entry can send a loader to a CDN.
   ``micropip.install("nomyo-web")`` pulls nothing else; ``micropip.install("openai")``
   pulls the SDK's set (the lock's ``depends``), all from the same folder.
6. Its ``python_stdlib.zip``: Pyodide's, plus the bytecode of each standard-library
   module a page that loads nomyo-web imports (Pyodide's start, its package loader,
   nomyo_web's imports), the same way (``node web/bytecode.mjs stdlib``).

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
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
CACHE = BUILD / "cache"
OUT = BUILD / "pyodide"
CORE = WEB / "node_modules" / "pyodide"

PYODIDE_VERSION = "314.0.8"
PYODIDE_PLATFORM = "pyemscripten_2026_0_wasm32"
MICROPIP = ("micropip", "0.11.1")


class PinnedWheel(NamedTuple):
    """A PyPI wheel at an exact version and hash; ``depends``: its requirements inside Pyodide."""

    version: str
    sha256: str
    depends: tuple[str, ...] = ()


# The OpenAI SDK inside Pyodide 314 (Python 3.14, emscripten): ``Requires-Dist`` of each
# wheel evaluated for that platform (tests/pyodide/test_openai_wheels.py checks this table
# against the wheels' own metadata). httpx2 needs httpx2-jsfetch there, not httpcore2.
OPENAI_WHEELS = {
    "openai": PinnedWheel(
        "3.63.0",
        "51dbe5be02a11eb18b8ac35f2e89bdfbed42b40516f371648197bf7c4e721625",
        ("anyio", "httpx2", "jiter", "pydantic", "sniffio", "typing-extensions"),
    ),
    "httpx2": PinnedWheel(
        "2.17.0",
        "4345a932391496a082b65929f72260dbc9ce5cd2d21bcb28d00f0569935a6eb1",
        ("httpx2-jsfetch", "idna"),
    ),
    "httpx2-jsfetch": PinnedWheel(
        "1.0", "cb916b707601e69a07721aabc8f3f6659be3a6893bc1ff5c6f9e02241df2da32"
    ),
    "pydantic": PinnedWheel(
        "2.14.4",
        "653a2ad9f6d8858529c77c72717d0ea991d6c6837fe683246b2f4b2bbfc3fadc",
        ("annotated-types", "pydantic-core", "typing-extensions", "typing-inspection"),
    ),
    "pydantic-core": PinnedWheel(
        "2.50.5",
        "b2910ec0fa5aeb9bef70156f2b79f4783978fdcfaa7b2f1b5d1814458d2e79a1",
        ("typing-extensions",),
    ),
    "jiter": PinnedWheel(
        "0.19.0", "707b8194222a343c4a5e1574df95f5ade03e3f1cbdba77d8c89c6af0f40d92cd"
    ),
    "anyio": PinnedWheel(
        "4.16.0",
        "c66ae634e0b8228396b801741beb3294326d4b6102f7bba4041c0dfb58c29026",
        ("idna", "typing-extensions"),
    ),
    "sniffio": PinnedWheel(
        "1.3.1", "2f6da418d1f1e0fddd844478f41680e794e6051915791a034ff65e5f100525a2"
    ),
    "idna": PinnedWheel("3.21", "387ab0bbea1ee7a196ea5b24eb007bad0242cc3127fe96713939942bc9e720d7"),
    "typing-extensions": PinnedWheel(
        "4.16.0", "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8"
    ),
    "annotated-types": PinnedWheel(
        "0.8.0", "f072f4d804ea359e4eaf198b1af7a8b0943881a87f31bb764f8bf219bb9419e0"
    ),
    "typing-inspection": PinnedWheel(
        "0.4.5",
        "bc210535442b39e1bf2805e0c7a17dfd6a4ace760c84c7f7d16245d23a6b1c39",
        ("typing-extensions",),
    ),
}
CORE_FILES = (
    "pyodide.mjs",
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)
WHEEL_SOURCES = ("nomyo_web", "pyproject.toml", "README.md")
BYTECODE = WEB / "bytecode.mjs"  # steps 4 and 6; a change to it rebuilds their output
STDLIB = "python_stdlib.zip"  # in CORE_FILES; build/pyodide's gets bytecode (step 6)


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


def ensure_bytecode(mode: str, source: Path, target: Path, inputs: list[Path], force: bool) -> Path:
    """``node web/bytecode.mjs MODE SOURCE TARGET``, unless ``target`` was made from the same
    ``inputs`` (and the same bytecode.mjs and Pyodide core) before."""
    stamp = target.with_suffix(".source")
    digest = " ".join(sha256_of(path) for path in (*inputs, BYTECODE, CORE / "package.json"))
    if not force and target.exists() and stamp.exists() and stamp.read_text() == digest:
        return target
    log(f"compiling bytecode ({mode}) for Pyodide {PYODIDE_VERSION}: {target.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["node", str(BYTECODE), mode, str(source), str(target)], check=True)
    stamp.write_text(digest)
    return target


def ensure_pypi_wheel(name: str, version: str, sha256: str | None = None) -> Path:
    """A wheel for Pyodide's platform (or a pure one): from PyPI once, then from the cache."""
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(CACHE.glob(pattern))
    if not found:
        log(f"pip download {name}=={version}")
        CACHE.mkdir(parents=True, exist_ok=True)
        command = [
            *(sys.executable, "-m", "pip", "download", "--no-deps", "-q", "--only-binary=:all:"),
            *("--platform", PYODIDE_PLATFORM, "--platform", "any", "--implementation", "cp"),
            *("--python-version", "3.14", "-d", str(CACHE), f"{name}=={version}"),
        ]
        subprocess.run(command, check=True)
        found = sorted(CACHE.glob(pattern))
    if not found:
        raise SystemExit(f"build: pip download gave no wheel for {name}=={version}")
    if sha256 is not None and sha256_of(found[0]) != sha256:
        found[0].unlink()
        raise SystemExit(f"build: {found[0].name} does not have its pinned sha256; removed it")
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
        if name != STDLIB:
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
    wheels: dict[str, tuple[Path, str, list[str]]] = {
        "micropip": (micropip, MICROPIP[1], []),
        # The wheel as the pages load it: with each module's bytecode (step 4).
        "nomyo-web": (
            ensure_bytecode("wheel", ours, CACHE / "bytecode" / ours.name, [ours], force),
            package_version(),
            [],
        ),
    }
    for name, pin in OPENAI_WHEELS.items():
        wheel = ensure_pypi_wheel(name, pin.version, pin.sha256)
        wheels[name] = (wheel, pin.version, list(pin.depends))
    out = assemble(wheels)
    # Pyodide's standard library plus the bytecode a nomyo-web page imports (step 6).
    page_wheel = wheels["nomyo-web"][0]
    inputs = [CORE / STDLIB, page_wheel]
    stdlib = ensure_bytecode("stdlib", out, CACHE / "bytecode" / STDLIB, inputs, force)
    copy_if_changed(stdlib, out / STDLIB)
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
