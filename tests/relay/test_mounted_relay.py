"""``relay_app``: the relay mounted in an application's own Starlette app, with its own
``authorize(request)`` deciding who may use it; served by uvicorn on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from nomyo_router.relay import RelaySettings, relay_app
from nomyo_router.serve import bind_socket, listening_url
from nomyo_web import ForbiddenError
from tests.client.mitm import Mitm
from tests.relay.test_relay import ask, client
from tests.support.relay import RELAY_KEY

ALICE = "session-of-alice-51c0"  # the application's own session token, not a NOMYO key


def signed_in(request: Request) -> bool:
    return request.headers.get("authorization") == f"Bearer {ALICE}"


async def signed_in_async(request: Request) -> bool:
    await asyncio.sleep(0)
    return signed_in(request)


def refuses_with_401(request: Request) -> bool:
    raise HTTPException(401, "Sign in first")


def breaks(request: Request) -> bool:
    raise RuntimeError("a bug in the application's hook")


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse("the application's own page")


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn in a thread, on a loopback port; yields its base URL."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield listening_url(sock, tls=False)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@contextlib.contextmanager
def application(upstream: str, authorize: Any) -> Iterator[str]:
    """The application: its page at ``/`` and the relay at ``/nomyo``."""
    relay = relay_app(RelaySettings(upstream, RELAY_KEY, allow_http=True), authorize=authorize)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await relay.state.relay.aclose()  # a mounted app gets no lifespan of its own

    app = Starlette(routes=[Route("/", home), Mount("/nomyo", app=relay)], lifespan=lifespan)
    with serving(app) as url:
        yield url


@pytest.mark.parametrize("authorize", [signed_in, signed_in_async], ids=["sync", "async"])
async def test_a_signed_in_page_chats_through_the_mounted_relay(wire: Mitm, authorize: Any) -> None:
    with application(wire.url, authorize) as url:
        assert httpx.get(url + "/").text == "the application's own page"
        async with client(url + "/nomyo", api_key=ALICE) as chat:
            answer = await chat.create(**ask("mounted"))
    assert answer["choices"][0]["message"]["content"] == "mounted"
    (post,) = wire.posts()
    assert post.headers["Authorization"] == f"Bearer {RELAY_KEY}"
    assert ALICE not in str(post.headers)


async def test_authorize_refuses_before_anything_is_forwarded(wire: Mitm) -> None:
    with application(wire.url, signed_in) as url:
        async with client(url + "/nomyo", api_key="session-of-mallory") as chat:
            with pytest.raises(ForbiddenError):
                await chat.create(**ask("refused"))
    assert wire.posts() == []


@pytest.mark.parametrize(
    ("authorize", "status", "detail"),
    [(refuses_with_401, 401, "Sign in first"), (breaks, 500, "Internal server error")],
)
def test_what_authorize_raises_becomes_the_answer(
    wire: Mitm, authorize: Any, status: int, detail: str, caplog: pytest.LogCaptureFixture
) -> None:
    with application(wire.url, authorize) as url:
        answer = httpx.post(url + "/nomyo/v1/chat/secure_completion", content=b"{}")
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})
    assert wire.posts() == []
    assert "a bug in the application's hook" not in caplog.text


def test_settings_take_the_key_from_the_environment_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOMYO_API_KEY", raising=False)
    with pytest.raises(ValueError, match=r"\$NOMYO_API_KEY"):
        RelaySettings.from_env("https://api.example")
    monkeypatch.setenv("NOMYO_API_KEY", RELAY_KEY)
    settings = RelaySettings.from_env("https://api.example/", rate_limit=5)
    assert (settings.upstream, settings.api_key, settings.rate_limit) == (
        "https://api.example",
        RELAY_KEY,
        5,
    )
    assert RELAY_KEY not in repr(settings)
    with pytest.raises(ValueError, match="--relay-http-for-development"):
        RelaySettings("http://api.example", RELAY_KEY)
