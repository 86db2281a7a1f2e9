"""``nomyo`` 0.2.9's public surface, checked against the installed reference package itself:
names, constructor positions and defaults, the ``api_key`` attribute, the error classes'
status codes, the memory helpers. The deliberate differences are the table in
docs/nomyo-compatibility.md; each one named there is asserted here too."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import nomyo
import pytest

import nomyo_web
from nomyo_web import (
    ClientDisposedError,
    InvalidParameterError,
    SecureChatCompletion,
    SyncSecureChatCompletion,
)

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "hello"}]
ERROR_CLASSES = [
    "APIError",
    "AuthenticationError",
    "InvalidRequestError",
    "APIConnectionError",
    "ForbiddenError",
    "RateLimitError",
    "ServerError",
    "ServiceUnavailableError",
    "SecurityError",
]
# base_url: None stands for NOMYO_BASE_URL or nomyo's default (the table says so).
DIFFERENT_DEFAULTS = {"base_url": (None, "https://api.nomyo.ai")}


def test_every_public_name_of_nomyo_exists() -> None:
    missing = [name for name in nomyo.__all__ if not hasattr(nomyo_web, name)]
    assert missing == []
    assert set(nomyo.__all__) <= set(nomyo_web.__all__)


@pytest.mark.parametrize("client", [SecureChatCompletion, SyncSecureChatCompletion])
def test_constructor_positions_and_defaults_are_nomyos(client: type) -> None:
    theirs = list(inspect.signature(nomyo.SecureChatCompletion.__init__).parameters.values())
    ours = list(inspect.signature(client.__init__).parameters.values())
    positional = [p for p in ours if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in positional] == [p.name for p in theirs]
    for mine, reference in zip(positional, theirs, strict=True):
        expected = DIFFERENT_DEFAULTS.get(mine.name, (reference.default,))[0]
        assert mine.default == expected, mine.name
    assert all(p.kind is p.KEYWORD_ONLY for p in ours[len(positional) :])


def test_create_takes_model_and_messages_first() -> None:
    theirs = list(inspect.signature(nomyo.SecureChatCompletion.create).parameters)[:3]
    for client in (SecureChatCompletion, SyncSecureChatCompletion):
        assert list(inspect.signature(client.create).parameters)[:3] == theirs


@pytest.mark.parametrize("name", ERROR_CLASSES)
def test_an_error_made_directly_carries_nomyos_status_code(name: str) -> None:
    theirs, ours = getattr(nomyo, name), getattr(nomyo_web, name)
    try:
        expected = theirs("x").status_code
    except AttributeError:  # nomyo's SecurityError and APIConnectionError have none
        expected = None
    assert ours("x").status_code == expected
    assert str(ours("x")) == str(theirs("x")) == "x"
    assert ours("x", 418).status_code == 418  # a given code still wins


def test_errors_keep_nomyos_parents() -> None:
    for name in ERROR_CLASSES:
        for parent in getattr(nomyo, name).__mro__[1:]:
            if parent.__module__.startswith("nomyo"):
                assert issubclass(getattr(nomyo_web, name), getattr(nomyo_web, parent.__name__))
    # nomyo raises the built-in ConnectionError when the server cannot be reached.
    assert issubclass(nomyo_web.APIConnectionError, ConnectionError)
    assert issubclass(nomyo_web.APITimeoutError, TimeoutError)


def _quiet(client: type, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return client(*args, **kwargs)


@pytest.mark.parametrize("client", [SecureChatCompletion, SyncSecureChatCompletion])
def test_positional_arguments_as_nomyo_takes_them(client: type, mitm: Mitm) -> None:
    made = _quiet(client, mitm.url, True, "sk-positional", True, None, 5)
    try:
        assert (made.base_url, made.allow_http, made.api_key) == (mitm.url, True, "sk-positional")
        assert (made.secure_memory, made.max_retries) == (True, 5)
    finally:
        made.dispose()


def test_key_dir_is_refused_with_the_reason_and_the_alternative(tmp_path) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        _quiet(SecureChatCompletion, "http://127.0.0.1:9", True, None, True, str(tmp_path))
    message = caught.value.message
    assert "memory only" in message and "server_key_fingerprint" in message
    assert str(tmp_path) not in message


@pytest.mark.parametrize("secure_memory", [True, False])
async def test_secure_memory_is_accepted_either_way(
    make_client, stub_upstream, secure_memory: bool
) -> None:
    client = make_client(secure_memory=secure_memory)
    answer = await client.create(model="m", messages=MESSAGES)
    assert answer["choices"][0]["message"]["content"] == "hello"
    assert client.secure_memory is secure_memory


async def test_setting_api_key_changes_the_key_of_later_calls(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    client = make_client(api_key="sk-first")
    await client.create(model="m", messages=MESSAGES)
    client.api_key = "sk-second"
    await client.create(model="m", messages=MESSAGES)
    client.api_key = None
    await client.create(model="m", messages=MESSAGES)
    sent = [post.headers.get("Authorization") for post in mitm.posts()]
    assert sent == ["Bearer sk-first", "Bearer sk-second", None]


def test_a_bad_api_key_attribute_is_refused() -> None:
    client = _quiet(SecureChatCompletion, "http://127.0.0.1:9", True, key_rotation_interval=None)
    with pytest.raises(InvalidParameterError):
        client.api_key = "line\nbreak"
    client.dispose()


def test_memory_helpers_answer_in_nomyos_shape() -> None:
    theirs, ours = nomyo.get_memory_protection_info(), nomyo_web.get_memory_protection_info()
    assert set(ours) == set(theirs)
    assert ours["has_memory_locking"] is False and ours["has_secure_zeroing"] is True
    nomyo_web.disable_secure_memory()
    try:
        assert nomyo_web.get_memory_protection_info()["enabled"] is False
    finally:
        nomyo_web.enable_secure_memory()
    assert nomyo_web.get_memory_protection_info()["enabled"] is True


def test_secure_buffers_zero_what_they_hold() -> None:
    secret = bytearray(b"top secret")
    with nomyo_web.secure_bytearray(secret) as buffer:
        assert secret == bytearray(len(secret))  # the caller's copy is zeroed at once
        assert bytes(buffer.data) == b"top secret" and len(buffer) == buffer.size == 10
        assert isinstance(buffer.address, int) and buffer.lock() is False
        held = buffer.data
    assert held == bytearray(10)
    with pytest.warns(DeprecationWarning), nomyo_web.secure_bytes(b"abc") as old:
        assert bytes(old) == b"abc"
    direct = nomyo_web.SecureBuffer(b"xyz", None)
    with direct:
        pass
    assert direct.data == bytearray(3)


async def test_disposed_clients_refuse_calls_as_before(make_client) -> None:
    client = make_client()
    client.dispose()
    with pytest.raises(ClientDisposedError):
        await client.create(model="m", messages=MESSAGES)
