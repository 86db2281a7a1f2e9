"""nomyo_web's own client against router processes: the router's side of the main suite.

The lead's client suite covers the client in depth; these cases pin the
router behaviours it relies on (the ``decryption_failed`` code, tiers, errors).
"""

from __future__ import annotations

import os
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import nomyo_web
from tests.support.keys import fresh_key_file, private_copy
from tests.support.router import start_router
from tests.support.stub_upstream import StubUpstream


@pytest.fixture(autouse=True)
def _quiet_http_warning() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _client(url: str, **options: object) -> nomyo_web.SecureChatCompletion:
    return nomyo_web.SecureChatCompletion(base_url=url, allow_http=True, **options)  # type: ignore[arg-type]


async def test_a_completion_with_parameters(router_url: str, stub_upstream: StubUpstream):
    async with _client(router_url) as client:
        response = await client.create(
            model="test-model",
            messages=[{"role": "user", "content": "hello from nomyo_web"}],
            temperature=0.2,
            security_tier="high",
            stream=True,
        )
    assert response["choices"][0]["message"]["content"] == "hello from nomyo_web"
    assert response["_metadata"]["security_tier"] == "high"
    assert stub_upstream.requests[0]["temperature"] == 0.2
    assert "stream" not in stub_upstream.requests[0]


async def test_typed_errors_from_router_statuses(stub_upstream: StubUpstream):
    with start_router(
        "--upstream", stub_upstream.url, "--api-key", "k", "--tier-models", "maximum=vetted"
    ) as router:
        async with _client(router.url, api_key="wrong", max_retries=0) as client:
            messages = [{"role": "user", "content": "x"}]
            with pytest.raises(nomyo_web.AuthenticationError) as auth:
                await client.create(model="m", messages=messages)
            assert auth.value.status_code == 401
            with pytest.raises(nomyo_web.ForbiddenError) as tier:
                await client.create(
                    model="m", messages=messages, api_key="k", security_tier="maximum"
                )
            assert tier.value.error_details == {
                "detail": "Model not allowed for the maximum security tier"
            }
            stub_upstream.push(status=429, retry_after="1")
            with pytest.raises(nomyo_web.RateLimitError) as limited:
                await client.create(model="m", messages=messages, api_key="k")
            assert limited.value.status_code == 429


async def test_after_a_rotation_without_grace_the_client_refetches_the_key(
    tmp_path: Path, server_key_file: Path, stub_upstream: StubUpstream
):
    key_file = private_copy(server_key_file, tmp_path / "server.pem")
    flags = ("--upstream", stub_upstream.url, "--key-file", str(key_file), "--key-grace", "0")
    with start_router(*flags) as router:
        async with _client(router.url, max_retries=0) as client:
            messages = [{"role": "user", "content": "before"}]
            await client.create(model="m", messages=messages)
            os.replace(fresh_key_file(tmp_path, "next.pem"), key_file)
            router.signal(signal.SIGHUP)
            router.wait_for_log("server key rotated")
            after = await client.create(model="m", messages=[{"role": "user", "content": "after"}])
            assert after["choices"][0]["message"]["content"] == "after"
        records = router.request_log("/v1/chat/secure_completion", at_least=3)
        assert [record["status"] for record in records] == [200, 400, 200]
