"""What the client refuses: downgrades, tampering, swaps, garbage, substituted keys, http://."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import warnings

import pytest

from nomyo_web import (
    InvalidRequestError,
    SecureChatCompletion,
    SecurityError,
)
from nomyo_web._exchange import REJECTED

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "the secret diagnosis is Q"}]


def _edit(change):
    def mutate(body: bytes) -> bytes:
        envelope = json.loads(body)
        change(envelope)
        return json.dumps(envelope).encode()

    return mutate


def _flip(field: str):
    def change(envelope):
        container = envelope if field == "encrypted_aes_key" else envelope["encrypted_payload"]
        data = bytearray(base64.b64decode(container[field]))
        data[0] ^= 0x80
        container[field] = base64.b64encode(bytes(data)).decode()

    return change


TAMPERING = {
    "downgraded version": _edit(lambda e: e.update(version="0.9")),
    "downgraded algorithm": _edit(lambda e: e.update(algorithm="hybrid-aes128-rsa2048")),
    "tampered ciphertext": _edit(_flip("ciphertext")),
    "tampered tag": _edit(_flip("tag")),
    "tampered nonce": _edit(_flip("nonce")),
    "tampered wrapped key": _edit(_flip("encrypted_aes_key")),
    "missing tag": _edit(lambda e: e["encrypted_payload"].pop("tag")),
    "not json": lambda body: b"<html>hello</html>",
    "empty body": lambda body: b"",
    "json array": lambda body: b"[]",
}


@pytest.mark.parametrize("attack", list(TAMPERING))
async def test_tampered_answers_are_security_errors_with_one_message(
    make_client, stub_upstream, mitm: Mitm, attack: str
) -> None:
    client = make_client(max_retries=2)
    mitm.script(mutate=TAMPERING[attack])
    with pytest.raises(SecurityError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert caught.value.message == REJECTED
    assert caught.value.status_code is None and caught.value.error_details is None
    assert len(mitm.posts()) == 1  # a security failure is never retried


async def test_answer_sealed_for_another_request_is_refused(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    # Two concurrent requests of one client: the proxy hands each the other's sealed answer.
    # Both are sealed to the same client key, so only the payload-id binding can tell.
    client = make_client()
    await client.create(model="m", messages=MESSAGES)
    mitm.swap_pairs = True
    results = await asyncio.gather(
        client.create(model="m", messages=[{"role": "user", "content": "first"}]),
        client.create(model="m", messages=[{"role": "user", "content": "second"}]),
        return_exceptions=True,
    )
    assert all(isinstance(r, SecurityError) and r.message == REJECTED for r in results)


async def test_pinned_server_key_is_accepted(make_client, stub_upstream, server_key_file) -> None:
    from nomyo_web.crypto.pyca import PycaBackend

    fingerprint = (
        PycaBackend().load_private_key_pem(server_key_file.read_bytes()).public.fingerprint
    )
    client = make_client(server_key_fingerprint=fingerprint.upper())
    response = await client.create(model="m", messages=MESSAGES)
    assert response["object"] == "chat.completion"


async def test_substituted_server_key_with_a_pin_is_refused_before_sending(
    make_client, mitm: Mitm, server_key_file, key_pool
) -> None:
    from nomyo_web.crypto.pyca import PycaBackend

    real = PycaBackend().load_private_key_pem(server_key_file.read_bytes()).public.fingerprint
    mitm.public_key_override = key_pool[0].public.pem.encode()
    client = make_client(server_key_fingerprint=real)
    with pytest.raises(SecurityError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert "server_key_fingerprint" in caught.value.message
    assert mitm.posts() == []


async def test_substituted_server_key_without_a_pin_is_trusted_on_first_use(
    make_client, stub_upstream, mitm: Mitm, key_pool
) -> None:
    # Without a pin the first key seen is trusted (as the official client does on every call).
    # The attacker's key seals the request for the attacker; the real router cannot open it,
    # answers 400, the client re-fetches the key, sees the same key, and gives up.
    mitm.public_key_override = key_pool[1].public.pem.encode()
    client = make_client(max_retries=0)
    with pytest.raises(InvalidRequestError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert caught.value.status_code == 400
    assert mitm.key_fetches() == 2 and len(mitm.posts()) == 1
    assert stub_upstream.calls == 0


async def test_weak_server_key_is_refused(make_client, mitm: Mitm) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    mitm.public_key_override = weak.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(SecurityError):
        await make_client().create(model="m", messages=MESSAGES)
    assert mitm.posts() == []


def test_http_without_allow_http_is_refused_before_anything() -> None:
    with pytest.raises(SecurityError) as caught:
        SecureChatCompletion(base_url="http://localhost:12435")
    assert "allow_http" in caught.value.message


async def test_http_per_request_base_url_without_allow_http(make_client) -> None:
    client = make_client(base_url="https://127.0.0.1:9", allow_http=False)
    with pytest.raises(SecurityError):
        await client.create(model="m", messages=MESSAGES, base_url="http://127.0.0.1:9")


async def test_allow_http_warns_exactly_once_per_client(
    make_client, stub_upstream, mitm, key_pool
) -> None:
    from .conftest import PooledKeys

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = SecureChatCompletion(
            base_url=mitm.url, allow_http=True, crypto=PooledKeys(key_pool)
        )
        await client.create(model="m", messages=MESSAGES)
        await client.create(model="m", messages=MESSAGES)
        await client.aclose()
    assert len(caught) == 1 and issubclass(caught[0].category, UserWarning)
    assert "allow_http" in str(caught[0].message)


@pytest.mark.parametrize(
    "url", ["ftp://x", "api.nomyo.ai", "https://", "https://u:p@h", "https://h/?q=1"]
)
def test_malformed_base_urls(url: str) -> None:
    from nomyo_web import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        SecureChatCompletion(base_url=url)


async def test_logs_never_hold_prompt_key_or_api_key(
    make_client, stub_upstream, mitm: Mitm, caplog
) -> None:
    caplog.set_level(logging.DEBUG, logger="nomyo_web")
    client = make_client(api_key="sk-log-canary")
    mitm.script(status=503, headers={"Retry-After": "0"})
    await client.create(model="m", messages=MESSAGES)
    mitm.script(mutate=TAMPERING["tampered tag"])
    with pytest.raises(SecurityError):
        await client.create(model="m", messages=MESSAGES)
    text = caplog.text
    assert caplog.records, "the client should log its attempts at debug level"
    for secret in ("secret diagnosis", "sk-log-canary", "PRIVATE KEY", "PUBLIC KEY"):
        assert secret not in text


def test_unreadable_ca_bundle_is_a_typed_error(monkeypatch, tmp_path) -> None:
    from nomyo_web import APIConnectionError

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(APIConnectionError) as caught:
        SecureChatCompletion(base_url="https://127.0.0.1:9", key_rotation_interval=None)
    assert "SSL_CERT_FILE" in caught.value.message
