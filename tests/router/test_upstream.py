"""How the upstream's failures map to the router's statuses (one attempt each)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from nomyo_router.engines.upstream import MAX_ANSWER_BYTES
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat


@pytest.fixture(scope="module")
def caller(router_url: str) -> Caller:
    return Caller.of(router_url)


@pytest.mark.parametrize(
    ("script", "status", "detail"),
    [
        ({"status": 500}, 502, "Inference upstream failed (HTTP 500)"),
        ({"status": 503}, 503, "Inference upstream unavailable"),
        ({"garbage": True}, 502, "Inference upstream returned an invalid answer"),
        ({"body": {"no": "choices"}}, 502, "Inference upstream returned an invalid answer"),
        ({"status": 401}, 502, "Inference upstream refused the router"),
        ({"status": 404}, 400, "Inference upstream rejected the request (HTTP 404)"),
    ],
)
def test_upstream_failures_map_to_statuses(
    caller: Caller, stub_upstream: StubUpstream, script: dict, status: int, detail: str
):
    stub_upstream.push(**script)
    answer = caller.ask(chat())
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})
    assert stub_upstream.calls == 1  # one attempt: the client is the one that retries


def test_an_upstream_4xx_is_not_echoed(caller: Caller, stub_upstream: StubUpstream):
    stub_upstream.push(status=422, body={"error": {"message": "your prompt was: SECRET-PROMPT"}})
    answer = caller.ask(chat("SECRET-PROMPT"))
    assert answer.status_code == 400
    assert "SECRET-PROMPT" not in answer.text


def test_an_upstream_429_passes_its_retry_after(caller: Caller, stub_upstream: StubUpstream):
    stub_upstream.push(status=429, retry_after="7")
    answer = caller.ask(chat())
    assert (answer.status_code, answer.json()) == (
        429,
        {"detail": "Inference upstream rate limited"},
    )
    assert answer.headers["retry-after"] == "7"


def test_the_upstream_sees_the_bare_request_and_its_key(stub_upstream_server: StubUpstream):
    with start_router(
        "--upstream", stub_upstream_server.url + "/v1/", "--upstream-api-key", "up-key"
    ) as router:
        stub_upstream_server.reset()
        caller = Caller.of(router.url)
        payload = chat(
            "tools please", tools=[{"type": "function", "function": {"name": "f"}}], stream=False
        )
        answer = caller.ask(payload)
        assert answer.status_code == 200
        assert stub_upstream_server.headers[0]["Authorization"] == "Bearer up-key"
        payload.pop("stream")
        assert stub_upstream_server.requests == [payload]
        assert caller.open(answer)["choices"][0]["finish_reason"] == "tool_calls"
        assert "up-key" not in router.logs()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_upstream_is_503_with_retry_after():
    with start_router("--upstream", f"http://127.0.0.1:{_closed_port()}") as router:
        answer = Caller.of(router.url).ask(chat())
        assert (answer.status_code, answer.json()) == (
            503,
            {"detail": "Inference upstream unreachable"},
        )
        assert int(answer.headers["retry-after"]) >= 1


@pytest.fixture(scope="module")
def impatient(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    with start_router("--upstream", stub_upstream_server.url, "--upstream-timeout", "1") as router:
        yield router


def test_a_slow_upstream_is_504_and_the_router_keeps_serving(
    impatient: RouterProcess, stub_upstream: StubUpstream
):
    stub_upstream.push(hang=True)
    caller = Caller.of(impatient.url)
    answer = caller.ask(chat())
    assert (answer.status_code, answer.json()) == (504, {"detail": "Inference upstream timed out"})
    assert caller.ask(chat("next")).status_code == 200


def test_a_redirect_is_not_followed(caller: Caller, stub_upstream: StubUpstream):
    stub_upstream.push(status=307, headers={"Location": stub_upstream.url + "/chat/completions"})
    answer = caller.ask(chat())
    assert (answer.status_code, answer.json()) == (
        502,
        {"detail": "Inference upstream failed (HTTP 307)"},
    )
    assert stub_upstream.calls == 1


def test_an_answer_over_32_mib_is_502(caller: Caller, stub_upstream: StubUpstream):
    stub_upstream.push(filler=MAX_ANSWER_BYTES + 1)
    answer = caller.ask(chat())
    assert (answer.status_code, answer.json()) == (
        502,
        {"detail": "Inference upstream answer too large"},
    )
    assert caller.ask(chat("next")).status_code == 200


def test_an_answer_cut_short_is_502_and_the_router_keeps_serving(
    caller: Caller, stub_upstream: StubUpstream
):
    stub_upstream.push(cut=True)
    answer = caller.ask(chat())
    assert (answer.status_code, answer.json()) == (502, {"detail": "Inference upstream failed"})
    assert caller.ask(chat("next")).status_code == 200


def test_the_upstreams_cookies_are_not_sent_back(caller: Caller, stub_upstream: StubUpstream):
    """One caller's exchange must not leave state that rides along with another's."""
    stub_upstream.push(headers={"Set-Cookie": "session=from-the-upstream; Path=/"})
    assert caller.ask(chat("first")).status_code == 200
    assert caller.ask(chat("second")).status_code == 200
    assert [headers.get("Cookie") for headers in stub_upstream.headers] == [None, None]
