"""The official client, ``nomyo==0.2.9`` unchanged, against real router processes.

If it works against our router, the router speaks the protocol. Most clients
load one pre-generated key pair through ``key_dir`` (the client's own option)
to keep the suite fast; ``test_simple_completion`` lets the client generate its
own. nomyo waits 1 s and then 2 s between its retries.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nomyo
import pytest
from nomyo import SecureChatCompletion

from tests.client.mitm import Mitm
from tests.support.keys import shared_private_key
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import backend

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["c", "f"]},
            },
            "required": ["location"],
        },
    },
}


@pytest.fixture(autouse=True)
def _quiet_http_warning() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nomyo warns about plain HTTP and secure memory
        yield


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("nomyo-client-keys")
    key = shared_private_key()
    (directory / "private_key.pem").write_bytes(backend.private_key_to_pem(key))
    (directory / "private_key.pem").chmod(0o600)
    (directory / "public_key.pem").write_text(key.public.pem)
    return directory


def _client(url: str, key_dir: Path, **options: Any) -> SecureChatCompletion:
    return SecureChatCompletion(base_url=url, allow_http=True, key_dir=str(key_dir), **options)


def test_it_is_the_pinned_reference_client():
    assert nomyo.__version__ == "0.2.9"


async def test_simple_completion(router_url: str, stub_upstream: StubUpstream):
    client = SecureChatCompletion(base_url=router_url, allow_http=True)
    response = await client.create(
        model="test-model",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        temperature=0.7,
    )
    choice = response["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": "What is the capital of France?"}
    assert choice["finish_reason"] == "stop"
    assert response["model"] == "test-model"
    metadata = response["_metadata"]
    assert metadata["is_encrypted"] is True
    assert metadata["response_status"] == "success"
    assert metadata["security_tier"] == "standard"
    assert isinstance(metadata["processed_at"], int)
    assert stub_upstream.requests[0]["temperature"] == 0.7


async def test_system_message(router_url: str, stub_upstream: StubUpstream, key_dir: Path):
    messages = [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Say hello to the router"},
    ]
    response = await _client(router_url, key_dir).create(model="test-model", messages=messages)
    assert response["choices"][0]["message"]["content"] == "Say hello to the router"
    assert stub_upstream.requests[0]["messages"] == messages


async def test_tools_come_back_as_tool_calls(
    router_url: str, stub_upstream: StubUpstream, key_dir: Path
):
    response = await _client(router_url, key_dir).create(
        model="test-model",
        messages=[{"role": "user", "content": "What's the weather in Paris?"}],
        tools=[WEATHER_TOOL],
        tool_choice="auto",
    )
    choice = response["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"location": "What's the weather in Paris?"}
    assert stub_upstream.requests[0]["tools"] == [WEATHER_TOOL]
    assert stub_upstream.requests[0]["tool_choice"] == "auto"


@pytest.fixture(scope="module")
def policed(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream",
        stub_upstream_server.url,
        "--api-key",
        "the-key",
        "--tier-models",
        "maximum=vetted-model",
    ) as router:
        yield router


async def test_a_wrong_api_key_is_an_authentication_error(
    policed: RouterProcess, stub_upstream: StubUpstream, key_dir: Path
):
    client = _client(policed.url, key_dir, api_key="not-the-key")
    with pytest.raises(nomyo.AuthenticationError) as caught:
        await client.create(model="test-model", messages=[{"role": "user", "content": "let me in"}])
    assert caught.value.status_code == 401
    assert caught.value.error_details == {"detail": "Invalid or missing API key"}
    assert stub_upstream.calls == 0


async def test_a_per_request_api_key_overrides_the_clients(
    policed: RouterProcess, stub_upstream: StubUpstream, key_dir: Path
):
    client = _client(policed.url, key_dir, api_key="not-the-key")
    response = await client.create(
        model="test-model",
        messages=[{"role": "user", "content": "override works"}],
        api_key="the-key",
    )
    assert response["choices"][0]["message"]["content"] == "override works"
    assert "api_key" not in stub_upstream.requests[0]


async def test_a_model_outside_its_tier_is_forbidden(
    policed: RouterProcess, stub_upstream: StubUpstream, key_dir: Path
):
    client = _client(policed.url, key_dir, api_key="the-key")
    with pytest.raises(nomyo.ForbiddenError) as caught:
        await client.create(
            model="test-model",
            messages=[{"role": "user", "content": "classified"}],
            security_tier="maximum",
        )
    assert caught.value.status_code == 403
    assert caught.value.error_details == {
        "detail": "Model not allowed for the maximum security tier"
    }
    response = await client.create(
        model="vetted-model",
        messages=[{"role": "user", "content": "vetted"}],
        security_tier="maximum",
    )
    assert response["_metadata"]["security_tier"] == "maximum"
    assert stub_upstream.calls == 1


async def test_rate_limited_after_its_retries(stub_upstream: StubUpstream, key_dir: Path):
    with start_router("--upstream", stub_upstream.url, "--rate-limit", "1") as router:
        client = _client(router.url, key_dir)
        await client.create(model="test-model", messages=[{"role": "user", "content": "first"}])
        with pytest.raises(nomyo.RateLimitError) as caught:
            await client.create(model="test-model", messages=[{"role": "user", "content": "more"}])
        assert caught.value.status_code == 429
        assert caught.value.error_details == {"detail": "Rate limit exceeded"}
        records = router.request_log("/v1/chat/secure_completion", at_least=4)
        limited = [record for record in records if record["status"] == 429]
        assert len(limited) == 3  # the first attempt and two retries
        assert len({record["id"] for record in limited}) == 1  # all with the same payload id
        assert stub_upstream.calls == 1


async def test_upstream_unavailable_after_its_retries(
    router_url: str, stub_upstream: StubUpstream, key_dir: Path
):
    stub_upstream.push(status=503, retry_after="1", times=3)
    client = _client(router_url, key_dir)
    with pytest.raises(nomyo.ServiceUnavailableError) as caught:
        await client.create(model="test-model", messages=[{"role": "user", "content": "anyone?"}])
    assert caught.value.status_code == 503
    assert caught.value.error_details == {"detail": "Inference upstream unavailable"}
    assert stub_upstream.calls == 3


async def test_it_accepts_answers_that_carry_a_response_mac(
    router_url: str, stub_upstream: StubUpstream, key_dir: Path
):
    # The router adds response_mac to every sealed answer; a client without the
    # extension must ignore the field. A recording proxy shows it was there.
    answers: list[bytes] = []

    def record(body: bytes) -> bytes:
        answers.append(body)
        return body

    proxy = Mitm(router_url)
    try:
        proxy.script(times=2, mutate=record)
        client = _client(proxy.url, key_dir)
        for text in ("first", "second"):
            response = await client.create(
                model="test-model", messages=[{"role": "user", "content": text}]
            )
            assert response["choices"][0]["message"]["content"] == text
            assert response["_metadata"]["is_encrypted"] is True
    finally:
        proxy.close()
    assert len(answers) == 2
    assert all(len(base64.b64decode(json.loads(a)["response_mac"])) == 32 for a in answers)
