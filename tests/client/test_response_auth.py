"""A forging intermediary, through the real MITM proxy in front of the real router.

The intermediary is one the client's TLS trusts (a CDN, a corporate proxy, a
load balancer): it forwards the key fetch and the request, lets the router
answer, and returns an answer of its own, sealed to the client key it read in
``X-Public-Key`` and bound to the ``X-Payload-ID`` it read too. Nothing in a
v1.0 answer depends on a secret of the request, so only the response-
authentication extension (``response_mac``, keyed by the request's AES key,
which the intermediary never sees) tells the two apart.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nomyo_web import InvalidParameterError, SecurityError
from nomyo_web._exchange import REJECTED, UNAUTHENTICATED
from nomyo_web.crypto import PublicKeyHandle
from nomyo_web.protocol import SealedMessage
from tests.unit import independent_crypto as ref

from .conftest import PooledKeys
from .mitm import Mitm, Seen

MESSAGES = [{"role": "user", "content": "the secret diagnosis is Q"}]
FORGED = "take twice the dose"


def _header(post: Seen, name: str) -> str:
    return next(value for key, value in post.headers.items() if key.lower() == name.lower())


def _completion(content: str, payload_id: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-forged",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        "_metadata": {
            "payload_id": payload_id,
            "processed_at": 1,
            "is_encrypted": True,
            "response_status": "success",
            "security_tier": "standard",
        },
    }


def forge(mitm: Mitm, mac: str | None = None) -> Callable[[bytes], bytes]:
    """Replace the router's answer with the intermediary's own (``mac``: None, random, copied)."""

    def mutate(real: bytes) -> bytes:
        post = mitm.posts()[-1]
        payload_id = _header(post, "X-Payload-ID")
        client_pem = unquote(_header(post, "X-Public-Key"))
        envelope = ref.seal(json.dumps(_completion(FORGED, payload_id)).encode(), client_pem)
        envelope["processed_at"] = 1
        if mac == "random":
            envelope["response_mac"] = base64.b64encode(os.urandom(32)).decode()
        elif mac == "copied" and "response_mac" in json.loads(real):
            envelope["response_mac"] = json.loads(real)["response_mac"]
        return ref.dumps(envelope)

    return mutate


@pytest.fixture(scope="module")
def server_private(server_key_file: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(server_key_file.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@pytest.fixture(scope="module")
def server_fingerprint(server_private: rsa.RSAPrivateKey) -> str:
    import hashlib

    der = server_private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


# -- what "auto" cannot stop, and "required" does ---------------------------------------


@pytest.mark.parametrize("pinned", [False, True], ids=["no-pin", "pin"])
async def test_under_auto_a_forged_answer_without_a_mac_is_accepted(
    make_client, stub_upstream, mitm: Mitm, server_fingerprint: str, pinned: bool
) -> None:
    # The documented limit: "auto" accepts MAC-less answers, because NOMYO servers send
    # them today; an intermediary can strip the MAC and write its own, pin or not.
    client = make_client(server_key_fingerprint=server_fingerprint if pinned else None)
    mitm.script(mutate=forge(mitm))
    response = await client.create(model="m", messages=MESSAGES)
    assert response["choices"][0]["message"]["content"] == FORGED
    assert response["_metadata"]["is_encrypted"] is True
    assert stub_upstream.calls == 1  # the real router answered; the client never saw it


@pytest.mark.parametrize("how", ["constructor", "per-call", "constructor+pin", "per-call+pin"])
async def test_required_refuses_a_forged_answer_without_a_mac(
    make_client, stub_upstream, mitm: Mitm, server_fingerprint: str, how: str
) -> None:
    options: dict[str, Any] = {"max_retries": 2}
    if "pin" in how:
        options["server_key_fingerprint"] = server_fingerprint
    per_call: dict[str, Any] = {}
    if how.startswith("constructor"):
        options["response_auth"] = "required"
    else:
        per_call["response_auth"] = "required"
    client = make_client(**options)
    mitm.script(mutate=forge(mitm))
    with pytest.raises(SecurityError) as caught:
        await client.create(model="m", messages=MESSAGES, **per_call)
    assert caught.value.message == UNAUTHENTICATED
    assert caught.value.status_code is None and caught.value.error_details is None
    assert len(mitm.posts()) == 1  # a security failure is never retried
    assert "response_auth" not in stub_upstream.requests[-1]  # a client option, not payload


@pytest.mark.parametrize("mode", ["auto", "required"])
@pytest.mark.parametrize("mac", ["random", "copied"])
async def test_a_forged_answer_with_a_wrong_mac_is_refused_in_both_modes(
    make_client, stub_upstream, mitm: Mitm, server_fingerprint: str, mode: str, mac: str
) -> None:
    # "copied": the router's real MAC, moved onto the forged answer. It covers the
    # router's ciphertext, not the forger's, so it cannot verify.
    options: dict[str, Any] = {"server_key_fingerprint": server_fingerprint}
    if mode == "required":
        options["response_auth"] = mode  # "auto" is the default
    client = make_client(**options)
    mitm.script(mutate=forge(mitm, mac=mac))
    with pytest.raises(SecurityError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert caught.value.message == REJECTED
    assert len(mitm.posts()) == 1


@pytest.mark.parametrize(
    "value",
    ["Required", "off", "", None, True, 1],
    ids=["case", "off", "empty", "none", "bool", "int"],
)
async def test_an_unknown_response_auth_is_an_invalid_parameter_before_any_traffic(
    make_client, mitm: Mitm, value: Any
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        make_client(response_auth=value)
    assert "response_auth" in caught.value.message
    with pytest.raises(InvalidParameterError):
        await make_client().create(model="m", messages=MESSAGES, response_auth=value)
    assert mitm.posts() == []


@pytest.fixture(scope="module")
def intermediary_key() -> rsa.RSAPrivateKey:
    # The intermediary's own pair; 2048 bits, the smallest the router takes, keeps it quick.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("mode", ["auto", "required"])
async def test_a_substituted_client_key_exposes_the_answer_and_required_detects_it(
    make_client, stub_upstream, mitm: Mitm, server_fingerprint, intermediary_key, mode: str
) -> None:
    # X-Public-Key travels unauthenticated: the intermediary swaps in its own key, the
    # router seals the answer to it, and the intermediary reads it and reseals it to the
    # client. The MAC cannot make that read impossible; it makes the client refuse the
    # resealed answer, because its ciphertext is not the one the router MAC'd.
    stolen: list[dict[str, Any]] = []

    def reseal(real: bytes) -> bytes:
        envelope = json.loads(real)
        plaintext = ref.open_envelope(envelope, intermediary_key)
        stolen.append(json.loads(plaintext))
        resealed = ref.seal(plaintext, unquote(_header(mitm.posts()[-1], "X-Public-Key")))
        resealed.update(processed_at=envelope["processed_at"])
        if mode == "required":
            resealed.update(response_mac=envelope["response_mac"])
        return ref.dumps(resealed)

    client = make_client(server_key_fingerprint=server_fingerprint, response_auth=mode)
    own_key = quote(ref.public_pem(intermediary_key))
    mitm.script(mutate=reseal, forward_headers={"X-Public-Key": own_key})
    prompt = MESSAGES[0]["content"]
    if mode == "auto":
        response = await client.create(model="m", messages=MESSAGES)
        assert response["choices"][0]["message"]["content"] == prompt
    else:
        with pytest.raises(SecurityError) as caught:
            await client.create(model="m", messages=MESSAGES)
        assert caught.value.message == REJECTED
    assert stolen[0]["choices"][0]["message"]["content"] == prompt  # read in both modes


@pytest.mark.parametrize("when", ["first-fetch", "provoked-refetch"])
async def test_without_a_pin_an_intermediary_that_serves_the_key_defeats_even_required(
    make_client, stub_upstream, mitm: Mitm, intermediary_key, when: str
) -> None:
    # The limit a pin closes: whoever answers the key fetch holds the key the request is
    # sealed to, so it opens the request, learns its AES key, and MACs its own answer.
    # It need not be there for the first fetch: a "400 decryption_failed" makes the
    # client fetch the key again, and a different key gets the request resealed once.
    client = make_client(response_auth="required")
    if when == "provoked-refetch":
        await client.create(model="m", messages=MESSAGES)  # the real key, cached
        refused = {"detail": "Payload decryption failed", "code": "decryption_failed"}
        mitm.script(status=400, body=refused)
    mitm.public_key_override = ref.public_pem(intermediary_key).encode()
    read: list[bytes] = []

    def answer_as_the_server(post: Seen) -> bytes:
        plaintext, request_key = ref.open_with_key(json.loads(post.body), intermediary_key)
        read.append(plaintext)
        payload_id = _header(post, "X-Payload-ID")
        client_pem = unquote(_header(post, "X-Public-Key"))
        return ref.dumps(
            ref.answer(_completion(FORGED, payload_id), client_pem, request_key, payload_id)
        )

    mitm.script(answer=answer_as_the_server)
    response = await client.create(model="m", messages=MESSAGES)
    assert response["choices"][0]["message"]["content"] == FORGED
    assert json.loads(read[0])["messages"] == MESSAGES
    assert stub_upstream.calls == (1 if when == "provoked-refetch" else 0)


# -- honest answers --------------------------------------------------------------------


async def test_the_routers_answers_pass_under_required(
    make_client, stub_upstream, mitm: Mitm, server_fingerprint: str
) -> None:
    client = make_client(server_key_fingerprint=server_fingerprint, response_auth="required")
    for n in range(2):
        content = f"honest {n}"
        response = await client.create(model="m", messages=[{"role": "user", "content": content}])
        assert response["choices"][0]["message"]["content"] == content


async def test_a_replayed_answer_keeps_its_mac_and_passes(
    make_client, stub_upstream, mitm: Mitm, router_process
) -> None:
    # The router's first answer is lost on the way back; the client resends the same
    # bytes and payload id, and the router replays the stored answer, MAC included.
    client = make_client(response_auth="required", max_retries=1)
    mitm.script(status=502, after_forward=True, headers={"Retry-After": "0"})
    response = await client.create(model="m", messages=MESSAGES)
    assert response["choices"][0]["message"]["content"] == MESSAGES[0]["content"]
    first, second = mitm.posts()
    assert first.body == second.body
    assert _header(first, "X-Payload-ID") == _header(second, "X-Payload-ID")
    assert stub_upstream.calls == 1
    payload_id = _header(second, "X-Payload-ID")
    line = router_process.wait_for_log(f'"id":"{payload_id}".*"replayed":true')
    assert '"status":200' in line


class KeptKeys(PooledKeys):
    """The real backend, recording every request key it hands the client."""

    def __init__(self, pool: Any) -> None:
        super().__init__(pool)
        self.request_keys: list[bytearray] = []

    async def seal_request(
        self, plaintext: bytes | bytearray, public_key: PublicKeyHandle
    ) -> tuple[SealedMessage, bytearray]:
        sealed, key = await super().seal_request(plaintext, public_key)
        self.request_keys.append(key)
        return sealed, key


async def test_an_answer_macd_by_independent_code_is_accepted_and_logs_hold_no_secret(
    make_client, stub_upstream, mitm: Mitm, key_pool, server_private, caplog
) -> None:
    # The intermediary replaced by an honest independent server: it opens the request
    # with the server key (independent code), and answers, sealed and MAC'd, itself.
    seen: dict[str, str] = {}

    def independent_server(real: bytes) -> bytes:
        post = mitm.posts()[-1]
        payload_id = _header(post, "X-Payload-ID")
        _, request_key = ref.open_with_key(json.loads(post.body), server_private)
        envelope = ref.answer(
            _completion("independent", payload_id),
            unquote(_header(post, "X-Public-Key")),
            request_key,
            payload_id,
        )
        seen.update(key=request_key.hex(), mac=envelope["response_mac"])
        seen["key_b64"] = base64.b64encode(request_key).decode()
        return ref.dumps(envelope)

    caplog.set_level(logging.DEBUG, logger="nomyo_web")
    crypto = KeptKeys(key_pool)
    client = make_client(response_auth="required", crypto=crypto)
    mitm.script(mutate=independent_server)
    response = await client.create(model="m", messages=MESSAGES)
    assert response["choices"][0]["message"]["content"] == "independent"
    assert "response_mac verified" in caplog.text
    for secret in (seen["key"], seen["mac"], seen["key_b64"], "diagnosis"):
        assert secret not in caplog.text
    [kept] = crypto.request_keys
    assert kept == bytearray(32)  # the client wiped the request key once it was done


async def test_the_request_key_is_wiped_when_the_answer_is_refused(
    make_client, stub_upstream, mitm: Mitm, key_pool
) -> None:
    crypto = KeptKeys(key_pool)
    client = make_client(crypto=crypto)
    mitm.script(mutate=forge(mitm, mac="random"))
    with pytest.raises(SecurityError):
        await client.create(model="m", messages=MESSAGES)
    [kept] = crypto.request_keys
    assert kept == bytearray(32)
