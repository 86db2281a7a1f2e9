"""examples/pyscript_app runs as a user would copy it: its own folder, its own pytest run.

The folder is copied out of the repository; ``node_modules`` is this checkout's
``web/node_modules`` (the same pinned pyodide and @pyscript/core that the example's
``npm ci`` installs); then ``pytest`` runs there with nothing else changed, so only
the example's own configuration and the installed nomyo-router plugin are in play.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.router import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "pyscript_app"


def test_the_pyscript_example_passes_its_own_tests(tmp_path: Path) -> None:
    app = shutil.copytree(EXAMPLE, tmp_path / "app")
    (app / "node_modules").symlink_to(REPO_ROOT / "web" / "node_modules")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout, done.stdout[-2000:]
