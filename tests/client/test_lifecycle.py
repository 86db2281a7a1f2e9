"""Keys in memory: background generation, rotation under load, dispose."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap

import pytest

from nomyo_web import ClientDisposedError
from nomyo_web.crypto import PrivateKeyHandle

from .conftest import PooledKeys

MESSAGES = [{"role": "user", "content": "hello"}]


async def test_first_key_is_generated_at_construction(make_client) -> None:
    client = make_client()
    await asyncio.sleep(0.05)
    assert client._core.keys._current is not None  # ready before any request


async def test_rotation_under_concurrent_requests_loses_nothing(
    make_client, stub_upstream, mitm
) -> None:
    client = make_client(key_rotation_interval=1)
    await client.create(model="m", messages=MESSAGES)
    keys_seen: set[str] = set()

    async def one(i: int) -> None:
        response = await client.create(model="m", messages=[{"role": "user", "content": f"#{i}"}])
        assert response["choices"][0]["message"]["content"] == f"#{i}"

    for wave in range(5):
        rotation = asyncio.create_task(client._core.keys.rotate()) if wave % 2 else None
        await asyncio.gather(*(one(wave * 16 + i) for i in range(16)))
        if rotation:
            await rotation
        keys_seen.update(p.headers["X-Public-Key"] for p in mitm.posts())
        await asyncio.sleep(0.3)
    assert client._core.keys.rotations >= 2
    assert len(keys_seen) >= 2


async def test_dispose_is_idempotent_and_final(make_client, stub_upstream) -> None:
    client = make_client()
    await client.create(model="m", messages=MESSAGES)
    client.dispose()
    client.dispose()
    assert client._core.keys._current is None and client._core._server_keys == {}
    with pytest.raises(ClientDisposedError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert isinstance(caught.value, RuntimeError)


async def test_async_with_disposes(make_client, stub_upstream) -> None:
    async with make_client() as client:
        await client.create(model="m", messages=MESSAGES)
    with pytest.raises(ClientDisposedError):
        await client.acreate(model="m", messages=MESSAGES)


class UninterruptibleKeys(PooledKeys):
    """Key generation that runs to its end even when the task awaiting it is cancelled,
    as a blocking backend call does (a thread, a WebCrypto promise); the test releases it."""

    def __init__(self, pool: list[PrivateKeyHandle]) -> None:
        super().__init__(pool)
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.made: list[PrivateKeyHandle] = []

    async def generate_private_key(self, bits: int = 4096) -> PrivateKeyHandle:
        self.started.set()
        while not self.release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await self.release.wait()
        key = await super().generate_private_key(bits)
        self.made.append(key)
        return key


async def test_dispose_during_first_key_generation(make_client, key_pool) -> None:
    crypto = UninterruptibleKeys(key_pool)
    client = make_client(crypto=crypto)
    await asyncio.wait_for(crypto.started.wait(), 5)  # generation is under way
    client.dispose()
    crypto.release.set()  # ... and finishes after the dispose
    for _ in range(100):
        if crypto.made:
            break
        await asyncio.sleep(0.01)
    (key,) = crypto.made
    assert client._core.keys._current is None  # the late key was not installed
    assert key.native is None and key.public.native is None  # ... and was dropped
    with pytest.raises(ClientDisposedError):
        await client.create(model="m", messages=MESSAGES)


def test_rotation_never_keeps_a_process_alive(router_url: str) -> None:
    # A script that forgets dispose() must still exit promptly, printing nothing.
    script = textwrap.dedent(f"""
        import asyncio, warnings
        warnings.simplefilter("ignore")
        from nomyo_web import SecureChatCompletion
        async def main():
            client = SecureChatCompletion(base_url="{router_url}", allow_http=True,
                                          key_rotation_interval=1)
            r = await client.create(model="m", messages=[{{"role": "user", "content": "x"}}])
            assert r["object"] == "chat.completion"
        asyncio.run(main())
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


async def test_rotations_are_counted_past_the_retired_keys_kept(make_client) -> None:
    client = make_client(key_rotation_interval=None)
    await client._core.keys.current()
    for _ in range(10):
        await client._core.keys.rotate()
    assert client._core.keys.rotations == 10
