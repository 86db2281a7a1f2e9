"""A server key that changes under a cached one is logged at WARNING, without key material.

A real router rotates its key (SIGHUP, no grace); the client's next request
fails to open there (decryption_failed), the client fetches the key again and
finds another one. That change must be visible to an operator: one WARNING on
``nomyo_web`` with the base URL and the first 16 hex digits of both SPKI
fingerprints. A pinned client logs it too, and still refuses the new key.
"""

from __future__ import annotations

import logging
import os
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from nomyo_web import SecureChatCompletion, SecurityError
from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from tests.support.keys import private_copy, shared_private_key
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

from .conftest import PooledKeys

MESSAGES = [{"role": "user", "content": "across a rotation"}]


def _rotate(router: RouterProcess, key_file: Path, new_key: PrivateKeyHandle) -> None:
    """Replace the router's key file with ``new_key`` and make it re-read it."""
    staged = key_file.with_name("next.pem")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(PycaBackend().private_key_to_pem(new_key))
    os.replace(staged, key_file)
    router.signal(signal.SIGHUP)
    router.wait_for_log("server key rotated")


def _client(router: RouterProcess, key_pool: list[PrivateKeyHandle], **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return SecureChatCompletion(
            base_url=router.url,
            allow_http=True,
            max_retries=0,
            crypto=PooledKeys(key_pool),
            **options,  # type: ignore[arg-type]
        )


def _change_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "nomyo_web"
        and record.levelno == logging.WARNING
        and "changed" in record.getMessage()
    ]


def _assert_names_the_change(
    record: logging.LogRecord, url: str, old: PrivateKeyHandle, new: PrivateKeyHandle
) -> str:
    text = record.getMessage()
    assert url in text
    assert old.public.fingerprint[:16] in text and new.public.fingerprint[:16] in text
    assert old.public.fingerprint not in text and new.public.fingerprint not in text
    assert "PUBLIC KEY" not in text and "PRIVATE KEY" not in text
    return text


@pytest.fixture
def key_file(tmp_path: Path, server_key_file: Path) -> Path:
    return private_copy(server_key_file, tmp_path / "server.pem")


@pytest.fixture
def router(
    key_file: Path, stub_upstream: StubUpstream, caplog: pytest.LogCaptureFixture
) -> Iterator[RouterProcess]:
    """A router on ``key_file`` that forgets a rotated key at once (no grace)."""
    caplog.set_level(logging.WARNING, logger="nomyo_web")
    flags = ("--upstream", stub_upstream.url, "--key-file", str(key_file), "--key-grace", "0")
    with start_router(*flags) as process:
        yield process


async def test_a_changed_server_key_is_logged_at_warning(
    router: RouterProcess,
    key_file: Path,
    key_pool: list[PrivateKeyHandle],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with _client(router, key_pool) as client:
        await client.create(model="m", messages=MESSAGES)
        assert _change_warnings(caplog) == []
        _rotate(router, key_file, key_pool[2])
        after = await client.create(model="m", messages=MESSAGES)
        assert after["choices"][0]["message"]["content"] == "across a rotation"
    [record] = _change_warnings(caplog)
    text = _assert_names_the_change(record, router.url, shared_private_key(), key_pool[2])
    assert "refused" not in text


async def test_a_pinned_client_logs_the_change_and_keeps_refusing(
    router: RouterProcess,
    key_file: Path,
    stub_upstream: StubUpstream,
    key_pool: list[PrivateKeyHandle],
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = shared_private_key()
    async with _client(router, key_pool, server_key_fingerprint=old.public.fingerprint) as c:
        await c.create(model="m", messages=MESSAGES)
        _rotate(router, key_file, key_pool[2])
        with pytest.raises(SecurityError) as caught:
            await c.create(model="m", messages=MESSAGES)
        assert "server_key_fingerprint" in caught.value.message
        with pytest.raises(SecurityError):  # and on every later call
            await c.create(model="m", messages=MESSAGES)
    [record] = _change_warnings(caplog)
    text = _assert_names_the_change(record, router.url, old, key_pool[2])
    assert "refused" in text
    assert stub_upstream.calls == 1
