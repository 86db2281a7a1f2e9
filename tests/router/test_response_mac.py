"""The router MACs every sealed answer, and independent code verifies the MAC.

The requests are sealed by independent test code with a known AES key, so the
router's ``response_mac`` is checked against a second implementation of the
extension (tests/unit/independent_crypto.py), not against the package itself.
"""

from __future__ import annotations

import json
import os

import pytest

from nomyo_router.secure_completion import INLINE_SEAL_BYTES
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat
from tests.unit import independent_crypto as ref


@pytest.fixture(scope="module")
def caller(router_url: str) -> Caller:
    return Caller.of(router_url)


def _ask(caller: Caller, text: str, payload_id: str, request_key: bytes) -> tuple[bytes, bytes]:
    """Seal ``text`` with ``request_key`` (independent code); the request body and the answer."""
    body = ref.dumps(ref.seal(json.dumps(chat(text)).encode(), caller.server_pem, key=request_key))
    answer = caller.post(body, caller.headers(payload_id))
    assert answer.status_code == 200, answer.text
    return body, answer.content


def test_every_answer_carries_a_mac_independent_code_verifies(
    caller: Caller, stub_upstream: StubUpstream
) -> None:
    for n in range(3):
        request_key = os.urandom(32)
        _, answer = _ask(caller, f"question {n}", f"mac-{n}", request_key)
        envelope = json.loads(answer)
        assert envelope["response_mac"] == ref.response_mac(request_key, f"mac-{n}", envelope)
        completion = json.loads(ref.open_envelope(envelope, caller.key.native))
        assert completion["choices"][0]["message"]["content"] == f"question {n}"


@pytest.mark.parametrize(
    "size", [10, 2 * INLINE_SEAL_BYTES], ids=["sealed-on-the-loop", "sealed-in-a-thread"]
)
def test_small_and_large_answers_carry_a_mac_independent_code_verifies(
    caller: Caller, stub_upstream: StubUpstream, size: int
) -> None:
    request_key, text = os.urandom(32), "x" * size
    _, answer = _ask(caller, text, f"mac-size-{size}", request_key)
    envelope = json.loads(answer)
    assert envelope["response_mac"] == ref.response_mac(request_key, f"mac-size-{size}", envelope)
    completion = json.loads(ref.open_envelope(envelope, caller.key.native))
    assert completion["choices"][0]["message"]["content"] == text
    assert completion["_metadata"]["payload_id"] == f"mac-size-{size}"


def test_the_mac_binds_the_payload_id_and_the_request_key(
    caller: Caller, stub_upstream: StubUpstream
) -> None:
    request_key = os.urandom(32)
    _, answer = _ask(caller, "bound", "mac-bound", request_key)
    envelope = json.loads(answer)
    assert envelope["response_mac"] != ref.response_mac(request_key, "mac-other", envelope)
    assert envelope["response_mac"] != ref.response_mac(os.urandom(32), "mac-bound", envelope)


def test_a_replay_is_answered_with_the_stored_mac(
    caller: Caller, stub_upstream: StubUpstream
) -> None:
    request_key = os.urandom(32)
    body, first = _ask(caller, "twice", "mac-replay", request_key)
    second = caller.post(body, caller.headers("mac-replay"))
    assert second.status_code == 200 and second.content == first
    assert stub_upstream.calls == 1
    envelope = json.loads(second.content)
    assert envelope["response_mac"] == ref.response_mac(request_key, "mac-replay", envelope)
