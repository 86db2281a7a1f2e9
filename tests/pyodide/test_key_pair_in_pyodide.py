"""``key_pair=``: the page's own first key pair (Node.js, Chromium), checked before first use.

A page may start generating the client's RSA pair in JavaScript while Pyodide is
still loading, and hand the pair (or its promise) to the client. The client uses it
only when it is what the client itself would make -- RSA-OAEP, SHA-256, 4096 bits,
exponent 65537, a non-extractable private key that may unwrapKey -- and refuses
anything else on every call, before any request is sealed. On CPython the option is
refused at construction (the cryptography backend has no CryptoKey to take).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives import serialization

from nomyo_router.testing import webcrypto_log
from tests.pyodide.cors_mitm import CorsMitm
from tests.support.keys import shared_private_key
from tests.support.stub_upstream import StubUpstream

MESSAGES = [{"role": "user", "content": "whose key opens this answer?"}]


def _shared_key_b64() -> dict[str, str]:
    native = shared_private_key().native
    pkcs8 = native.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    spki = native.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "pkcs8_b64": base64.b64encode(pkcs8).decode(),
        "spki_b64": base64.b64encode(spki).decode(),
    }


def _make_client(runtime: Any, client_id: str, wire: CorsMitm, variant: str, promise: bool) -> None:
    """A client in ``runtime`` whose key_pair is the page's (``variant`` says what is wrong)."""
    keys = _shared_key_b64()
    options = {"variant": variant, "promise": promise, **keys}
    runtime.call("key_pair:make_client", client_id=client_id, base_url=wire.url, **options)


@pytest.fixture
def pyodide_only(interpreter: Any) -> Any:
    if interpreter.name == "cpython":
        pytest.skip("key_pair is a WebCrypto CryptoKeyPair: the Pyodide runtimes' option")
    webcrypto_log.forget(interpreter.runner)
    return interpreter


@pytest.fixture
def wire(mitm_front: CorsMitm, stub_upstream: StubUpstream) -> Iterator[CorsMitm]:
    mitm_front.reset()
    yield mitm_front
    mitm_front.reset()


@pytest.mark.parametrize("promise", [True, False], ids=["promise", "pair"])
def test_the_pages_pair_is_the_clients_first_and_opens_the_answer(
    pyodide_only: Any, wire: CorsMitm, promise: bool
) -> None:
    client_id = f"page-pair-{promise}"
    _make_client(pyodide_only, client_id, wire, "good", promise)
    answer = pyodide_only.call("client:create", client_id=client_id, model="m", messages=MESSAGES)
    assert answer["choices"][0]["message"]["content"] == MESSAGES[0]["content"]
    pem = shared_private_key().public.pem
    assert pyodide_only.call("key_pair:client_public_pem", client_id=client_id) == pem
    [sent] = wire.headers_of_posts()
    assert unquote(sent["x-public-key"]) == pem
    calls = webcrypto_log.calls(pyodide_only.runner)
    assert not [c for c in calls if c["op"] == "generateKey" and c["algorithm"] == "RSA-OAEP"]
    assert sorted({c["format"] for c in calls if c["op"] == "exportKey"}) == ["spki"]
    pyodide_only.call("client:dispose", client_id=client_id)


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        ("extractable", "key_pair's private key is extractable"),
        ("sha1", "is not an RSA-OAEP SHA-256 key"),
        ("no-unwrap", "may not unwrapKey"),
        ("2048-bit", "is not 4096 bits"),
        ("not-a-pair", "key_pair is not a WebCrypto CryptoKeyPair"),
        ("rejected", "key_pair's generation failed"),
    ],
)
def test_a_refused_pair_fails_every_call_and_seals_nothing(
    pyodide_only: Any, wire: CorsMitm, variant: str, reason: str
) -> None:
    client_id = f"refused-{variant}"
    _make_client(pyodide_only, client_id, wire, variant, promise=True)
    for _ in range(2):
        error = pyodide_only.call(
            "client:create_error", client_id=client_id, model="m", messages=MESSAGES
        )
        assert error["class"] == "SecurityError"
        assert error["message"].startswith("the client's key_pair was refused: ")
        assert reason in error["message"]
    assert wire.posts() == []
    assert pyodide_only.call("key_pair:client_public_pem", client_id=client_id) is None
    pyodide_only.call("client:dispose", client_id=client_id)
