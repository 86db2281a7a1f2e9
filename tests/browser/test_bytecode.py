"""The wheel and the standard library the pages load carry bytecode their Python uses,
and nothing else is added.

web/build.py puts into build/pyodide/ our published wheel (dist/) plus each module's
hash-checked .pyc, and Pyodide's python_stdlib.zip plus the .pyc of each module a
nomyo-web page imports, all compiled by Pyodide's own Python (web/bytecode.mjs), so a
page neither compiles our source nor that part of the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from nomyo_web import __version__
from tests.support.browser import BUILD_PYODIDE, REPO_ROOT

WHEEL_NAME = f"nomyo_web-{__version__}-py3-none-any.whl"
PAGE_WHEEL = BUILD_PYODIDE / WHEEL_NAME
PUBLISHED_WHEEL = REPO_ROOT / "dist" / WHEEL_NAME
PAGE_STDLIB = BUILD_PYODIDE / "python_stdlib.zip"
STOCK_STDLIB = REPO_ROOT / "web" / "node_modules" / "pyodide" / "python_stdlib.zip"

pytestmark = pytest.mark.skipif(
    not PAGE_WHEEL.is_file()
    or not PUBLISHED_WHEEL.is_file()
    or not STOCK_STDLIB.is_file()
    or shutil.which("node") is None,
    reason="needs build/pyodide and dist/ (python web/build.py), web/node_modules and Node.js",
)

# Imports nomyo_web in Pyodide from build/pyodide, as a page does, then reports for
# each of its modules whether Python would use the .pyc beside the source: a
# hash-checked .pyc whose hash is the source's (PEP 552).
NODE_CHECK = """
import { loadPyodide } from %(module)s;
const pyodide = await loadPyodide({ indexURL: %(index)s, packages: ["nomyo-web"] });
console.log(pyodide.runPython(`
import importlib.util, json, sys
import nomyo_web, nomyo_web.client, nomyo_web.crypto.webcrypto, nomyo_web.transport.fetch
import ipaddress, urllib.parse, uuid
stdlib = {name: sys.modules[name].__spec__.origin.rpartition(".")[2]
          for name in ("asyncio", "ipaddress", "urllib.parse", "uuid", "importlib.metadata")}
seen = {}
for name, module in sorted(sys.modules.items()):
    if not name.startswith("nomyo_web") or module.__spec__.cached is None:
        continue
    try:
        header = open(module.__spec__.cached, "rb").read(16)
    except FileNotFoundError:
        seen[name] = "no .pyc"
        continue
    source = open(module.__spec__.origin, "rb").read()
    checked = int.from_bytes(header[4:8], "little") == 0b11
    used = header[:4] == importlib.util.MAGIC_NUMBER and checked
    used = used and header[8:16] == importlib.util.source_hash(source)
    seen[name] = "used" if used else "stale"
json.dumps({"nomyo_web": seen, "stdlib": stdlib})
`));
"""


def _entries(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_page_wheel_is_the_published_one_plus_one_pyc_per_module() -> None:
    published, page = _entries(PUBLISHED_WHEEL), _entries(PAGE_WHEEL)
    record = next(name for name in published if name.endswith(".dist-info/RECORD"))
    assert {name: data for name, data in page.items() if name != record} == {
        **{name: data for name, data in published.items() if name != record},
        **{name: page[name] for name in page if name.endswith(".cpython-314.pyc")},
    }
    modules = {name for name in published if name.endswith(".py")}
    compiled = {name for name in page if name.endswith(".pyc")}
    expected = {
        str(Path(name).parent / "__pycache__" / f"{Path(name).stem}.cpython-314.pyc")
        for name in modules
    }
    assert compiled == expected
    # RECORD lists every file of the page wheel with its real hash and size.
    listed = {}
    for line in page[record].decode().splitlines():
        name, digest, size = line.rsplit(",", 2)
        listed[name] = (digest, size)
    for name, data in page.items():
        if name == record:
            assert listed[name] == ("", "")
            continue
        encoded = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert listed[name] == (f"sha256={encoded}", str(len(data))), name


def test_pyodide_imports_nomyo_web_from_its_bytecode(tmp_path: Path) -> None:
    script = tmp_path / "check.mjs"
    script.write_text(
        NODE_CHECK
        % {
            "module": json.dumps((BUILD_PYODIDE / "pyodide.mjs").as_uri()),
            "index": json.dumps(f"{BUILD_PYODIDE}/"),
        }
    )
    done = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(seen["nomyo_web"]) >= 20, seen
    assert set(seen["nomyo_web"].values()) == {"used"}, seen
    # zipimport names a module by its .pyc only when it ran that bytecode, which it
    # does only when the hash in it is the .py's.
    assert set(seen["stdlib"].values()) == {"pyc"}, seen


def test_the_page_stdlib_is_pyodides_plus_bytecode_beside_its_sources() -> None:
    stock, page = _entries(STOCK_STDLIB), _entries(PAGE_STDLIB)
    added = {name: data for name, data in page.items() if name not in stock}
    assert {name: data for name, data in page.items() if name in stock} == stock
    assert len(added) >= 100
    for name, data in added.items():
        assert name.endswith(".pyc") and name[:-1] in stock, name
        assert int.from_bytes(data[4:8], "little") == 0b11, name  # hash-checked
