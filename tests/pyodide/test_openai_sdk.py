"""The OpenAI Python SDK over nomyo_web's transports, in each runtime: CPython (the newest
openai, httpx2 and cryptography; tests/support/envs.py), Pyodide in Node.js and Pyodide in
Chromium (openai installed by micropip from the local wheels), against real router processes
behind the client suite's real MITM proxy (with CORS), with real crypto.

Every test also checks the wire: nothing but sealed NOMYO requests, never the prompt."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from nomyo_web._exchange import REJECTED
from tests.client.test_response_auth import FORGED, forge
from tests.client.test_security import TAMPERING
from tests.pyodide.conftest import GOOD_KEY, RUNTIMES
from tests.pyodide.cors_mitm import CorsMitm
from tests.pyodide.runtimes import ChromiumPyodide, NodePyodide
from tests.pyodide.sdk_runtimes import SdkCPython, install_openai
from tests.pyodide.test_client_in_pyodide import STACK_HEADERS, _closed_port, _wait_for
from tests.support.browser import BUILD_PYODIDE, StaticServer, check_loopback_only, chromium
from tests.support.envs import openai_sdk_env
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream, make_completion

pytestmark = pytest.mark.asyncio(loop_scope="session")

SECRET = "diagnosis"
PROMPT = f"the secret {SECRET} is Q"
MESSAGES = [{"role": "user", "content": PROMPT}]
PROTOCOL_HEADERS = {"authorization", "content-type", "x-public-key", "x-payload-id"}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=RUNTIMES)
async def sdk(request: pytest.FixtureRequest, page_server: StaticServer) -> AsyncIterator[Any]:
    """One interpreter with the OpenAI SDK per runtime, for this module."""
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "cpython":
            runtime: Any = await SdkCPython.start_with(openai_sdk_env())
        elif request.param == "node":
            runtime = await NodePyodide.start(BUILD_PYODIDE)
        else:
            browser = await stack.enter_async_context(chromium())
            runtime = await ChromiumPyodide.start(browser, page_server.url)
        stack.push_async_callback(runtime.close)
        if request.param != "cpython":
            assert await install_openai(runtime) == "3.63.0"
        yield runtime
        check_loopback_only(await runtime.network())


@pytest.fixture
def wire(mitm_front: CorsMitm, stub_upstream: StubUpstream) -> Iterator[CorsMitm]:
    """The MITM, reset; afterwards: no request carried the prompt, in its path, headers or body."""
    mitm_front.reset()
    yield mitm_front
    for seen in mitm_front.seen:
        assert SECRET not in seen.path and SECRET.encode() not in seen.body
        assert all(SECRET not in value for value in seen.headers.values())
    mitm_front.reset()


@pytest.fixture(scope="module")
async def client(sdk: Any, mitm_front: CorsMitm) -> str:
    await sdk.call("openai_sdk:make", client_id="main", base_url=mitm_front.url)
    return "main"


async def test_a_chat_completion_comes_back_as_the_sdks_chat_completion(
    sdk: Any, client: str, wire: CorsMitm
) -> None:
    completion = await sdk.call("openai_sdk:chat", client_id=client, model="m", messages=MESSAGES)
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"] == {"role": "assistant", "content": PROMPT}
    assert completion["choices"][0]["finish_reason"] == "stop"
    [post] = wire.posts()
    assert completion["_metadata"]["payload_id"] == post.headers["X-Payload-ID"]
    assert post.path == "/v1/chat/secure_completion"
    assert set(json.loads(post.body)) >= {"version", "algorithm", "encrypted_payload"}
    assert [seen.path for seen in wire.seen if seen.method == "GET"] in ([], ["/pki/public_key"])


async def test_only_the_protocols_headers_leave_with_the_sdks_api_key(
    sdk: Any, client: str, wire: CorsMitm
) -> None:
    await sdk.call("openai_sdk:chat", client_id=client, model="m", messages=MESSAGES)
    [headers] = wire.headers_of_posts()
    ours = {name for name in headers if name not in STACK_HEADERS and not name.startswith("sec-")}
    assert ours == PROTOCOL_HEADERS  # no x-stainless-*, no OpenAI-Organization, no idempotency key
    assert headers["authorization"] == "Bearer sdk-key"


async def test_parameters_are_sealed_exactly_as_the_sdk_serialised_them(
    sdk: Any, client: str, wire: CorsMitm, stub_upstream: StubUpstream
) -> None:
    params = {
        "temperature": 0.25,
        "max_tokens": 7,
        "seed": 11,
        "stop": ["\n\n"],
        "response_format": {"type": "json_object"},
        "user": "u-1",
    }
    completion = await sdk.call(
        "openai_sdk:chat",
        client_id=client,
        model="m",
        messages=MESSAGES,
        extra_body={"top_k": 3},
        **params,
    )
    received = stub_upstream.requests[-1]
    assert {name: received[name] for name in params} == params
    assert received["top_k"] == 3 and received["messages"] == MESSAGES
    assert completion["x_stub_request"] == received


async def test_tool_calls_come_back_typed(
    sdk: Any, client: str, wire: CorsMitm, stub_upstream: StubUpstream
) -> None:
    completion = await sdk.call(
        "openai_sdk:chat",
        client_id=client,
        model="m",
        messages=[{"role": "user", "content": "Paris"}],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    received = stub_upstream.requests[-1]
    assert received["tools"] == [WEATHER_TOOL]
    [call] = completion["choices"][0]["message"]["tool_calls"]
    assert (call["type"], call["function"]["name"]) == ("function", "get_weather")
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert completion["choices"][0]["finish_reason"] == "tool_calls"


async def test_json_mode_and_the_sdks_parse_helper(sdk: Any, client: str, wire: CorsMitm) -> None:
    answer = json.dumps({"name": "Paris", "country": "France"})
    parsed = await sdk.call(
        "openai_sdk:parse_city",
        client_id=client,
        model="m",
        messages=[{"role": "user", "content": answer}],
    )
    assert parsed == {"type": "City", "value": {"name": "Paris", "country": "France"}}


def _accumulate(chunks: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """What a streaming consumer rebuilds from the chunks, per choice index."""
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            built = choices.setdefault(choice["index"], {"message": {}, "finish_reason": None})
            for name, value in choice["delta"].items():
                if name == "tool_calls":
                    built["message"].setdefault("tool_calls", [])
                    for call in value:
                        call = dict(call)
                        call.pop("index")
                        built["message"]["tool_calls"].append(call)
                elif isinstance(value, str) and name != "role":
                    built["message"][name] = built["message"].get(name, "") + value
                else:
                    built["message"][name] = value
            if choice.get("finish_reason"):
                built["finish_reason"] = choice["finish_reason"]
    return choices


@pytest.mark.parametrize("with_tools", [False, True], ids=["content", "tool-call"])
async def test_stream_true_yields_exactly_what_the_whole_answer_held(
    sdk: Any, client: str, wire: CorsMitm, stub_upstream: StubUpstream, with_tools: bool
) -> None:
    extra: dict[str, Any] = {"tools": [WEATHER_TOOL]} if with_tools else {}
    chunks = await sdk.call(
        "openai_sdk:chat_stream",
        client_id=client,
        model="m",
        messages=[{"role": "user", "content": "Lyon"}],
        stream_options={"include_usage": True},
        **extra,
    )
    received = stub_upstream.requests[-1]
    # The whole answer was asked for: the sealed request had no stream fields.
    assert not {"stream", "stream_options"} & set(received)
    whole = make_completion(received, stub_upstream.calls)  # what the upstream answered
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert {(chunk["id"], chunk["model"]) for chunk in chunks} == {(whole["id"], whole["model"])}
    [rebuilt] = _accumulate(chunks).values()
    assert rebuilt["message"] == whole["choices"][0]["message"]
    assert rebuilt["finish_reason"] == whole["choices"][0]["finish_reason"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == whole["usage"]


async def test_a_stream_without_include_usage_has_no_usage_chunk(
    sdk: Any, client: str, wire: CorsMitm
) -> None:
    chunks = await sdk.call(
        "openai_sdk:chat_stream", client_id=client, model="m", messages=MESSAGES
    )
    assert all(chunk["choices"] for chunk in chunks)
    assert [choice["finish_reason"] for chunk in chunks for choice in chunk["choices"]] == [
        None,
        "stop",
    ]


async def test_the_sdks_stream_helper_accumulates_the_same_completion(
    sdk: Any, client: str, wire: CorsMitm
) -> None:
    outcome = await sdk.call(
        "openai_sdk:stream_helper", client_id=client, model="m", messages=MESSAGES
    )
    assert {"chunk", "content.delta", "content.done"} <= set(outcome["events"])
    message = outcome["final"]["choices"][0]["message"]
    assert (message["role"], message["content"]) == ("assistant", PROMPT)


@pytest.mark.parametrize("kind", ["sync", "factory-sync"])
async def test_the_sync_sdk_client(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm, kind: str
) -> None:
    await sdk.call("openai_sdk:make", client_id=kind, base_url=mitm_front.url, kind=kind)
    if sdk.name == "node":
        # Node.js 20 has no JSPI: a blocking call cannot wait on fetch, and says so.
        error = await sdk.call(
            "openai_sdk:chat_error", client_id=kind, model="m", messages=MESSAGES
        )
        assert error["class"] == "SyncUnsupportedError" and error["is_nomyo_error"]
        assert wire.posts() == []
        return
    completion = await sdk.call("openai_sdk:chat", client_id=kind, model="m", messages=MESSAGES)
    assert completion["choices"][0]["message"]["content"] == PROMPT
    chunks = await sdk.call("openai_sdk:chat_stream", client_id=kind, model="m", messages=MESSAGES)
    assert _accumulate(chunks)[0]["message"]["content"] == PROMPT
    assert await sdk.call("openai_sdk:close", client_id=kind) == "disposed=True"


@pytest.mark.parametrize("kind", ["factory-async", "legacy-async", "legacy-sync"])
async def test_factories_and_legacy_httpx_clients(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm, kind: str
) -> None:
    if kind.startswith("legacy") and sdk.name != "cpython":
        pytest.skip("httpx is a CPython dependency only")
    await sdk.call("openai_sdk:make", client_id=kind, base_url=mitm_front.url, kind=kind)
    completion = await sdk.call("openai_sdk:chat", client_id=kind, model="m", messages=MESSAGES)
    assert completion["choices"][0]["message"]["content"] == PROMPT
    assert await sdk.call("openai_sdk:close", client_id=kind) == "disposed=True"
    assert len(wire.posts()) == 1


async def test_the_tier_is_the_transports_unless_the_request_names_one(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm
) -> None:
    await sdk.call(
        "openai_sdk:make", client_id="tiered", base_url=mitm_front.url, security_tier="high"
    )
    common = {"client_id": "tiered", "model": "m", "messages": MESSAGES}
    default = await sdk.call("openai_sdk:chat", **common)
    chosen = await sdk.call(
        "openai_sdk:chat", extra_headers={"X-Security-Tier": "maximum"}, **common
    )
    assert [h["x-security-tier"] for h in wire.headers_of_posts()] == ["high", "maximum"]
    assert default["_metadata"]["security_tier"] == "high"
    assert chosen["_metadata"]["security_tier"] == "maximum"
    error = await sdk.call(
        "openai_sdk:chat_error", extra_headers={"X-Security-Tier": "secret"}, **common
    )
    assert (error["class"], error["is_openai_error"]) == ("InvalidParameterError", False)
    assert len(wire.posts()) == 2


async def test_plain_http_without_allow_http_is_refused_before_sending(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm
) -> None:
    await sdk.call(
        "openai_sdk:make", client_id="strict-http", base_url=mitm_front.url, allow_http=False
    )
    error = await sdk.call(
        "openai_sdk:chat_error", client_id="strict-http", model="m", messages=MESSAGES
    )
    assert (error["class"], error["is_openai_error"]) == ("SecurityError", False)
    assert "allow_http" in error["message"]
    assert wire.seen == []


async def test_other_endpoints_are_refused_and_nothing_is_sent(
    sdk: Any, client: str, wire: CorsMitm
) -> None:
    outcome = await sdk.call("openai_sdk:other_endpoints", client_id=client)
    assert set(outcome) == {
        "embeddings",
        "models",
        "files",
        "completions",
        "stored chat completions",
        "responses",
    }
    for name, error in outcome.items():
        assert (name, error["class"], error["module"]) == (
            name,
            "UnsupportedEndpointError",
            "nomyo_web",
        )
        assert "encrypts chat completions only" in error["message"]
    assert wire.seen == []


# -- errors ----------------------------------------------------------------------------


async def test_a_refused_key_is_the_sdks_authentication_error(
    sdk: Any, auth_router: RouterProcess
) -> None:
    await sdk.call("openai_sdk:make", client_id="bad-key", base_url=auth_router.url, max_retries=2)
    error = await sdk.call(
        "openai_sdk:chat_error", client_id="bad-key", model="m", messages=MESSAGES
    )
    assert (error["class"], error["module"], error["status_code"]) == (
        "AuthenticationError",
        "openai",
        401,
    )
    assert set(error["body"]) == {"detail"} and error["body"]["detail"]


async def test_a_model_outside_its_tier_is_the_sdks_permission_denied_error(
    sdk: Any, auth_router: RouterProcess
) -> None:
    await sdk.call(
        "openai_sdk:make", client_id="good-key", base_url=auth_router.url, api_key=GOOD_KEY
    )
    common = {"client_id": "good-key", "messages": MESSAGES}
    error = await sdk.call(
        "openai_sdk:chat_error",
        model="other-model",
        extra_headers={"X-Security-Tier": "maximum"},
        **common,
    )
    assert (error["class"], error["status_code"]) == ("PermissionDeniedError", 403)
    assert isinstance(error["body"]["detail"], str)
    allowed = await sdk.call(
        "openai_sdk:chat",
        model="allowed-model",
        extra_headers={"X-Security-Tier": "maximum"},
        **common,
    )
    assert allowed["model"] == "allowed-model"


async def test_a_rate_limit_is_the_sdks_rate_limit_error_with_its_retry_after(
    sdk: Any, stub_upstream: StubUpstream, server_key_file: Path, page_server: StaticServer
) -> None:
    with start_router(
        *("--upstream", stub_upstream.url, "--key-file", str(server_key_file)),
        *("--rate-limit", "1", "--cors-origin", page_server.url),
    ) as limited:
        await sdk.call("openai_sdk:make", client_id="limited", base_url=limited.url)
        await sdk.call("openai_sdk:chat", client_id="limited", model="m", messages=MESSAGES)
        error = await sdk.call(
            "openai_sdk:chat_error", client_id="limited", model="m", messages=MESSAGES
        )
    assert (error["class"], error["status_code"]) == ("RateLimitError", 429)
    assert 0 < float(error["retry_after"]) <= 60
    assert set(error["body"]) == {"detail"}


@pytest.mark.parametrize(("status", "detail"), [(500, "boom"), (503, "backend down")])
async def test_server_errors_are_the_sdks_internal_server_error(
    sdk: Any, client: str, wire: CorsMitm, status: int, detail: str
) -> None:
    wire.script(status=status, body={"detail": detail})
    error = await sdk.call("openai_sdk:chat_error", client_id=client, model="m", messages=MESSAGES)
    assert (error["class"], error["status_code"], error["body"]) == (
        "InternalServerError",
        status,
        {"detail": detail},
    )
    assert len(wire.posts()) == 1


async def test_retries_happen_once_in_the_sdk_each_sealed_afresh(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm
) -> None:
    await sdk.call("openai_sdk:make", client_id="retrying", base_url=mitm_front.url, max_retries=2)
    wire.script(times=2, status=503, headers={"Retry-After": "0"})
    completion = await sdk.call(
        "openai_sdk:chat", client_id="retrying", model="m", messages=MESSAGES
    )
    assert completion["choices"][0]["message"]["content"] == PROMPT
    posts = wire.posts()
    assert len(posts) == 3  # the SDK's 2 retries; the core added none
    assert len({post.headers["X-Payload-ID"] for post in posts}) == 3
    assert len({post.body for post in posts}) == 3


async def test_the_sdk_honours_the_retry_after_we_hand_on(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm
) -> None:
    await sdk.call("openai_sdk:make", client_id="patient", base_url=mitm_front.url, max_retries=1)
    wire.script(status=429, headers={"Retry-After": "1"})
    completion = await sdk.call(
        "openai_sdk:chat", client_id="patient", model="m", messages=MESSAGES
    )
    assert completion["choices"][0]["message"]["content"] == PROMPT
    first, second = wire.post_times
    assert second - first >= 0.95


@pytest.mark.parametrize("attack", ["downgraded version", "tampered tag", "not json"])
async def test_a_security_failure_is_our_security_error_never_retried(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm, attack: str
) -> None:
    await sdk.call("openai_sdk:make", client_id="guarded", base_url=mitm_front.url, max_retries=2)
    wire.script(mutate=TAMPERING[attack])
    error = await sdk.call(
        "openai_sdk:chat_error", client_id="guarded", model="m", messages=MESSAGES
    )
    assert (error["class"], error["is_security_error"], error["is_openai_error"]) == (
        "SecurityError",
        True,
        False,
    )
    assert error["message"] == REJECTED
    assert len(wire.posts()) == 1


@pytest.mark.parametrize(
    ("mac", "response_auth"), [(None, "required"), ("random", "auto"), ("copied", "auto")]
)
async def test_a_forged_answer_is_our_security_error(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm, mac: str | None, response_auth: str
) -> None:
    # An intermediary trusted by TLS answers itself, sealed to the key it read on the wire.
    client_id = f"forged-{mac}-{response_auth}"
    await sdk.call(
        "openai_sdk:make",
        client_id=client_id,
        base_url=mitm_front.url,
        max_retries=2,
        response_auth=response_auth,
    )
    wire.script(mutate=forge(wire, mac))
    error = await sdk.call(
        "openai_sdk:chat_error", client_id=client_id, model="m", messages=MESSAGES
    )
    assert (error["class"], error["is_openai_error"]) == ("SecurityError", False)
    assert FORGED not in error["message"]
    assert len(wire.posts()) == 1


async def test_swapped_answers_are_security_errors(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm
) -> None:
    await sdk.call("openai_sdk:make", client_id="pair", base_url=mitm_front.url, max_retries=2)
    await sdk.call("openai_sdk:chat", client_id="pair", model="m", messages=MESSAGES)
    wire.swap_pairs = True
    outcomes = await sdk.call("openai_sdk:chat_pair", client_id="pair", model="m")
    assert [outcome["class"] for outcome in outcomes] == ["SecurityError", "SecurityError"]
    assert len(wire.posts()) == 3


async def test_a_substituted_server_key_with_a_pin_is_refused_before_sending(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm, server_key_file: Path
) -> None:
    from nomyo_web.crypto.pyca import PycaBackend

    real = PycaBackend().load_private_key_pem(server_key_file.read_bytes()).public.fingerprint
    await sdk.call(
        "openai_sdk:make",
        client_id="pinned",
        base_url=mitm_front.url,
        server_key_fingerprint=real,
        max_retries=2,
    )
    await sdk.call(
        "openai_sdk:make",
        client_id="mispinned",
        base_url=mitm_front.url,
        server_key_fingerprint="0" * 64,
        max_retries=2,
    )
    error = await sdk.call(
        "openai_sdk:chat_error", client_id="mispinned", model="m", messages=MESSAGES
    )
    assert (error["class"], error["is_openai_error"]) == ("SecurityError", False)
    assert wire.posts() == []
    completion = await sdk.call("openai_sdk:chat", client_id="pinned", model="m", messages=MESSAGES)
    assert completion["choices"][0]["message"]["content"] == PROMPT


async def test_an_unreachable_server_is_the_sdks_connection_error_after_its_retries(
    sdk: Any,
) -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    await sdk.call("openai_sdk:make", client_id="nowhere", base_url=base, max_retries=1)
    error = await sdk.call(
        "openai_sdk:chat_error", client_id="nowhere", model="m", messages=MESSAGES
    )
    assert (error["class"], error["module"], error["cause"]) == (
        "APIConnectionError",
        "openai",
        "ConnectError",
    )
    assert error["seconds"] >= 0.3  # one SDK backoff (0.5 s less up to 25% jitter) was waited


async def test_a_timeout_is_the_sdks_timeout_error_and_aborts_the_request(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm
) -> None:
    await sdk.call("openai_sdk:make", client_id="hasty", base_url=mitm_front.url, timeout=1.0)
    await sdk.call("openai_sdk:chat", client_id="hasty", model="m", messages=MESSAGES)
    wire.script(hang=20)
    error = await sdk.call("openai_sdk:chat_error", client_id="hasty", model="m", messages=MESSAGES)
    assert (error["class"], error["module"], error["cause"]) == (
        "APITimeoutError",
        "openai",
        "ReadTimeout",
    )
    assert 0.9 <= error["seconds"] < 10
    await _wait_for(lambda: bool(wire.posts()) and wire.posts()[-1].aborted)


async def test_cancelling_the_sdk_call_aborts_the_request(
    sdk: Any, client: str, wire: CorsMitm
) -> None:
    wire.script(hang=20)
    await sdk.call(
        "openai_sdk:start_chat", task_id="sdk-t1", client_id=client, model="m", messages=MESSAGES
    )
    await _wait_for(lambda: len(wire.posts()) == 1)
    assert await sdk.call("client:cancel_task", task_id="sdk-t1") == "CancelledError"
    await _wait_for(lambda: wire.posts()[-1].aborted)


async def test_closing_the_sdk_client_drops_the_transports_keys(
    sdk: Any, mitm_front: CorsMitm, wire: CorsMitm
) -> None:
    await sdk.call("openai_sdk:make", client_id="closing", base_url=mitm_front.url)
    await sdk.call("openai_sdk:chat", client_id="closing", model="m", messages=MESSAGES)
    assert await sdk.call("openai_sdk:close", client_id="closing") == "disposed=True"
