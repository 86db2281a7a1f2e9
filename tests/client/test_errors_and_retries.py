"""Typed errors from real HTTP statuses; retries, Retry-After, timeouts, cancellation."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from nomyo_web import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ForbiddenError,
    InvalidRequestError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
)
from tests.support.router import start_router

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, ForbiddenError),
        (404, APIError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServiceUnavailableError),
        (504, ServerError),
    ],
)
async def test_each_status_is_its_typed_error(make_client, mitm: Mitm, status: int, cls) -> None:
    client = make_client(max_retries=0)
    mitm.script(status=status, body={"detail": f"scripted {status}"})
    with pytest.raises(APIError) as caught:
        await client.create(model="m", messages=MESSAGES)
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.error_details == {"detail": f"scripted {status}"}
    assert f"scripted {status}" in error.message and str(error) == error.message


async def test_router_statuses_401_403_429(stub_upstream, server_key_file, key_pool) -> None:
    import warnings

    from nomyo_web import SecureChatCompletion

    from .conftest import PooledKeys

    flags = (
        "--upstream",
        stub_upstream.url,
        "--api-key",
        "good-key",
        "--tier-models",
        "maximum=secure-model",
        "--rate-limit",
        "2",
    )
    with start_router(*flags) as router:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client = SecureChatCompletion(
                base_url=router.url,
                allow_http=True,
                api_key="good-key",
                max_retries=0,
                crypto=PooledKeys(key_pool),
            )
        async with client:
            with pytest.raises(AuthenticationError) as auth:
                await client.create(model="m", messages=MESSAGES, api_key="bad-key")
            assert auth.value.status_code == 401 and "detail" in auth.value.error_details
            with pytest.raises(ForbiddenError) as forbidden:
                await client.create(model="other", messages=MESSAGES, security_tier="maximum")
            assert forbidden.value.status_code == 403
            with pytest.raises(RateLimitError) as limited:
                for _ in range(5):
                    await client.create(model="secure-model", messages=MESSAGES)
            assert limited.value.status_code == 429


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_retryable_statuses_resend_the_same_bytes_and_id(
    make_client, stub_upstream, mitm: Mitm, status: int
) -> None:
    client = make_client(max_retries=2)
    mitm.script(times=2, status=status, headers={"Retry-After": "0"})
    response = await client.create(model="m", messages=MESSAGES)
    posts = mitm.posts()
    assert len(posts) == 3
    assert len({p.body for p in posts}) == 1
    assert len({p.headers["X-Payload-ID"] for p in posts}) == 1
    assert response["_metadata"]["payload_id"] == posts[0].headers["X-Payload-ID"]
    assert stub_upstream.calls == 1


async def test_retries_exhausted_raise_the_last_error(make_client, mitm: Mitm) -> None:
    client = make_client(max_retries=2)
    mitm.script(times=3, status=503, headers={"Retry-After": "0"})
    with pytest.raises(ServiceUnavailableError):
        await client.create(model="m", messages=MESSAGES)
    assert len(mitm.posts()) == 3


async def test_per_request_max_retries(make_client, mitm: Mitm) -> None:
    client = make_client(max_retries=5)
    mitm.script(times=3, status=500, headers={"Retry-After": "0"})
    with pytest.raises(ServerError):
        await client.create(model="m", messages=MESSAGES, max_retries=1)
    assert len(mitm.posts()) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_non_retryable_statuses_surface_at_once(make_client, mitm: Mitm, status: int) -> None:
    client = make_client(max_retries=2)
    mitm.script(times=3, status=status)
    with pytest.raises(APIError):
        await client.create(model="m", messages=MESSAGES)
    assert len(mitm.posts()) == 1


async def test_upstream_503_through_the_router_is_retried(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    client = make_client(max_retries=2)
    stub_upstream.push(times=3, status=503, retry_after="0")
    with pytest.raises(ServiceUnavailableError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert caught.value.status_code == 503
    assert stub_upstream.calls == 3


async def test_retry_after_is_honoured(make_client, stub_upstream, mitm: Mitm) -> None:
    client = make_client(max_retries=1)
    mitm.script(status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    await client.create(model="m", messages=MESSAGES)
    assert time.monotonic() - started >= 0.95
    assert len(mitm.posts()) == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_connection_refused_is_api_connection_error_after_retries(make_client) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{_closed_port()}", max_retries=1)
    started = time.monotonic()
    with pytest.raises(APIConnectionError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert not isinstance(caught.value, APIError) and caught.value.status_code is None
    assert time.monotonic() - started >= 0.3  # one backoff wait happened


async def test_timeout_is_api_timeout_error(make_client, mitm: Mitm) -> None:
    client = make_client(max_retries=0, timeout=0.5)
    mitm.script(hang=10)
    with pytest.raises(APITimeoutError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert isinstance(caught.value, APIConnectionError)


async def test_per_request_timeout_overrides(make_client, mitm: Mitm) -> None:
    client = make_client(max_retries=0, timeout=600)
    mitm.script(hang=10)
    with pytest.raises(APITimeoutError):
        await client.create(model="m", messages=MESSAGES, timeout=0.3)


async def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_cancelling_aborts_the_request_in_flight(
    make_client, stub_upstream, mitm: Mitm
) -> None:
    client = make_client(max_retries=0)
    await client.create(model="m", messages=MESSAGES)  # keys and server key ready
    mitm.script(hang=20)
    task = asyncio.create_task(client.create(model="m", messages=MESSAGES))
    await _wait_for(lambda: len(mitm.posts()) == 2)
    held = mitm.posts()[1]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # This request's own flag: a handler still holding an earlier test's request may
    # count its client leaving after the reset, so the shared counter could read 2.
    await _wait_for(lambda: held.aborted, timeout=15.0)


async def test_cancelling_during_the_retry_wait(make_client, mitm: Mitm) -> None:
    client = make_client(max_retries=2)
    mitm.script(status=429, headers={"Retry-After": "30"})
    task = asyncio.create_task(client.create(model="m", messages=MESSAGES))
    await _wait_for(lambda: len(mitm.posts()) == 1)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 20  # not the 30 s the server asked for
    await asyncio.sleep(0.3)
    assert len(mitm.posts()) == 1
