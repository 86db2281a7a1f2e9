"""What a typed user sees: ``mypy --strict`` on a user's file that imports and uses every
public name finds the real types (not ``object``), a wrong ``security_tier`` is a type
error, ``dir(nomyo_web)`` lists the public names, and ``help()`` shows Args / Returns /
Raises for the constructor, ``create()`` and every error class."""

from __future__ import annotations

import os
import pydoc
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nomyo_web
from tests.support.router import REPO_ROOT

USER_FILE = """
from __future__ import annotations

import asyncio
from typing import Any, assert_type

import nomyo_web
from nomyo_web import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncSecureTransport,
    AuthenticationError,
    ClientDisposedError,
    ForbiddenError,
    InvalidParameterError,
    InvalidRequestError,
    NomyoError,
    RateLimitError,
    ResponseAuth,
    ResponseTooLargeError,
    SecureBuffer,
    SecureChatCompletion,
    SecureTransport,
    SecurityError,
    SecurityTier,
    ServerError,
    ServiceUnavailableError,
    SyncSecureChatCompletion,
    SyncUnsupportedError,
    UnsupportedEndpointError,
    __version__,
    disable_secure_memory,
    enable_secure_memory,
    get_memory_protection_info,
    secure_bytearray,
    secure_bytes,
)

MESSAGES = [{"role": "user", "content": "Hello!"}]
ERRORS: list[type[NomyoError]] = [
    APIConnectionError, APIError, APITimeoutError, AuthenticationError, ClientDisposedError,
    ForbiddenError, InvalidParameterError, InvalidRequestError, RateLimitError, SecurityError,
    ServerError, ServiceUnavailableError, SyncUnsupportedError, ResponseTooLargeError,
    UnsupportedEndpointError,
]


async def ask(client: SecureChatCompletion, tier: SecurityTier) -> str:
    auth: ResponseAuth = "required"
    answer = await client.create(
        "Qwen/Qwen3-0.6B", MESSAGES, security_tier=tier, response_auth=auth, temperature=0.7
    )
    assert_type(answer, dict[str, Any])
    again = await client.acreate(model="m", messages=(MESSAGES[0],), max_retries=0, timeout=None)
    assert_type(again, dict[str, Any])
    text: str = answer["choices"][0]["message"]["content"]
    return text


async def main() -> None:
    client = SecureChatCompletion("https://api.nomyo.ai", False, "key", True, None, 2, timeout=30.0)
    assert_type(client, SecureChatCompletion)
    client.api_key = "another"
    key: str | None = client.api_key
    print(await ask(client, "maximum"), key, client.base_url)
    async with SecureChatCompletion(api_key="k") as scoped:
        assert_type(scoped, SecureChatCompletion)
    await client.aclose()
    client.dispose()


def blocking() -> None:
    with SyncSecureChatCompletion("https://api.nomyo.ai", api_key="k") as client:
        assert_type(client, SyncSecureChatCompletion)
        answer = client.create("m", MESSAGES, security_tier="high", extra_body={"top_k": 3})
        assert_type(answer, dict[str, Any])
    client.close()
    try:
        client.create("m", MESSAGES)
    except AuthenticationError as error:
        code: int | None = error.status_code
        details: dict[str, Any] | None = error.error_details
        print(code, details, error.message)
    except ERRORS[0] as other:
        assert_type(other, NomyoError)


def openai_transports() -> None:
    # The OpenAI SDK's transports (the openai extra), with the client's options.
    sealed = AsyncSecureTransport(security_tier="high", response_auth="required")
    blocking = SecureTransport(allow_http=True, server_key_fingerprint=None)
    print(sealed, blocking)


def memory() -> None:
    info = get_memory_protection_info()
    assert_type(info, dict[str, Any])
    disable_secure_memory()
    enable_secure_memory()
    with secure_bytearray(bytearray(b"secret")) as buffer:
        assert_type(buffer, SecureBuffer)
        data: bytearray = buffer.data
    with secure_bytes(b"old") as old:
        size: int = old.size
    print(data, size, SecureBuffer(b"x").lock(), nomyo_web.__version__, __version__)


asyncio.run(main())
"""

WRONG_TIER = """
from nomyo_web import SyncSecureChatCompletion

SyncSecureChatCompletion().create("m", [], security_tier="maxmum")
"""


def _mypy_strict(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on ``source`` as a user's own file, finding nomyo_web in this tree."""
    user = tmp_path / "user_program.py"
    user.write_text(textwrap.dedent(source))
    env = {**os.environ, "MYPYPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary"]
    return subprocess.run(
        [*command, "--cache-dir", str(tmp_path / "cache"), str(user)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_user_file_uses_every_public_name() -> None:
    imported = set(re.findall(r"^    (\w+),$", USER_FILE, re.M))
    assert imported == set(nomyo_web.__all__)


def test_mypy_strict_on_a_users_file_sees_the_real_types(tmp_path: Path) -> None:
    done = _mypy_strict(tmp_path, USER_FILE)
    assert (done.returncode, done.stdout) == (0, ""), done.stdout + done.stderr


def test_mypy_strict_refuses_an_unknown_tier(tmp_path: Path) -> None:
    done = _mypy_strict(tmp_path, WRONG_TIER)
    assert done.returncode == 1
    assert "'maxmum'" in done.stdout and "security_tier" in done.stdout, done.stdout


def test_the_package_ships_its_types() -> None:
    assert (REPO_ROOT / "nomyo_web" / "py.typed").is_file()


def test_dir_lists_every_public_name() -> None:
    assert set(nomyo_web.__all__) <= set(dir(nomyo_web))


def _help(thing: object) -> str:
    return pydoc.render_doc(thing, renderer=pydoc.plaintext)


@pytest.mark.parametrize(
    "client", [nomyo_web.SecureChatCompletion, nomyo_web.SyncSecureChatCompletion]
)
def test_help_shows_args_returns_raises(client: type) -> None:
    shown = _help(client)
    constructor = _help(client.__init__)
    assert "Args:" in constructor and "Raises:" in constructor and "key_dir" in constructor
    create = _help(client.create)
    for section in ("Args:", "Returns:", "Raises:", "security_tier", "extra_body"):
        assert section in create, section
    assert "nomyo" in shown


def test_the_package_has_a_docstring() -> None:
    assert nomyo_web.__doc__ and "SyncSecureChatCompletion" in nomyo_web.__doc__


@pytest.mark.parametrize("name", [n for n in nomyo_web.__all__ if n.endswith("Error")])
def test_every_error_class_documents_its_arguments(name: str) -> None:
    shown = _help(getattr(nomyo_web, name))
    assert "Args:" in shown and "message" in shown and "status_code" in shown
