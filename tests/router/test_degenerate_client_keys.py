"""A degenerate client key in X-Public-Key is a 400 before the engine runs.

Before the check, the router accepted such keys, ran the model, and failed
sealing the answer (a 500) -- or, for e = 1, sealed it in the clear.
"""

from __future__ import annotations

import pytest

from nomyo_web.protocol import encode_public_key_header
from tests.support.rsa_spki import DEGENERATE_KEYS, rsa_spki_pem
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

BAD_KEY = "Invalid X-Public-Key header: expected an RSA public key of 2048 to 8192 bits"


@pytest.fixture(scope="module")
def caller(router_url: str) -> Caller:
    return Caller.of(router_url)


def _client_modulus(caller: Caller) -> int:
    modulus: int = caller.key.public.native.public_numbers().n
    return modulus


@pytest.mark.parametrize("case", list(DEGENERATE_KEYS))
def test_a_degenerate_client_key_is_400_before_the_engine(
    caller: Caller, stub_upstream: StubUpstream, case: str
) -> None:
    pem = DEGENERATE_KEYS[case].pem(_client_modulus(caller))
    headers = caller.headers(extra={"X-Public-Key": encode_public_key_header(pem)})
    answer = caller.post(caller.seal(chat("never answered")), headers)
    detail = f"{BAD_KEY}: {DEGENERATE_KEYS[case].problem}"
    assert (answer.status_code, answer.json()) == (400, {"detail": detail})
    assert stub_upstream.calls == 0


def test_the_hand_encoded_client_key_is_answered(
    caller: Caller, stub_upstream: StubUpstream
) -> None:
    pem = rsa_spki_pem(_client_modulus(caller), 65537)
    headers = caller.headers(extra={"X-Public-Key": encode_public_key_header(pem)})
    answer = caller.post(caller.seal(chat("answered")), headers)
    assert answer.status_code == 200
    assert caller.open(answer)["choices"][0]["message"]["content"] == "answered"
    assert stub_upstream.calls == 1
