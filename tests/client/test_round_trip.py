"""create(): what goes into the sealed payload, what comes back, which headers travel."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from nomyo_web import InvalidParameterError, SecureChatCompletion, SecurityError

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get weather information for a location",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
    }
]


async def test_returns_the_decrypted_completion_dict(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    client = make_client()
    response = await client.create(model="Qwen/Qwen3-0.6B", messages=MESSAGES, temperature=0.7)
    assert isinstance(response, dict) and response["object"] == "chat.completion"
    assert response["choices"][0]["message"]["content"] == MESSAGES[0]["content"]
    metadata = response["_metadata"]
    posted = mitm.posts()[-1]
    assert metadata["payload_id"] == posted.headers["X-Payload-ID"]
    uuid.UUID(metadata["payload_id"])
    assert metadata["is_encrypted"] is True
    assert metadata["encryption_algorithm"] == "hybrid-aes256-rsa4096"
    assert isinstance(metadata["processed_at"], int | float)


async def test_openai_parameters_travel_untouched_and_client_options_never(
    make_client, stub_upstream
) -> None:
    client = make_client()
    params = {
        "temperature": 0.2,
        "max_tokens": 17,
        "seed": 42,
        "stop": ["\n\n"],
        "top_p": 0.9,
        "response_format": {"type": "json_object"},
        "tools": TOOLS,
        "tool_choice": "auto",
        "user": "u-1",
        "logit_bias": {"50256": -100},
    }
    await client.create(
        model="m",
        messages=MESSAGES,
        security_tier="high",
        api_key="k-1",
        timeout=30.0,
        max_retries=0,
        **params,
    )
    received = stub_upstream.requests[-1]
    for name, value in params.items():
        assert received[name] == value, name
    assert received["model"] == "m" and received["messages"] == MESSAGES
    for option in ("security_tier", "api_key", "timeout", "max_retries", "base_url"):
        assert option not in received


async def test_tool_calls_come_back_as_sent(make_client, stub_upstream) -> None:
    client = make_client()
    response = await client.create(
        model="m", messages=MESSAGES, tools=TOOLS, tool_choice="required"
    )
    choice = response["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["type"] == "function" and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"location": MESSAGES[0]["content"]}


async def test_wire_carries_ciphertext_only(make_client, stub_upstream, mitm: Mitm) -> None:
    client = make_client(api_key="sk-very-secret")
    secret = "Patient 4711 has condition Z"
    await client.create(model="m", messages=[{"role": "user", "content": secret}])
    posted = mitm.posts()[-1]
    assert secret.encode() not in posted.body
    assert b"sk-very-secret" not in posted.body
    assert posted.headers["Content-Type"] == "application/octet-stream"
    assert posted.headers["Authorization"] == "Bearer sk-very-secret"
    envelope = json.loads(posted.body)
    assert envelope["version"] == "1.0" and envelope["algorithm"] == "hybrid-aes256-rsa4096"


@pytest.mark.parametrize("tier", ["standard", "high", "maximum"])
async def test_tier_is_a_header(make_client, stub_upstream, mitm: Mitm, tier: str) -> None:
    client = make_client()
    response = await client.create(model="m", messages=MESSAGES, security_tier=tier)
    assert mitm.posts()[-1].headers["X-Security-Tier"] == tier
    assert response["_metadata"]["security_tier"] == tier


async def test_no_tier_no_header(make_client, stub_upstream, mitm: Mitm) -> None:
    await make_client().create(model="m", messages=MESSAGES)
    assert "X-Security-Tier" not in mitm.posts()[-1].headers
    assert "Authorization" not in mitm.posts()[-1].headers


@pytest.mark.parametrize("tier", ["low", "HIGH", "", 3, "standard "])
async def test_bad_tier_is_refused_before_any_traffic(make_client, mitm: Mitm, tier) -> None:
    client = make_client()
    with pytest.raises(InvalidParameterError) as caught:
        await client.create(model="m", messages=MESSAGES, security_tier=tier)
    assert isinstance(caught.value, ValueError) and caught.value.status_code is None
    assert mitm.seen == []


async def test_per_request_key_overrides_the_client_key(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    client = make_client(api_key="constructor-key")
    await client.create(model="m", messages=MESSAGES)
    await client.create(model="m", messages=MESSAGES, api_key="override-key")
    await client.create(model="m", messages=MESSAGES)
    assert [p.headers["Authorization"] for p in mitm.posts()] == [
        "Bearer constructor-key",
        "Bearer override-key",
        "Bearer constructor-key",
    ]


async def test_api_key_from_the_environment(
    make_client, stub_upstream, mitm: Mitm, monkeypatch
) -> None:
    monkeypatch.setenv("NOMYO_API_KEY", "env-key")
    await make_client().create(model="m", messages=MESSAGES)
    assert mitm.posts()[-1].headers["Authorization"] == "Bearer env-key"


async def test_server_key_is_fetched_once_even_for_concurrent_first_calls(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    client = make_client()
    await asyncio.gather(*(client.create(model="m", messages=MESSAGES) for _ in range(6)))
    await client.create(model="m", messages=MESSAGES)
    assert mitm.key_fetches() == 1 and len(mitm.posts()) == 7


async def test_failed_key_fetch_is_not_cached(make_client, stub_upstream, mitm: Mitm) -> None:
    from nomyo_web import ServiceUnavailableError

    client = make_client(max_retries=0)
    mitm.public_key_override = b"not a key"
    with pytest.raises(SecurityError):
        await client.create(model="m", messages=MESSAGES)
    mitm.public_key_override = None
    mitm.script(status=503)  # POSTs only; proves the key fetch below went through
    with pytest.raises(ServiceUnavailableError):
        await client.create(model="m", messages=MESSAGES)
    assert mitm.key_fetches() == 2


@pytest.mark.parametrize(
    "params",
    [
        {"model": "", "messages": MESSAGES},
        {"model": 3, "messages": MESSAGES},
        {"model": "m", "messages": "hi"},
        {"model": "m", "messages": MESSAGES, "seed": object()},
        {"model": "m", "messages": MESSAGES, "temperature": float("nan")},
        {"model": "m", "messages": [{"role": "user", "content": "x" * (10 * 2**20)}]},
    ],
)
async def test_invalid_requests_are_refused_before_sending(make_client, mitm: Mitm, params) -> None:
    with pytest.raises(InvalidParameterError):
        await make_client().create(**params)
    assert mitm.posts() == []


async def test_acreate_is_create(make_client, stub_upstream) -> None:
    response = await make_client().acreate(model="m", messages=MESSAGES)
    assert response["choices"][0]["message"]["content"] == MESSAGES[0]["content"]


async def test_per_request_base_url(
    make_client, stub_upstream, router_url: str, mitm: Mitm
) -> None:
    client = make_client()
    with pytest.warns(UserWarning, match="allow_http"):
        response = await client.create(model="m", messages=MESSAGES, base_url=router_url)
    assert response["choices"][0]["message"]["content"] == MESSAGES[0]["content"]
    assert mitm.seen == []


def test_repr_hides_the_api_key() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = SecureChatCompletion(
            base_url="http://127.0.0.1:9",
            allow_http=True,
            api_key="sk-hidden",
            key_rotation_interval=None,
        )
    assert "sk-hidden" not in repr(client) and "sk-hidden" not in str(vars(client).keys())
    client.dispose()
