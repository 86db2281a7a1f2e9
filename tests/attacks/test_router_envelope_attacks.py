"""Attacks sent TO the router: tampering, downgrades, weak keys, replays. Real router process.

Every refused request must be a 400/409 with an opaque ``detail`` and must never
reach the engine (counted at the stub upstream).
"""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from nomyo_web.protocol import encode_public_key_header

PATH = "/v1/chat/secure_completion"
PROMPT = "attack prompt: the patient's record 4711"


def _flip(field: str):
    def change(envelope: dict) -> None:
        container = envelope if field == "encrypted_aes_key" else envelope["encrypted_payload"]
        data = bytearray(base64.b64decode(container[field]))
        data[len(data) // 2] ^= 0x01
        container[field] = base64.b64encode(bytes(data)).decode()

    return change


def _edit(body: bytes, change) -> bytes:
    envelope = json.loads(body)
    change(envelope)
    return json.dumps(envelope).encode()


TAMPERING = {
    "ciphertext": _flip("ciphertext"),
    "tag": _flip("tag"),
    "nonce": _flip("nonce"),
    "wrapped_key": _flip("encrypted_aes_key"),
}
DOWNGRADES = {
    "version": lambda e: e.update(version="0.9"),
    "algorithm": lambda e: e.update(algorithm="hybrid-aes128-rsa2048"),
    "key_algorithm": lambda e: e.update(key_algorithm="RSA-PKCS1v15"),
    "payload_algorithm": lambda e: e.update(payload_algorithm="AES-128-CBC"),
}


def test_untampered_request_is_answered(router_url, stub_upstream, seal_request, open_answer):
    body, headers = seal_request(PROMPT)
    answer = httpx.post(router_url + PATH, content=body, headers=headers)
    assert answer.status_code == 200
    assert open_answer(answer.content)["choices"][0]["message"]["content"] == PROMPT
    assert stub_upstream.calls == 1  # the control for the tests below: the stub does count


@pytest.mark.parametrize("part", list(TAMPERING))
def test_tampered_request_is_400_opaque_and_never_reaches_the_engine(
    router_url, stub_upstream, seal_request, part
):
    body, headers = seal_request(PROMPT)
    answer = httpx.post(router_url + PATH, content=_edit(body, TAMPERING[part]), headers=headers)
    assert answer.status_code == 400
    # One answer for every part: nothing tells a wrong key from a bad tag.
    assert answer.json() == {"detail": "Payload decryption failed", "code": "decryption_failed"}
    assert stub_upstream.calls == 0


@pytest.mark.parametrize("field", list(DOWNGRADES))
def test_downgraded_request_is_refused(router_url, stub_upstream, seal_request, field):
    body, headers = seal_request(PROMPT)
    answer = httpx.post(router_url + PATH, content=_edit(body, DOWNGRADES[field]), headers=headers)
    assert answer.status_code == 400
    assert "unsupported" in answer.json()["detail"]
    assert stub_upstream.calls == 0


def _public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.mark.parametrize("bits", [1024, 2047])
def test_client_key_under_2048_bits_is_refused(router_url, stub_upstream, seal_request, bits):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    body, headers = seal_request(PROMPT)
    headers["X-Public-Key"] = encode_public_key_header(_public_pem(weak))
    answer = httpx.post(router_url + PATH, content=body, headers=headers)
    assert answer.status_code == 400 and "2048" in answer.json()["detail"]
    assert stub_upstream.calls == 0


def test_non_rsa_client_key_is_refused(router_url, stub_upstream, seal_request):
    body, headers = seal_request(PROMPT)
    headers["X-Public-Key"] = encode_public_key_header(
        _public_pem(ec.generate_private_key(ec.SECP256R1()))
    )
    assert httpx.post(router_url + PATH, content=body, headers=headers).status_code == 400
    assert stub_upstream.calls == 0


def test_request_sealed_for_another_server_key_is_400(
    router_url, stub_upstream, seal_request, key_pool_key
):
    body, headers = seal_request(PROMPT, key=key_pool_key.public)
    answer = httpx.post(router_url + PATH, content=body, headers=headers)
    assert answer.status_code == 400 and answer.json()["code"] == "decryption_failed"
    assert stub_upstream.calls == 0


def test_replayed_request_gets_the_stored_answer_without_a_second_inference(
    router_url, stub_upstream, seal_request
):
    body, headers = seal_request(PROMPT)
    first = httpx.post(router_url + PATH, content=body, headers=headers)
    again = httpx.post(router_url + PATH, content=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content  # the same sealed bytes
    assert stub_upstream.calls == 1


async def test_concurrent_replays_share_one_inference(router_url, stub_upstream, seal_request):
    body, headers = seal_request(PROMPT)
    stub_upstream.push(delay=0.5)
    async with httpx.AsyncClient(base_url=router_url) as http:
        answers = await asyncio.gather(
            *(http.post(PATH, content=body, headers=headers) for _ in range(4))
        )
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert stub_upstream.calls == 1


def test_same_id_with_another_body_is_409(router_url, stub_upstream, seal_request):
    body, headers = seal_request(PROMPT)
    assert httpx.post(router_url + PATH, content=body, headers=headers).status_code == 200
    other, _ = seal_request("a different request")
    answer = httpx.post(router_url + PATH, content=other, headers=headers)
    assert answer.status_code == 409
    assert stub_upstream.calls == 1


def test_replay_with_the_attackers_key_does_not_release_the_answer(
    router_url, stub_upstream, seal_request, key_pool_key
):
    # An eavesdropper replays the victim's body and id under its own public key, hoping the
    # stored answer gets sealed to it: the binding to the original key refuses it.
    body, headers = seal_request(PROMPT)
    assert httpx.post(router_url + PATH, content=body, headers=headers).status_code == 200
    stolen = dict(headers, **{"X-Public-Key": encode_public_key_header(key_pool_key.public.pem)})
    answer = httpx.post(router_url + PATH, content=body, headers=stolen)
    assert answer.status_code == 409
    assert stub_upstream.calls == 1


def test_replay_under_another_tier_is_409(router_url, stub_upstream, seal_request):
    body, headers = seal_request(PROMPT)
    assert httpx.post(router_url + PATH, content=body, headers=headers).status_code == 200
    answer = httpx.post(
        router_url + PATH, content=body, headers={**headers, "X-Security-Tier": "high"}
    )
    assert answer.status_code == 409
