"""A replayed request gets the stored sealed answer; no second engine call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat


@pytest.fixture(scope="module")
def caller(router_url: str) -> Caller:
    return Caller.of(router_url)


def test_a_replay_gets_the_stored_answer_without_a_second_engine_call(
    caller: Caller, stub_upstream: StubUpstream
):
    body, headers = caller.seal(chat("once only")), caller.headers("replay-1")
    first = caller.post(body, headers)
    second = caller.post(body, headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert stub_upstream.calls == 1
    assert caller.open(second)["_metadata"]["payload_id"] == "replay-1"


def test_the_same_id_with_another_body_is_409(caller: Caller, stub_upstream: StubUpstream):
    assert caller.ask(chat("first"), payload_id="replay-2").status_code == 200
    answer = caller.ask(chat("second"), payload_id="replay-2")
    assert answer.status_code == 409
    assert answer.json() == {"detail": "X-Payload-ID was already used for a different request"}
    assert stub_upstream.calls == 1


def test_the_same_body_with_another_tier_is_409(caller: Caller, stub_upstream: StubUpstream):
    body = caller.seal(chat("tiered"))
    assert caller.post(body, caller.headers("replay-3")).status_code == 200
    answer = caller.post(body, caller.headers("replay-3", {"X-Security-Tier": "maximum"}))
    assert answer.status_code == 409


def test_a_failed_attempt_is_not_stored_so_its_retry_is_served(
    caller: Caller, stub_upstream: StubUpstream
):
    stub_upstream.push(status=500)
    body, headers = caller.seal(chat("try again")), caller.headers("replay-4")
    assert caller.post(body, headers).status_code == 502
    retry = caller.post(body, headers)
    assert retry.status_code == 200
    assert caller.open(retry)["choices"][0]["message"]["content"] == "try again"
    assert stub_upstream.calls == 2


def test_a_repeat_while_the_first_runs_waits_for_it(caller: Caller, stub_upstream: StubUpstream):
    stub_upstream.push(delay=1.0)
    body, headers = caller.seal(chat("slow")), caller.headers("replay-5")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: caller.post(body, headers), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    assert stub_upstream.calls == 1
