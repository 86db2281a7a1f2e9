"""Build the offline JupyterLite site the router serves at /demo/lite/: build/jupyterlite/.

    python web/jupyterlite/build.py          # needs the `lite` extra (jupyterlite-core + kernel)

Steps:
1. ``web/build.py`` (build/pyodide/: Pyodide core, micropip, our wheel, rewritten lock).
2. PyPI wheels, at the Pyodide lock's exact versions, of what the Pyodide kernel loads
   at start (ipython and its dependencies, jedi, parso) plus ``comm``, cached in
   .cache/lite-wheels/ (``pip download --no-deps --only-binary=:all: --python-version 3.14``).
3. A lite source dir, build/lite-src/: ``jupyter-lite.json``, the notebook in ``files/``,
   the core + all wheels + a rewritten lock in ``static/pyodide/`` (the kernel addon
   then points the kernel at it instead of a CDN), our wheel in ``pypi/``.
4. ``jupyter lite build`` from it into build/jupyterlite/.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE = ROOT / "build" / "lite-src"
OUT = ROOT / "build" / "jupyterlite"
WHEELS = ROOT / ".cache" / "lite-wheels"

# What the kernel imports at start, as named in the Pyodide lock; comm is not in it.
KERNEL_PACKAGES = (
    *("ipython", "asttokens", "decorator", "executing", "matplotlib-inline", "prompt-toolkit"),
    *("pure-eval", "pygments", "six", "stack-data", "traitlets", "wcwidth", "jedi", "parso"),
)
COMM = ("comm", "0.2.3")


def load_pyodide_build():  # type: ignore[no-untyped-def]
    """web/build.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("pyodide_build", ROOT / "web" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def download(name: str, version: str) -> Path:
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(WHEELS.glob(pattern))
    if found:
        return found[0]
    WHEELS.mkdir(parents=True, exist_ok=True)
    command = [
        *(sys.executable, "-m", "pip", "download", "--no-deps", "-q", "--only-binary=:all:"),
        *("--python-version", "3.14", "-d", str(WHEELS), f"{name}=={version}"),
    ]
    subprocess.run(command, check=True)
    found = sorted(WHEELS.glob(pattern))
    if not found:
        raise SystemExit(f"lite: pip download gave no wheel for {name}=={version}")
    return found[0]


def stage_pyodide(pb) -> None:  # type: ignore[no-untyped-def]
    """static/pyodide/ = build/pyodide + the kernel's wheels, with one lock for all."""
    target = SOURCE / "static" / "pyodide"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(pb.OUT, target)
    stock = json.loads((pb.CORE / "pyodide-lock.json").read_text())["packages"]
    lock = json.loads((target / "pyodide-lock.json").read_text())
    for name in KERNEL_PACKAGES:
        entry = stock[name]
        wheel = download(name, entry["version"])
        shutil.copy2(wheel, target / wheel.name)
        lock["packages"][name] = pb.lock_entry(
            target / wheel.name, name, entry["version"], entry["depends"]
        )
    wheel = download(*COMM)
    shutil.copy2(wheel, target / wheel.name)
    lock["packages"]["comm"] = pb.lock_entry(target / wheel.name, *COMM, [])
    text = json.dumps(lock, indent=1, sort_keys=True) + "\n"
    (target / "pyodide-lock.json").write_text(text)


def stage_source(our_wheel: Path) -> None:
    (SOURCE / "files").mkdir(parents=True, exist_ok=True)
    (SOURCE / "pypi").mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / "jupyter-lite.json", SOURCE / "jupyter-lite.json")
    shutil.copy2(HERE / "nomyo_web_guide.ipynb", SOURCE / "files" / "nomyo_web_guide.ipynb")
    for old in (SOURCE / "pypi").glob("*.whl"):
        old.unlink()
    shutil.copy2(our_wheel, SOURCE / "pypi" / our_wheel.name)


# JupyterLite's pages start with an inline script that imports config-utils.js; the
# router's CSP allows no inline script, so the pages load that module by src instead.
INLINE_BOOT = re.compile(
    r"<script>\s*\(async function \(\) \{.*?await import\(\s*'([^']+config-utils\.js[^']*)'"
    r"\s*\);\s*\}\.call\(this\)\);\s*</script>",
    re.DOTALL,
)


def drop_inline_scripts(site: Path) -> int:
    """Rewrite every page's inline boot script as ``<script type=module src=...>``."""
    count = 0
    for page in site.rglob("*.html"):
        text = page.read_text()
        new = INLINE_BOOT.sub(r'<script type="module" src="\1"></script>', text)
        if new != text:
            page.write_text(new)
            count += 1
    return count


def build() -> Path:
    pb = load_pyodide_build()
    pb.build()
    our_wheel = pb.ensure_our_wheel(False)
    SOURCE.mkdir(parents=True, exist_ok=True)
    stage_pyodide(pb)
    stage_source(our_wheel)
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter), "lite", "build", "--lite-dir", str(SOURCE), "--output-dir", str(OUT)]
    subprocess.run(command, check=True, cwd=SOURCE)
    drop_inline_scripts(OUT)
    boot = (OUT / "repl" / "index.html").read_text()
    if 'type="module" src="../config-utils.js' not in boot:
        raise SystemExit("lite: repl/index.html has no boot script we know (JupyterLite changed?)")
    return OUT


def main() -> None:
    print(f"lite: built {build().relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
