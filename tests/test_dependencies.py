"""nomyo-web's requirements shut out no current release and downgrade nothing.

Two environments are built fresh with pip from the package registry, this
checkout's wheel is installed into each, and the installed versions before and
after are compared (``pip check`` too); then the installed wheel (not this
checkout: no PYTHONPATH, run outside the repository) does a real round trip:

* beside ``nomyo==0.2.9``, which pins ``cryptography==48.0.0``, ``httpx==0.28.1``
  and every other dependency: nothing of nomyo's moves, and nomyo-web's own
  client works on those pins;
* beside the newest ``openai``, ``httpx2`` and ``cryptography``: ``nomyo-web[openai]`` with
  the ``nomyo-router`` wheel keeps them (and pulls the newest httpx, starlette and uvicorn);
  a router of that environment answers the OpenAI SDK through ``AsyncSecureTransport``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.envs import (
    build_env,
    build_router_wheel,
    build_wheel,
    downgrades,
    installed,
    pip_check,
    pip_install,
)
from tests.support.router import start_router
from tests.support.stub_upstream import StubUpstream

NOMYO_SIDE = """
import asyncio, sys, warnings
import nomyo, nomyo_web
from nomyo_web import SecureChatCompletion
assert "site-packages" in nomyo_web.__file__, nomyo_web.__file__
warnings.simplefilter("ignore")

async def main():
    async with SecureChatCompletion(base_url=sys.argv[1], allow_http=True) as client:
        answer = await client.create(model="m", messages=[{"role": "user", "content": "pinned"}])
    print(nomyo.__version__, answer["choices"][0]["message"]["content"])

asyncio.run(main())
"""

NEWEST_SIDE = """
import asyncio, sys, warnings
import httpx2, openai, nomyo_web
assert "site-packages" in nomyo_web.__file__, nomyo_web.__file__
warnings.simplefilter("ignore")

async def main():
    transport = nomyo_web.AsyncSecureTransport(allow_http=True)
    http_client = httpx2.AsyncClient(transport=transport)
    async with openai.AsyncOpenAI(
        base_url=sys.argv[1] + "/v1", api_key="k", http_client=http_client
    ) as client:
        completion = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "newest"}]
        )
    print(openai.__version__, completion.choices[0].message.content)

asyncio.run(main())
"""


def run_in(python: Path, script: str, *args: str) -> str:
    """``script`` in ``python``'s environment, outside this checkout; its stdout."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    done = subprocess.run(
        [str(python), "-c", script, *args],
        cwd=python.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_beside_nomyo_0_2_9s_pins_nothing_moves(
    wheel: Path, tmp_path: Path, router_url: str, stub_upstream: StubUpstream
) -> None:
    python = build_env(tmp_path / "env", ["nomyo==0.2.9"])
    before = installed(python)
    assert (before["cryptography"], before["httpx"]) == ("48.0.0", "0.28.1")
    pip_install(python, [str(wheel)])
    after = installed(python)
    assert downgrades(before, after) == []
    assert {name: after[name] for name in before} == before  # not even an upgrade
    assert pip_check(python) == ""
    assert run_in(python, NOMYO_SIDE, router_url) == "0.2.9 pinned"


def test_beside_the_newest_openai_httpx2_and_cryptography_nothing_goes_down(
    wheel: Path, tmp_path: Path, stub_upstream: StubUpstream
) -> None:
    router_wheel = build_router_wheel(tmp_path / "router-wheel")
    python = build_env(tmp_path / "env", ["openai", "httpx2", "cryptography"])
    before = installed(python)
    pip_install(python, [f"{wheel}[openai]", str(router_wheel)])
    after = installed(python)
    assert downgrades(before, after) == []
    assert {name: after[name] for name in ("openai", "httpx2", "cryptography")} == {
        name: before[name] for name in ("openai", "httpx2", "cryptography")
    }
    assert pip_check(python) == ""
    newest = installed_newest(python, ["httpx", "starlette", "uvicorn"])
    assert {name: after[name] for name in newest} == newest
    with start_router("--upstream", stub_upstream.url, python=python) as router:
        assert run_in(python, NEWEST_SIDE, router.url) == f"{after['openai']} newest"


def installed_newest(python: Path, names: list[str]) -> dict[str, str]:
    """The newest release of each of ``names`` on the registry (``pip index versions``)."""
    newest = {}
    for name in names:
        done = subprocess.run(
            [str(python), "-m", "pip", "index", "versions", name],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        # First line: "<name> (<newest version>)"
        newest[name] = done.stdout.splitlines()[0].split("(")[1].rstrip(")")
    return newest
