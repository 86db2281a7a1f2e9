"""API keys (401), tiers (403), rate limits (429 with Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

UNAUTHORIZED = {"detail": "Invalid or missing API key"}


@pytest.fixture(scope="module")
def guarded(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream",
        stub_upstream_server.url,
        "--api-key",
        "key-one",
        "--tier-models",
        "maximum=vetted-model",
        "--tier-models",
        "high=vetted-model,other-model",
        env={"NOMYO_ROUTER_API_KEYS": "env-key-a, env-key-b"},
    ) as router:
        yield router


@pytest.fixture(scope="module")
def caller(guarded: RouterProcess) -> Caller:
    return Caller.of(guarded.url)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", "Bearer", "Basic key-one", "key-one", "Bearer key-one2"]
)
def test_without_a_valid_key_it_is_401(
    caller: Caller, stub_upstream: StubUpstream, authorization: str | None
):
    extra = {"Authorization": authorization} if authorization is not None else {}
    answer = caller.ask(chat(), extra)
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)
    assert answer.headers["www-authenticate"] == "Bearer"
    assert stub_upstream.calls == 0


@pytest.mark.parametrize("key", ["key-one", "env-key-a", "env-key-b"])
def test_flag_and_environment_keys_are_accepted(
    caller: Caller, key: str, stub_upstream: StubUpstream
):
    answer = caller.ask(chat(), {"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200


def test_api_keys_never_reach_the_log(guarded: RouterProcess, caller: Caller):
    caller.ask(chat("secret prompt text"), {"Authorization": "Bearer key-one"})
    caller.ask(chat(), {"Authorization": "Bearer a-wrong-key"})
    logs = guarded.logs()
    for secret in ("key-one", "a-wrong-key", "env-key-a", "secret prompt text"):
        assert secret not in logs


@pytest.mark.parametrize(
    ("tier", "model", "status"),
    [
        ("maximum", "test-model", 403),
        ("maximum", "vetted-model", 200),
        ("high", "other-model", 200),
        ("high", "test-model", 403),
        ("standard", "test-model", 200),
        (None, "anything", 200),
    ],
)
def test_tiers_allow_only_their_models(
    caller: Caller, stub_upstream: StubUpstream, tier: str | None, model: str, status: int
):
    extra = {"Authorization": "Bearer key-one"}
    if tier:
        extra["X-Security-Tier"] = tier
    answer = caller.ask(chat(model=model), extra)
    assert answer.status_code == status
    if status == 403:
        assert answer.json() == {"detail": f"Model not allowed for the {tier} security tier"}
        assert stub_upstream.calls == 0
    else:
        assert caller.open(answer)["_metadata"]["security_tier"] == (tier or "standard")


def test_over_the_rate_limit_it_is_429_with_retry_after(stub_upstream_server: StubUpstream):
    with start_router(
        "--upstream",
        stub_upstream_server.url,
        "--rate-limit",
        "2",
        "--api-key",
        "a",
        "--api-key",
        "b",
    ) as router:
        caller = Caller.of(router.url)
        as_a, as_b = {"Authorization": "Bearer a"}, {"Authorization": "Bearer b"}
        assert [caller.ask(chat(), as_a).status_code for _ in range(2)] == [200, 200]
        limited = caller.ask(chat(), as_a)
        assert (limited.status_code, limited.json()) == (429, {"detail": "Rate limit exceeded"})
        assert 1 <= int(limited.headers["retry-after"]) <= 30
        assert caller.ask(chat(), as_b).status_code == 200  # buckets are per API key
