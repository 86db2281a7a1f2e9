"""The plugin's ``nomyo_server`` with the real client on CPython: scripted answers, the
record of what was asked, the key it accepts and the pin it offers."""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest

from nomyo_router.testing.server import NomyoServer
from nomyo_web import (
    AuthenticationError,
    RateLimitError,
    SecureChatCompletion,
    SecurityError,
    ServerError,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

ASK = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}]


@pytest.fixture
async def client(nomyo_server: NomyoServer) -> AsyncIterator[SecureChatCompletion]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # plain HTTP on loopback
        made = SecureChatCompletion(
            base_url=nomyo_server.base_url,
            api_key=nomyo_server.api_key,
            server_key_fingerprint=nomyo_server.fingerprint,
            allow_http=True,
            max_retries=0,
        )
    async with made:
        yield made


def _content(answer: dict[str, Any]) -> Any:
    return answer["choices"][0]["message"]["content"]


async def test_by_default_it_echoes_the_last_user_message(client: SecureChatCompletion) -> None:
    answer = await client.create(model="m", messages=ASK)
    assert _content(answer) == "echo: hello there"
    assert answer["model"] == "m" and answer["id"] == "chatcmpl-nomyo-1"


async def test_scripted_answers_come_in_order_then_the_default(
    client: SecureChatCompletion, nomyo_server: NomyoServer
) -> None:
    nomyo_server.answer("first")
    nomyo_server.answer(lambda request: f"{request['model']} had {len(request['messages'])}")
    answers = [_content(await client.create(model="m2", messages=ASK)) for _ in range(3)]
    assert answers == ["first", "m2 had 2", "echo: hello there"]


async def test_an_answer_for_every_request(
    client: SecureChatCompletion, nomyo_server: NomyoServer
) -> None:
    nomyo_server.answer("always", times=None)
    assert [_content(await client.create(model="m", messages=ASK)) for _ in range(2)] == [
        "always",
        "always",
    ]


async def test_tool_calls(client: SecureChatCompletion, nomyo_server: NomyoServer) -> None:
    nomyo_server.answer(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    answer = await client.create(model="m", messages=ASK)
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    [call] = choice["message"]["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}


@pytest.mark.parametrize(
    ("status", "error", "seen"),
    [(429, RateLimitError, 429), (500, ServerError, 502)],
)
async def test_an_error_status_reaches_the_client_as_the_router_maps_it(
    client: SecureChatCompletion,
    nomyo_server: NomyoServer,
    status: int,
    error: type[Exception],
    seen: int,
) -> None:
    nomyo_server.answer(status=status, retry_after=3)
    with pytest.raises(error) as raised:
        await client.create(model="m", messages=ASK)
    assert raised.value.status_code == seen  # type: ignore[attr-defined]


async def test_a_delay(client: SecureChatCompletion, nomyo_server: NomyoServer) -> None:
    nomyo_server.answer("late", delay=1.0)
    started = time.monotonic()
    assert _content(await client.create(model="m", messages=ASK)) == "late"
    assert time.monotonic() - started >= 1.0


async def test_the_record_shows_what_each_request_asked(
    client: SecureChatCompletion, nomyo_server: NomyoServer
) -> None:
    await client.create(model="m1", messages=ASK, security_tier="high", temperature=0.5)
    await client.create(model="m2", messages=ASK[1:])
    first, second = nomyo_server.requests
    assert (first.model, first.messages, first.tier) == ("m1", ASK, "high")
    assert first.body["temperature"] == 0.5
    assert first.headers["authorization"] == f"Bearer {nomyo_server.api_key}"
    assert (second.model, second.tier) == ("m2", "standard")


async def test_each_test_starts_with_an_empty_record_and_script(
    client: SecureChatCompletion, nomyo_server: NomyoServer
) -> None:
    assert nomyo_server.requests == []
    assert _content(await client.create(model="m", messages=ASK)) == "echo: hello there"


async def test_it_accepts_only_its_api_key(nomyo_server: NomyoServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        async with SecureChatCompletion(
            base_url=nomyo_server.base_url, api_key="wrong", allow_http=True, max_retries=0
        ) as wrong:
            with pytest.raises(AuthenticationError):
                await wrong.create(model="m", messages=ASK)
    assert nomyo_server.requests[0].headers["authorization"] == "Bearer wrong"


async def test_a_pin_to_another_key_refuses_it(nomyo_server: NomyoServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        async with SecureChatCompletion(
            base_url=nomyo_server.base_url,
            api_key=nomyo_server.api_key,
            server_key_fingerprint="0" * 64,
            allow_http=True,
        ) as pinned:
            with pytest.raises(SecurityError):
                await pinned.create(model="m", messages=ASK)
    assert nomyo_server.requests == []


async def test_a_server_kept_past_its_test_says_so(nomyo_server: NomyoServer) -> None:
    from nomyo_router.testing.server import ServerFixtureError, view_for_test

    with view_for_test(nomyo_server._session) as other:
        pass
    with pytest.raises(ServerFixtureError, match="function-scoped"):
        other.answer("late")
