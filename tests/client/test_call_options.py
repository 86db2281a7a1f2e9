"""create()'s keywords: client options steer the call (key fetches included), OpenAI
parameters are sealed untouched, misspelt client options are refused before sending,
and extra_body is merged into the payload as the OpenAI SDK does."""

from __future__ import annotations

import pytest

from nomyo_web import (
    APITimeoutError,
    InvalidParameterError,
    ServiceUnavailableError,
)
from nomyo_web._request import OPENAI_CHAT_PARAMETERS, edit_distance
from nomyo_web.crypto.pyca import PycaBackend

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("security_teir", "security_tier"),
        ("securitytier", "security_tier"),
        ("apikey", "api_key"),
        ("api_kye", "api_key"),
        ("max_retry", "max_retries"),
        ("maxretries", "max_retries"),
        ("timeuot", "timeout"),
        ("time_out", "timeout"),
        ("baseurl", "base_url"),
        ("extra_bdy", "extra_body"),
        ("API_KEY", "api_key"),
    ],
)
async def test_a_misspelt_client_option_is_refused_before_sending(
    make_client, mitm: Mitm, typo: str, meant: str
) -> None:
    client = make_client()
    with pytest.raises(InvalidParameterError) as caught:
        await client.create(model="m", messages=MESSAGES, **{typo: "maximum"})
    assert repr(meant) in caught.value.message and repr(typo) in caught.value.message
    assert "extra_body" in caught.value.message
    assert mitm.seen == []


@pytest.mark.parametrize("name", ["allow_http", "key_dir", "secure_memory", "crypto"])
async def test_a_constructor_option_given_to_create_is_refused(
    make_client, mitm: Mitm, name: str
) -> None:
    with pytest.raises(InvalidParameterError, match="constructor"):
        await make_client().create(model="m", messages=MESSAGES, **{name: True})
    assert mitm.seen == []


@pytest.mark.parametrize("name", ["extra_headers", "extra_query"])
async def test_sdk_request_options_we_cannot_honour_are_refused(
    make_client, mitm: Mitm, name: str
) -> None:
    with pytest.raises(InvalidParameterError, match="not supported"):
        await make_client().create(model="m", messages=MESSAGES, **{name: {"x": "y"}})
    assert mitm.seen == []


async def test_every_openai_parameter_passes_untouched(make_client, stub_upstream) -> None:
    # service_tier is one letter-swap-and-prefix away from security_tier; it must pass.
    params = {name: f"value-of-{name}" for name in OPENAI_CHAT_PARAMETERS - {"model", "messages"}}
    await make_client().create(model="m", messages=MESSAGES, **params)
    (sent,) = stub_upstream.requests
    for name, value in params.items():
        if name not in ("stream", "stream_options"):  # the router answers whole, never streams
            assert sent[name] == value, name


async def test_unknown_parameters_far_from_any_option_pass_untouched(
    make_client, stub_upstream
) -> None:
    vendor = {"top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1, "chat_template_kwargs": {}}
    await make_client().create(model="m", messages=MESSAGES, **vendor)
    (sent,) = stub_upstream.requests
    assert {name: sent[name] for name in vendor} == vendor


async def test_extra_body_is_merged_into_the_payload_last(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    await make_client().create(
        model="m",
        messages=MESSAGES,
        temperature=0.1,
        extra_body={"security_teir": "kept on purpose", "temperature": 0.9, "top_k": 3},
    )
    (sent,) = stub_upstream.requests
    assert sent["security_teir"] == "kept on purpose"
    assert sent["temperature"] == 0.9 and sent["top_k"] == 3
    assert "extra_body" not in sent
    assert "X-Security-Tier" not in mitm.posts()[0].headers


@pytest.mark.parametrize("extra_body", [["a"], {1: "x"}, "text"])
async def test_a_bad_extra_body_is_refused(make_client, mitm: Mitm, extra_body) -> None:
    with pytest.raises(InvalidParameterError, match="extra_body"):
        await make_client().create(model="m", messages=MESSAGES, extra_body=extra_body)
    assert mitm.seen == []


async def test_messages_may_be_any_sequence_of_message_dicts(make_client, stub_upstream) -> None:
    client = make_client()
    for messages in (tuple(MESSAGES), [dict(MESSAGES[0])], MESSAGES):
        answer = await client.create(model="m", messages=messages)
        assert answer["choices"][0]["message"]["content"] == "hello"
    assert stub_upstream.requests[0]["messages"] == MESSAGES


def _stale(client) -> None:
    """Make the client's cached server key a foreign one, as after a server key rotation."""
    (cache,) = client._core._server_keys.values()
    cache._key = PycaBackend().generate_private_key_sync(2048).public


async def test_a_calls_max_retries_reach_its_key_refetch(make_client, stub_upstream, mitm: Mitm):
    client = make_client(max_retries=0)
    await client.create(model="m", messages=MESSAGES)  # the first fetch, with no retries
    _stale(client)
    mitm.script(times=2, method="GET", status=503)
    answer = await client.create(model="m", messages=MESSAGES, max_retries=2)
    assert answer["choices"][0]["message"]["content"] == "hello"
    assert mitm.key_fetches() == 4  # the first, then two 503s and the one that worked


async def test_a_calls_timeout_reaches_its_key_refetch(make_client, stub_upstream, mitm: Mitm):
    client = make_client(max_retries=0, timeout=600)
    await client.create(model="m", messages=MESSAGES)
    _stale(client)
    mitm.script(method="GET", hang=30)
    with pytest.raises(APITimeoutError):
        await client.create(model="m", messages=MESSAGES, timeout=0.5)


async def test_without_retries_the_refetch_fails_typed(make_client, stub_upstream, mitm: Mitm):
    client = make_client(max_retries=0)
    await client.create(model="m", messages=MESSAGES)
    _stale(client)
    mitm.script(method="GET", status=503)
    with pytest.raises(ServiceUnavailableError):
        await client.create(model="m", messages=MESSAGES)


def test_edit_distance_counts_a_swap_as_one() -> None:
    assert edit_distance("security_teir", "security_tier") == 1
    assert edit_distance("apikey", "api_key") == 1
    assert edit_distance("max_retry", "max_retries") == 3
    assert edit_distance("", "abc") == 3 and edit_distance("same", "same") == 0
