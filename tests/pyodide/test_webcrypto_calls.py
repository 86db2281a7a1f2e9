"""What the client asks of WebCrypto, from the runtime's own call log (Node.js, Chromium).

The plugin's recorder (``nomyo_router.testing.webcrypto_log``) logs the shape of every
``crypto.subtle`` call: the operation, its algorithm, key format, extractable flag and
usages. Over a whole round trip the client's private key must be made non-extractable,
with only the usages it needs, and no private key may ever be exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nomyo_router.testing import webcrypto_log
from tests.client.test_response_auth import forge
from tests.pyodide.cors_mitm import CorsMitm
from tests.support.stub_upstream import StubUpstream

MESSAGES = [{"role": "user", "content": "what does the client ask of WebCrypto?"}]


@pytest.fixture
def webcrypto(interpreter: Any) -> Iterator[Any]:
    """The runtime's WebCrypto call log, emptied before the test."""
    if interpreter.name == "cpython":
        pytest.skip("WebCrypto is the Pyodide runtimes' backend")
    webcrypto_log.forget(interpreter.runner)
    yield interpreter.runner
    webcrypto_log.forget(interpreter.runner)


def test_a_round_trip_makes_a_non_extractable_key_and_exports_no_private_key(
    interpreter: Any, webcrypto: Any, mitm_front: CorsMitm
) -> None:
    interpreter.call("client:make_client", client_id="webcrypto-log", base_url=mitm_front.url)
    answer = interpreter.call(
        "client:create", client_id="webcrypto-log", model="m", messages=MESSAGES
    )
    assert answer["choices"][0]["message"]["content"] == MESSAGES[0]["content"]
    calls = webcrypto_log.calls(webcrypto)
    [keypair] = [c for c in calls if c["op"] == "generateKey" and c["algorithm"] == "RSA-OAEP"]
    assert keypair["extractable"] is False
    assert sorted(keypair["usages"]) == ["decrypt", "encrypt", "unwrapKey", "wrapKey"]
    exported = sorted({c["format"] for c in calls if c["op"] == "exportKey"})
    assert exported == ["spki"]  # the public key's SPKI only: no message key is exported
    imported = {
        (c["format"], c["algorithm"], c["extractable"]) for c in calls if c["op"] == "importKey"
    }
    # The request's AES key (to seal) and its HKDF key (for the response_mac), both
    # imported non-extractable from bytes the client keeps and wipes; and the server's
    # public key (public: its SPKI is what the server published).
    assert imported == {
        ("raw", "AES-GCM", False),
        ("raw", "HKDF", False),
        ("spki", "RSA-OAEP", True),
    }
    opened = {(c["op"], c["algorithm"]) for c in calls if c["op"] in ("unwrapKey", "decrypt")}
    assert opened == {("unwrapKey", "RSA-OAEP"), ("decrypt", "AES-GCM")}
    interpreter.call("client:dispose", client_id="webcrypto-log", model="m", messages=MESSAGES)


def test_a_forged_answer_is_refused_before_the_private_key_is_used(
    interpreter: Any, webcrypto: Any, mitm_front: CorsMitm, stub_upstream: StubUpstream
) -> None:
    """The response_mac is verified first; a wrong one stops the answer before unwrapKey."""
    mitm_front.reset()
    interpreter.call("client:make_client", client_id="forged-log", base_url=mitm_front.url)
    interpreter.call("client:create", client_id="forged-log", model="m", messages=MESSAGES)
    webcrypto_log.forget(webcrypto)
    mitm_front.script(mutate=forge(mitm_front, mac="random"))
    error = interpreter.call(
        "client:create_error", client_id="forged-log", model="m", messages=MESSAGES
    )
    assert error["class"] == "SecurityError"
    ops = [(c["op"], c["algorithm"]) for c in webcrypto_log.calls(webcrypto)]
    assert ("verify", "HMAC") in ops
    assert not [op for op in ops if op[0] in ("unwrapKey", "decrypt")]
    interpreter.call("client:dispose", client_id="forged-log", model="m", messages=MESSAGES)
    mitm_front.reset()
