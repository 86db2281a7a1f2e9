"""Every ```python block of the README runs as written, each in its own process, against a
real router over real TLS (the test CA of tests/test_examples.py, trusted through
``SSL_CERT_FILE``; ``NOMYO_BASE_URL`` points the blocks at it).

Top-level ``await`` runs as Jupyter and ``python -m asyncio`` run it: compiled with
``PyCF_ALLOW_TOP_LEVEL_AWAIT`` and awaited. A block tagged ```python pyodide is for
Pyodide only and is not run here. A block tagged ```python openai runs in the
OpenAI-SDK environment (tests/support/envs.py), with its production URL
(``https://api.nomyo.ai``) pointed at the same router and ``NOMYO_API_KEY`` set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.router import REPO_ROOT, RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.test_examples import Tls, make_test_tls

README = REPO_ROOT / "README.md"
RUNNER = """
import ast, asyncio, sys
source = open(sys.argv[1]).read()
code = compile(source, "README block", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
result = eval(code, {"__name__": "__main__"})
if asyncio.iscoroutine(result):
    asyncio.run(result)
"""
# What a block must print, found by a line of its source.
PRINTS = {
    'response = await client.create(model="Qwen/Qwen3-0.6B", messages=[{"role": "user"': (
        "Hello!\n"
    ),
    "with SyncSecureChatCompletion(api_key=": "Hello!\n",
    'print(answer("Hello again!"))': "Hello!\nHello again!\n",
    'security_teir="maximum"': ("unknown parameter 'security_teir': did you mean 'security_tier'?"),
    "ThreadPoolExecutor(4)": "['one', 'two', 'three']\n",
}


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", README.read_text(), re.S | re.M)


def openai_blocks() -> list[str]:
    return re.findall(r"^```python openai\n(.*?)^```$", README.read_text(), re.S | re.M)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_test_tls(tmp_path_factory.mktemp("readme-tls"))


@pytest.fixture(scope="module")
def readme_router(stub_upstream_server: StubUpstream, tls: Tls) -> Iterator[RouterProcess]:
    flags = ["--upstream", stub_upstream_server.url, "--tls-cert", str(tls.cert)]
    with start_router(*flags, "--tls-key", str(tls.key)) as router:
        yield router


def test_the_readme_has_the_blocks_this_test_expects() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 6
    for marker in PRINTS:
        assert sum(marker in block for block in blocks) == 1, marker


def run_block(
    python: str, block: str, tmp_path: Path, **env_vars: str
) -> subprocess.CompletedProcess[str]:
    """``block`` run as the README shows it, in ``python``, with ``env_vars`` (no other NOMYO_*)."""
    (tmp_path / "block.py").write_text(block)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOMYO_")}
    env.update(env_vars)
    done = subprocess.run(
        [python, "-c", RUNNER, str(tmp_path / "block.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"README block:\n{block}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_block_runs_as_written(
    index: int, tls: Tls, readme_router: RouterProcess, stub_upstream, tmp_path: Path
) -> None:
    block = python_blocks()[index]
    done = run_block(
        sys.executable, block, tmp_path, NOMYO_BASE_URL=readme_router.url, SSL_CERT_FILE=str(tls.ca)
    )
    for marker, printed in PRINTS.items():
        if marker in block:
            assert printed in done.stdout, done.stdout


@pytest.mark.parametrize("index", range(len(openai_blocks())))
def test_readme_openai_sdk_block_runs_with_the_real_sdk(
    index: int, tls: Tls, readme_router: RouterProcess, stub_upstream, tmp_path: Path
) -> None:
    from tests.support.envs import openai_sdk_env

    block = openai_blocks()[index].replace("https://api.nomyo.ai", readme_router.url)
    done = run_block(
        str(openai_sdk_env()),
        block,
        tmp_path,
        NOMYO_BASE_URL=readme_router.url,
        NOMYO_API_KEY="readme-key",
        SSL_CERT_FILE=str(tls.ca),
        PYTHONPATH=str(REPO_ROOT),
    )
    assert done.stdout == "Hello!\nHello again!\nStreamed!", done.stdout
