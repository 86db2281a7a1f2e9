"""The client's behaviours in each interpreter (CPython, Pyodide in Node.js, Pyodide in Chromium),
against real router processes behind the client suite's real MITM proxy (with CORS)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nomyo_web._exchange import REJECTED, UNAUTHENTICATED
from tests.client.test_response_auth import FORGED, forge
from tests.client.test_security import TAMPERING
from tests.pyodide.conftest import GOOD_KEY
from tests.pyodide.cors_mitm import CorsMitm
from tests.support.browser import is_loopback
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

PROMPT = "the secret diagnosis is Q"
MESSAGES = [{"role": "user", "content": PROMPT}]
ALLOWED_HEADERS = {
    "authorization",
    "content-type",
    "x-public-key",
    "x-payload-id",
    "x-security-tier",
}
# What the runtimes' HTTP stacks add on their own (not the client's choice).
STACK_HEADERS = {
    *("host", "connection", "content-length", "user-agent", "accept", "accept-encoding"),
    *("accept-language", "origin", "referer", "cache-control", "pragma"),
}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


@pytest.fixture
def wire(mitm_front: CorsMitm, stub_upstream: StubUpstream) -> Iterator[CorsMitm]:
    mitm_front.reset()
    yield mitm_front
    mitm_front.reset()


@pytest.fixture(scope="session")
def dead_upstream_router(server_key_file: Path, page_origin: str) -> Iterator[str]:
    with start_router(
        *("--upstream", f"http://127.0.0.1:{_closed_port()}", "--key-file", str(server_key_file)),
        *("--cors-origin", page_origin),
    ) as process:
        yield process.url


@pytest.fixture(scope="session")
def main_client(interpreter: Any, mitm_front: CorsMitm) -> str:
    interpreter.call("client:make_client", client_id="main", base_url=mitm_front.url)
    return "main"


def test_round_trip_returns_the_completion_dict(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    response = interpreter.call(
        "client:create", client_id=main_client, model="m", messages=MESSAGES
    )
    assert response["object"] == "chat.completion"
    assert response["choices"][0]["message"] == {"role": "assistant", "content": PROMPT}
    [post] = wire.posts()
    assert response["_metadata"]["payload_id"] == post.headers["X-Payload-ID"]
    assert PROMPT.encode() not in post.body and b"diagnosis" not in post.body
    assert set(json.loads(post.body)) >= {"version", "algorithm", "encrypted_payload"}


def test_openai_parameters_and_tools_travel_untouched(
    interpreter: Any, main_client: str, wire: CorsMitm, stub_upstream: StubUpstream
) -> None:
    tool = {
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
    params = {"temperature": 0.25, "max_tokens": 7, "seed": 11, "stop": ["\n\n"]}
    response = interpreter.call(
        "client:create",
        client_id=main_client,
        model="m",
        messages=[{"role": "user", "content": "Paris"}],
        tools=[tool],
        tool_choice="auto",
        **params,
    )
    received = stub_upstream.requests[-1]
    assert {k: received[k] for k in params} == params
    assert received["tools"] == [tool] and received["tool_choice"] == "auto"
    [call] = response["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert response["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("tier", ["standard", "high", "maximum"])
def test_the_tier_travels_as_a_header_only(
    interpreter: Any, main_client: str, wire: CorsMitm, tier: str
) -> None:
    response = interpreter.call(
        "client:create", client_id=main_client, model="m", messages=MESSAGES, security_tier=tier
    )
    assert response["_metadata"]["security_tier"] == tier
    [headers] = wire.headers_of_posts()
    assert headers["x-security-tier"] == tier


def test_an_unknown_tier_raises_before_any_traffic(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    error = interpreter.call(
        "client:create_error",
        client_id=main_client,
        model="m",
        messages=MESSAGES,
        security_tier="x",
    )
    assert error["class"] == "InvalidParameterError"
    assert wire.posts() == []


def test_only_the_protocol_headers_are_sent(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    interpreter.call(
        "client:create",
        client_id=main_client,
        model="m",
        messages=MESSAGES,
        api_key="k1",
        security_tier="high",
    )
    [headers] = wire.headers_of_posts()
    ours = {name for name in headers if name not in STACK_HEADERS and not name.startswith("sec-")}
    assert ours == ALLOWED_HEADERS
    assert headers["authorization"] == "Bearer k1"


def test_a_per_request_api_key_overrides_the_clients(
    interpreter: Any, wire: CorsMitm, mitm_front: CorsMitm
) -> None:
    interpreter.call(
        "client:make_client", client_id="keyed", base_url=mitm_front.url, api_key="client-key"
    )
    interpreter.call("client:create", client_id="keyed", model="m", messages=MESSAGES)
    interpreter.call(
        "client:create", client_id="keyed", model="m", messages=MESSAGES, api_key="override-key"
    )
    sent = [headers["authorization"] for headers in wire.headers_of_posts()]
    assert sent == ["Bearer client-key", "Bearer override-key"]
    assert all("client-key" not in post.body.decode() for post in wire.posts())


@pytest.fixture(scope="session")
def auth_client(interpreter: Any, auth_router: RouterProcess) -> str:
    interpreter.call(
        "client:make_client", client_id="auth", base_url=auth_router.url, api_key="wrong-key"
    )
    return "auth"


def test_the_router_accepts_the_override_key_and_refuses_the_clients(
    interpreter: Any, auth_client: str
) -> None:
    error = interpreter.call(
        "client:create_error", client_id=auth_client, model="m", messages=MESSAGES
    )
    assert (error["class"], error["status_code"]) == ("AuthenticationError", 401)
    response = interpreter.call(
        "client:create", client_id=auth_client, model="m", messages=MESSAGES, api_key=GOOD_KEY
    )
    assert response["choices"][0]["message"]["content"] == PROMPT


def test_a_model_outside_its_tier_is_forbidden(interpreter: Any, auth_client: str) -> None:
    common = {"client_id": auth_client, "messages": MESSAGES, "api_key": GOOD_KEY}
    error = interpreter.call(
        "client:create_error", model="other-model", security_tier="maximum", **common
    )
    assert (error["class"], error["status_code"], error["is_api_error"]) == (
        "ForbiddenError",
        403,
        True,
    )
    assert isinstance(error["error_details"]["detail"], str)
    allowed = interpreter.call(
        "client:create", model="allowed-model", security_tier="maximum", **common
    )
    assert allowed["model"] == "allowed-model"


@pytest.mark.parametrize(
    ("scripted", "cls", "status"),
    [
        ({"status": 422}, "InvalidRequestError", 400),
        ({"status": 429, "retry_after": "0"}, "RateLimitError", 429),
        ({"status": 500}, "ServerError", 502),
    ],
)
def test_upstream_failures_are_typed_errors(
    interpreter: Any,
    main_client: str,
    wire: CorsMitm,
    stub_upstream: StubUpstream,
    scripted: dict[str, Any],
    cls: str,
    status: int,
) -> None:
    stub_upstream.push(**scripted)
    error = interpreter.call(
        "client:create_error", client_id=main_client, model="m", messages=MESSAGES, max_retries=0
    )
    assert (error["class"], error["status_code"], error["is_api_error"]) == (cls, status, True)
    assert set(error["error_details"]) == {"detail"}
    assert stub_upstream.calls == 1


def test_a_500_is_a_server_error(interpreter: Any, main_client: str, wire: CorsMitm) -> None:
    wire.script(status=500, body={"detail": "boom"})
    error = interpreter.call(
        "client:create_error", client_id=main_client, model="m", messages=MESSAGES, max_retries=0
    )
    assert (error["class"], error["status_code"]) == ("ServerError", 500)
    assert error["error_details"] == {"detail": "boom"}


def test_an_unreachable_upstream_is_service_unavailable(
    interpreter: Any, dead_upstream_router: str
) -> None:
    interpreter.call("client:make_client", client_id="dead", base_url=dead_upstream_router)
    error = interpreter.call(
        "client:create_error", client_id="dead", model="m", messages=MESSAGES, max_retries=0
    )
    assert (error["class"], error["status_code"]) == ("ServiceUnavailableError", 503)


def test_retries_resend_the_same_bytes_and_payload_id(
    interpreter: Any, main_client: str, wire: CorsMitm, stub_upstream: StubUpstream
) -> None:
    stub_upstream.push(times=2, status=503, retry_after="0")
    response = interpreter.call(
        "client:create", client_id=main_client, model="m", messages=MESSAGES
    )
    assert response["choices"][0]["message"]["content"] == PROMPT
    posts = wire.posts()
    assert len(posts) == 3 and stub_upstream.calls == 3
    assert len({post.headers["X-Payload-ID"] for post in posts}) == 1
    assert len({post.body for post in posts}) == 1
    assert response["_metadata"]["payload_id"] == posts[0].headers["X-Payload-ID"]


def test_retry_after_is_honoured(interpreter: Any, main_client: str, wire: CorsMitm) -> None:
    wire.script(status=429, headers={"Retry-After": "1"})
    timed = interpreter.call(
        "client:create_timed", client_id=main_client, model="m", messages=MESSAGES, max_retries=1
    )
    assert timed["response"]["choices"][0]["message"]["content"] == PROMPT
    first, second = wire.post_times
    assert second - first >= 0.95


def test_retries_exhausted_raise_the_last_error(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    wire.script(times=3, status=503, headers={"Retry-After": "0"})
    error = interpreter.call(
        "client:create_error", client_id=main_client, model="m", messages=MESSAGES
    )
    assert (error["class"], error["status_code"]) == ("ServiceUnavailableError", 503)
    assert len(wire.posts()) == 3


def test_a_timeout_is_an_api_timeout_error_and_aborts(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    wire.script(hang=20)
    error = interpreter.call(
        "client:create_error",
        client_id=main_client,
        model="m",
        messages=MESSAGES,
        timeout=0.5,
        max_retries=0,
    )
    assert (error["class"], error["is_connection_error"], error["status_code"]) == (
        "APITimeoutError",
        True,
        None,
    )
    (held,) = wire.posts()
    _wait_for(lambda: held.aborted)


def test_cancelling_the_task_aborts_the_request(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    wire.script(hang=20)
    interpreter.call(
        "client:start_create", task_id="t", client_id=main_client, model="m", messages=MESSAGES
    )
    _wait_for(lambda: len(wire.posts()) == 1)
    (held,) = wire.posts()
    assert interpreter.call("client:cancel_task", task_id="t") == "CancelledError"
    _wait_for(lambda: held.aborted)
    assert len(wire.posts()) == 1


def test_a_refused_connection_is_an_api_connection_error(interpreter: Any) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    interpreter.call("client:make_client", client_id="refused", base_url=url, max_retries=0)
    error = interpreter.call(
        "client:create_error", client_id="refused", model="m", messages=MESSAGES
    )
    assert (error["class"], error["is_connection_error"]) == ("APIConnectionError", True)


def test_sealed_requests_share_one_cors_preflight(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    """The POSTs keep the default cache mode: Chromium bypasses its preflight cache for
    ``no-store`` (and ``no-cache``, ``reload``), so each call cost an OPTIONS round trip."""
    for _ in range(3):
        interpreter.call("client:create", client_id=main_client, model="m", messages=MESSAGES)
    assert len(wire.posts()) == 3
    # Chromium: one preflight, or none while an earlier one is cached (max-age 600 s);
    # Node.js sends none (no CORS); CPython none.
    assert wire.preflights <= (1 if interpreter.name == "chrome" else 0)


def test_a_redirect_is_not_followed(interpreter: Any, main_client: str, wire: CorsMitm) -> None:
    wire.script(status=307, headers={"Location": "/elsewhere"})
    error = interpreter.call(
        "client:create_error", client_id=main_client, model="m", messages=MESSAGES, max_retries=0
    )
    # fetch (redirect: "error") fails the request; httpx hands the 307 back as a status.
    expected = "APIError" if interpreter.name == "cpython" else "APIConnectionError"
    assert error["class"] == expected
    assert [seen.path for seen in wire.seen if "elsewhere" in seen.path] == []


def _refusal(interpreter: Any, client_id: str) -> tuple[Any, Any, Any]:
    """What ``create()`` raised: its class, message and status code."""
    error = interpreter.call(
        "client:create_error", client_id=client_id, model="m", messages=MESSAGES
    )
    return error["class"], error["message"], error["status_code"]


@pytest.mark.parametrize(
    "attack",
    [
        "downgraded version",
        "downgraded algorithm",
        "tampered tag",
        "tampered wrapped key",
        "not json",
    ],
)
def test_tampered_answers_are_security_errors(
    interpreter: Any, main_client: str, wire: CorsMitm, attack: str
) -> None:
    interpreter.call("client:create", client_id=main_client, model="m", messages=MESSAGES)
    wire.reset()
    wire.script(mutate=TAMPERING[attack])
    assert _refusal(interpreter, main_client) == ("SecurityError", REJECTED, None)
    assert len(wire.posts()) == 1


def test_an_answer_swapped_between_requests_is_refused(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    interpreter.call("client:create", client_id=main_client, model="m", messages=MESSAGES)
    wire.swap_pairs = True
    results = interpreter.call(
        "client:gather_creates", client_id=main_client, contents=["first", "second"], model="m"
    )
    assert [(r["class"], r["message"]) for r in results] == [("SecurityError", REJECTED)] * 2


def test_under_required_honest_answers_pass_and_forged_ones_are_refused(
    interpreter: Any, wire: CorsMitm
) -> None:
    options = {"client_id": "required", "base_url": wire.url, "response_auth": "required"}
    interpreter.call("client:make_client", **options)
    answer = interpreter.call("client:create", client_id="required", model="m", messages=MESSAGES)
    assert answer["choices"][0]["message"]["content"] == PROMPT
    for mac, message in [(None, UNAUTHENTICATED), ("random", REJECTED), ("copied", REJECTED)]:
        wire.reset()
        wire.script(mutate=forge(wire, mac=mac))
        assert _refusal(interpreter, "required") == ("SecurityError", message, None), mac
        assert len(wire.posts()) == 1


def test_under_auto_a_wrong_mac_is_refused_and_a_missing_one_accepted(
    interpreter: Any, main_client: str, wire: CorsMitm
) -> None:
    wire.script(mutate=forge(wire, mac="copied"))
    assert _refusal(interpreter, main_client) == ("SecurityError", REJECTED, None)
    wire.script(mutate=forge(wire))  # the documented limit of "auto"
    response = interpreter.call(
        "client:create", client_id=main_client, model="m", messages=MESSAGES
    )
    assert response["choices"][0]["message"]["content"] == FORGED


def test_the_clients_private_key_cannot_be_exported(interpreter: Any, main_client: str) -> None:
    if interpreter.name == "cpython":
        pytest.skip("a WebCrypto property: CPython keys are cryptography objects")
    facts = interpreter.call("client:client_key_facts", client_id=main_client)
    assert (facts["class"], facts["type"], facts["extractable"]) == ("CryptoKey", "private", False)
    assert "exported" not in facts["exports"].values()


# A page script (plain JavaScript, no Python) holding the client's CryptoKey tries every
# way WebCrypto offers to get its bytes out. Each must reject; using the key in place
# remains possible for a script on the page, which is what "non-extractable" means.
PAGE_SCRIPT_EXPORT = """async name => {
  const key = globalThis[name];
  const outcome = {};
  const attempt = async (label, run) => {
    try { await run(); outcome[label] = "exported"; }
    catch (error) { outcome[label] = error.name; }
  };
  for (const format of ["pkcs8", "jwk", "spki", "raw"]) {
    await attempt(format, () => crypto.subtle.exportKey(format, key));
  }
  const wrapping = await crypto.subtle.generateKey(
    { name: "AES-GCM", length: 256 }, true, ["wrapKey", "encrypt"]);
  await attempt("wrapKey", () => crypto.subtle.wrapKey(
    "pkcs8", key, wrapping, { name: "AES-GCM", iv: new Uint8Array(12) }));
  outcome.own_properties = Object.getOwnPropertyNames(key);
  outcome.json = JSON.stringify(key);
  delete globalThis[name];
  return outcome;
}"""


def test_a_page_script_cannot_export_the_clients_private_key(
    interpreter: Any, main_client: str
) -> None:
    if interpreter.name != "chrome":
        pytest.skip("a page script exists only in the browser")
    interpreter.call("client:create", client_id=main_client, model="m", messages=MESSAGES)
    name = "__stolen_nomyo_key"
    assert interpreter.call("client:expose_client_key", client_id=main_client, name=name) == (
        "CryptoKey"
    )
    outcome = interpreter.run_js(f"return await ({PAGE_SCRIPT_EXPORT})({name!r});")
    assert {k: outcome[k] for k in ("pkcs8", "jwk", "spki", "raw", "wrapKey")} == {
        "pkcs8": "InvalidAccessError",
        "jwk": "InvalidAccessError",
        "spki": "InvalidAccessError",  # a private key has no SubjectPublicKeyInfo form
        "raw": "InvalidAccessError",
        "wrapKey": "InvalidAccessError",
    }
    assert outcome["own_properties"] == [] and outcome["json"] == "{}"
    # The client goes on working after the attempt.
    answer = interpreter.call("client:create", client_id=main_client, model="m", messages=MESSAGES)
    assert answer


def test_key_rotation_under_concurrent_requests_loses_nothing(
    interpreter: Any, wire: CorsMitm, mitm_front: CorsMitm
) -> None:
    interpreter.call(
        "client:make_client", client_id="rotating", base_url=mitm_front.url, key_rotation_interval=1
    )
    outcome = interpreter.call(
        "client:rotate_under_load", client_id="rotating", waves=4, per_wave=6
    )
    assert outcome["mismatches"] == []
    assert outcome["rotations"] >= 2
    assert len({headers["x-public-key"] for headers in wire.headers_of_posts()}) >= 2
    interpreter.call("client:dispose", client_id="rotating")


def test_dispose_is_idempotent_and_final(
    interpreter: Any, wire: CorsMitm, mitm_front: CorsMitm
) -> None:
    interpreter.call("client:make_client", client_id="short", base_url=mitm_front.url)
    interpreter.call("client:create", client_id="short", model="m", messages=MESSAGES)
    facts = interpreter.call("client:dispose", client_id="short", model="m", messages=MESSAGES)
    assert facts["keys_dropped"] is True
    assert facts["after"]["class"] == "ClientDisposedError" and facts["is_runtime_error"] is True
    assert len(wire.posts()) == 1


def test_async_with_disposes_on_exit(
    interpreter: Any, wire: CorsMitm, mitm_front: CorsMitm
) -> None:
    outcome = interpreter.call(
        "client:async_with_round_trip", base_url=mitm_front.url, content="hello from a page"
    )
    assert outcome == {"content": "hello from a page", "disposed": True}


def test_nothing_left_loopback(interpreter: Any, main_client: str, wire: CorsMitm) -> None:
    interpreter.call("client:create", client_id=main_client, model="m", messages=MESSAGES)
    urls = interpreter.network()
    if interpreter.name == "cpython":
        pytest.skip("the network log is a Pyodide interpreter's (fetch) record")
    assert any(url.startswith(wire.url) for url in urls), urls
    outside = [url for url in urls if not is_loopback(url)]
    assert outside == []


def test_the_sync_client_blocks_where_the_runtime_can(
    interpreter: Any, wire: CorsMitm, mitm_front: CorsMitm
) -> None:
    blocking = interpreter.call("sync_client:can_block")
    outcome = interpreter.call(
        "sync_client:round_trip", base_url=mitm_front.url, content="sync hello"
    )
    if interpreter.name == "node":
        # Node.js 20 has no JavaScript Promise Integration: a clear error, at once, nothing sent.
        assert blocking is False
        assert outcome["ok"] is False and outcome["class"] == "SyncUnsupportedError"
        assert "SecureChatCompletion" in outcome["message"] and "can_run_sync" in outcome["message"]
        assert outcome["is_runtime_error"] is True and outcome["seconds"] < 5
        assert wire.seen == []
        return
    assert blocking is (True if interpreter.name == "chrome" else None)  # Chromium: JSPI
    assert outcome == {
        "ok": True,
        "content": "sync hello",
        "payload_id": wire.posts()[0].headers["X-Payload-ID"],
        "tier": "high",
    }
    assert wire.posts()[0].headers["X-Security-Tier"] == "high"


def test_the_sync_client_raises_the_same_typed_errors(
    interpreter: Any, auth_router: RouterProcess
) -> None:
    if interpreter.name == "node":
        pytest.skip("no JSPI in Node.js 20: the sync client refuses before any request")
    outcome = interpreter.call(
        "sync_client:round_trip", base_url=auth_router.url, content="x", api_key="wrong"
    )
    assert outcome["ok"] is False and outcome["class"] == "AuthenticationError"
    assert outcome["status_code"] == 401
