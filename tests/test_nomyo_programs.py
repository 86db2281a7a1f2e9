"""Programs written for ``nomyo`` 0.2.9 (tests/nomyo_programs/) run both ways against one
router: unchanged, under the official client, and with only the import switched to
``nomyo_web``. What they print must be the same, line for line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.router import REPO_ROOT, RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

PROGRAMS = REPO_ROOT / "tests" / "nomyo_programs"
API_KEY = "nomyo-programs-key"
# A line each program must print, so two identical crashes cannot pass for a match.
EXPECTED = {
    "module_level_client.py": "Say hello.",
    "keys_and_positions.py": "all six positional: Hello!",
    "secure_memory.py": "zeroed after: True",
    "errors_tiers_tools.py": "ForbiddenError 403 Forbidden: Model not allowed",
    "acreate_and_parameters.py": "chat.completion Qwen/Qwen3-0.6B stop",
}


@pytest.fixture(scope="module")
def program_router(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    flags = ["--upstream", stub_upstream_server.url, "--api-key", API_KEY]
    with start_router(*flags, "--tier-models", "maximum=allowed-model") as router:
        yield router


def switch_import(source: str) -> str:
    """The one change a user makes: ``from nomyo import`` becomes ``from nomyo_web import``."""
    switched = source.replace("from nomyo import", "from nomyo_web import")
    assert switched != source and "nomyo " not in switched.replace("nomyo_web", "")
    return switched


def run(program: Path, router: RouterProcess) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOMYO_")}
    env.update(ROUTER_URL=router.url, ROUTER_API_KEY=API_KEY, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, str(program)],
        cwd=program.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_every_program_is_compared() -> None:
    assert {path.name for path in PROGRAMS.glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_program_prints_the_same_under_both_clients(
    name: str, program_router: RouterProcess, tmp_path: Path
) -> None:
    original = PROGRAMS / name
    switched = tmp_path / name
    switched.write_text(switch_import(original.read_text()))
    official, ours = run(original, program_router), run(switched, program_router)
    assert official.returncode == 0, official.stderr
    assert ours.returncode == 0, ours.stderr
    assert EXPECTED[name] in official.stdout, official.stdout
    assert ours.stdout.splitlines() == official.stdout.splitlines()
