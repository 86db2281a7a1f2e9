"""End-to-end attacks on nomyo_web against real router processes.

The client suite (tests/client/test_security.py) covers a MITM substituting the key
on the fetch and tampering with answers; these add an impostor *router*, a pin across
a genuine key rotation, a swap between two different clients, and http:// with a
listening socket that proves nothing connected.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import warnings
from pathlib import Path

import pytest

from nomyo_web import SecureChatCompletion, SecurityError
from nomyo_web._exchange import REJECTED
from nomyo_web.crypto.pyca import PycaBackend
from tests.client.mitm import Mitm
from tests.support.keys import fresh_key_file
from tests.support.router import start_router

PROMPT = "end-to-end attack prompt: contract clause 7"
MESSAGES = [{"role": "user", "content": PROMPT}]
_backend = PycaBackend()


def _client(url: str, **options) -> SecureChatCompletion:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return SecureChatCompletion(base_url=url, allow_http=True, **options)


def _fingerprint(key_file: Path) -> str:
    return _backend.load_private_key_pem(key_file.read_bytes()).public.fingerprint


@pytest.fixture(scope="module")
def impostor(stub_upstream_server, tmp_path_factory):
    key_file = fresh_key_file(tmp_path_factory.mktemp("impostor"))
    with start_router("--upstream", stub_upstream_server.url, "--key-file", str(key_file)) as r:
        yield r


async def test_impostor_router_is_refused_by_a_pinned_client_before_any_request(
    impostor, server_key_file, stub_upstream
) -> None:
    client = _client(impostor.url, server_key_fingerprint=_fingerprint(server_key_file))
    with pytest.raises(SecurityError) as caught:
        await client.create(model="m", messages=MESSAGES)
    await client.aclose()
    assert "server_key_fingerprint" in caught.value.message
    assert "/v1/chat/secure_completion" not in impostor.logs()  # nothing was sent to it
    assert stub_upstream.calls == 0


async def test_impostor_router_is_trusted_on_first_use_without_a_pin(impostor, stub_upstream):
    # Documented behaviour: without server_key_fingerprint the first key fetched is trusted,
    # so whoever answers /pki/public_key (here a whole impostor router) reads the request.
    # This is why the README says: pin the key, and use https:// (TLS authenticates the host).
    client = _client(impostor.url)
    answer = await client.create(model="m", messages=MESSAGES)
    await client.aclose()
    assert answer["choices"][0]["message"]["content"] == PROMPT
    assert stub_upstream.calls == 1


async def test_pin_holds_across_a_genuine_key_rotation(stub_upstream, tmp_path) -> None:
    key_file = fresh_key_file(tmp_path)
    pin = _fingerprint(key_file)
    with start_router(
        "--upstream", stub_upstream.url, "--key-file", str(key_file), "--key-grace", "0"
    ) as router:
        client = _client(router.url, server_key_fingerprint=pin)
        await client.create(model="m", messages=MESSAGES)
        replacement = fresh_key_file(tmp_path, "next.pem")
        os.replace(replacement, key_file)
        router.signal(1)  # SIGHUP: the router now has a key the client was not told about
        router.wait_for_log("server key rotated")
        with pytest.raises(SecurityError) as caught:
            await client.create(model="m", messages=MESSAGES)
        await client.aclose()
    assert "server_key_fingerprint" in caught.value.message
    assert stub_upstream.calls == 1


async def test_unpinned_client_follows_a_rotation_without_a_failure(stub_upstream, tmp_path):
    key_file = fresh_key_file(tmp_path)
    with start_router(
        "--upstream", stub_upstream.url, "--key-file", str(key_file), "--key-grace", "0"
    ) as router:
        client = _client(router.url)
        await client.create(model="m", messages=MESSAGES)
        os.replace(fresh_key_file(tmp_path, "next.pem"), key_file)
        router.signal(1)
        router.wait_for_log("server key rotated")
        answers = await asyncio.gather(
            *(client.create(model="m", messages=MESSAGES) for _ in range(4))
        )
        await client.aclose()
    assert all(a["choices"][0]["message"]["content"] == PROMPT for a in answers)


async def test_answers_swapped_between_two_clients_are_refused(router_url, stub_upstream):
    proxy = Mitm(router_url)
    try:
        alice, bob = _client(proxy.url), _client(proxy.url)
        await asyncio.gather(
            alice.create(model="m", messages=MESSAGES), bob.create(model="m", messages=MESSAGES)
        )
        proxy.swap_pairs = True
        results = await asyncio.gather(
            alice.create(model="m", messages=[{"role": "user", "content": "alice's question"}]),
            bob.create(model="m", messages=[{"role": "user", "content": "bob's question"}]),
            return_exceptions=True,
        )
        await alice.aclose()
        await bob.aclose()
    finally:
        proxy.close()
    assert all(isinstance(r, SecurityError) and r.message == REJECTED for r in results)


@pytest.mark.parametrize("where", ["constructor", "per_request"])
async def test_http_without_allow_http_opens_no_socket(where, stub_upstream) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    with pytest.raises(SecurityError):
        if where == "constructor":
            SecureChatCompletion(base_url=url)
        else:
            client = SecureChatCompletion(base_url="https://127.0.0.1:9", max_retries=0)
            try:
                await client.create(model="m", messages=MESSAGES, base_url=url)
            finally:
                await client.aclose()
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    listener.close()


async def test_stale_cached_server_key_is_refetched_and_resealed_once_without_leaks(
    router_url, stub_upstream, caplog
) -> None:
    caplog.set_level(logging.DEBUG, logger="nomyo_web")
    client = _client(router_url, api_key="sk-attack-canary-123")
    await client.create(model="m", messages=MESSAGES)
    cache = next(iter(client._core._server_keys.values()))
    cache._key = _backend.generate_private_key_sync(2048).public  # a stale/foreign cached key
    answer = await client.create(model="m", messages=MESSAGES)  # re-fetched, resealed once
    await client.aclose()
    assert answer["choices"][0]["message"]["content"] == PROMPT
    assert "resealing" in caplog.text
    for secret in (PROMPT, "sk-attack-canary-123", "PRIVATE KEY"):
        assert secret not in caplog.text
