"""``nomyo-router --relay``: sealed requests forwarded as they are, the API key added on the way.

Everything runs for real: our client, the relay process, a wire tap, and a
router standing in for NOMYO that accepts only the relay's API key.
"""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from nomyo_web import AuthenticationError, SecureChatCompletion
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import MAX_ENVELOPE_BYTES
from tests.client.mitm import Mitm
from tests.relay.conftest import PAGE_ORIGIN
from tests.support.relay import CALLER_KEY, RELAY_KEY, start_relay, upstream_fingerprint
from tests.support.router import RouterProcess, run_router, start_router
from tests.support.stub_upstream import StubUpstream

PATH = "/v1/chat/secure_completion"
PROTOCOL_HEADERS = {
    "Content-Type": "application/octet-stream",
    "X-Payload-ID": "relay-test-0001",
    "X-Public-Key": "-----BEGIN%20PUBLIC%20KEY-----%0Aopaque%0A",
    "X-Security-Tier": "high",
}


def client(base_url: str, **options: Any) -> SecureChatCompletion:
    """Our client, pinned to the upstream's key and requiring its response MAC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # allow_http on loopback
        return SecureChatCompletion(
            base_url=base_url,
            allow_http=True,
            server_key_fingerprint=upstream_fingerprint(),
            response_auth="required",
            **options,
        )


def ask(text: str) -> dict[str, Any]:
    return {"model": "stub-model", "messages": [{"role": "user", "content": text}]}


async def test_a_pinned_client_gets_its_answer_through_the_relay(
    relay: RouterProcess, wire: Mitm
) -> None:
    async with client(relay.url, api_key=CALLER_KEY) as chat:
        answer = await chat.create(**ask("through the relay"))
    assert answer["choices"][0]["message"]["content"] == "through the relay"
    assert len(wire.posts()) == 1


async def test_the_upstream_sees_the_relays_key_and_never_the_callers(
    relay: RouterProcess, wire: Mitm
) -> None:
    async with client(relay.url, api_key=CALLER_KEY) as chat:
        await chat.create(**ask("whose key"))
    (post,) = wire.posts()
    assert post.headers["Authorization"] == f"Bearer {RELAY_KEY}"
    seen = "\n".join(f"{name}: {value}" for s in wire.seen for name, value in s.headers.items())
    assert CALLER_KEY not in seen


def test_the_body_and_the_four_protocol_headers_go_on_untouched(
    relay: RouterProcess, wire: Mitm
) -> None:
    body = b'{"opaque": "envelope bytes \\u00e9", "n": 1}'
    sent = {
        **PROTOCOL_HEADERS,
        "Authorization": f"Bearer {CALLER_KEY}",
        "Cookie": "session=page-cookie",
        "X-Forwarded-For": "203.0.113.9",
        "X-Custom": "caller-header",
    }
    wire.script(status=418, body={"detail": "seen"})
    httpx.post(relay.url + PATH, content=body, headers=sent, timeout=30)
    (post,) = wire.posts()
    assert post.body == body
    for name, value in PROTOCOL_HEADERS.items():
        assert post.headers[name] == value
    forwarded = {name.lower() for name in post.headers}
    assert not forwarded & {"cookie", "x-forwarded-for", "x-custom", "origin"}
    assert post.headers["Authorization"] == f"Bearer {RELAY_KEY}"


@pytest.mark.parametrize(
    ("status", "body", "retry_after"),
    [
        (429, {"detail": "Rate limit exceeded"}, "17"),
        (503, {"detail": "Model is loading"}, "5"),
        (400, {"detail": "Invalid envelope: x", "code": "bad"}, None),
        (401, {"detail": "Invalid or missing API key"}, None),
        (500, {"detail": "Internal server error"}, None),
    ],
)
def test_the_answer_comes_back_unchanged(
    relay: RouterProcess, wire: Mitm, status: int, body: dict[str, str], retry_after: str | None
) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    wire.script(status=status, body=body, headers=headers)
    answer = httpx.post(relay.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS, timeout=30)
    assert answer.status_code == status
    assert answer.json() == body
    assert answer.headers.get("retry-after") == retry_after


def test_a_sealed_answer_comes_back_byte_for_byte(relay: RouterProcess, wire: Mitm) -> None:
    sealed = b'{"version":"1.0","algorithm":"hybrid-aes256-rsa4096","x":"\\u00ff"}'
    wire.script(answer=lambda seen: sealed)
    answer = httpx.post(relay.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS, timeout=30)
    assert (answer.status_code, answer.content) == (200, sealed)
    assert answer.headers["content-type"] == "application/json"


async def test_a_caller_authorization_is_not_needed_and_not_forwarded(
    relay: RouterProcess, wire: Mitm
) -> None:
    async with client(relay.url) as chat:  # a page holding no API key at all
        answer = await chat.create(**ask("no key here"))
    assert answer["choices"][0]["message"]["content"] == "no key here"
    assert wire.posts()[0].headers["Authorization"] == f"Bearer {RELAY_KEY}"


@pytest.fixture
def own_relay(wire: Mitm) -> Iterator[RouterProcess]:
    """A relay of this test's own, so its key cache starts empty."""
    with start_relay(wire.url) as process:
        yield process


def test_the_upstream_key_is_fetched_once_and_served_as_it_is(
    own_relay: RouterProcess, wire: Mitm, standin: RouterProcess
) -> None:
    upstream = httpx.get(standin.url + "/pki/public_key").text
    answers = [httpx.get(own_relay.url + "/pki/public_key") for _ in range(5)]
    assert {a.text for a in answers} == {upstream}
    assert {a.headers["x-key-fingerprint"] for a in answers} == {upstream_fingerprint()}
    assert answers[0].headers["cache-control"] == "no-store"
    assert wire.key_fetches() == 1


@pytest.fixture(scope="module")
def other_key_pem() -> bytes:
    return PycaBackend().generate_private_key_sync(2048).public.pem.encode()


def test_the_key_is_fetched_again_when_the_upstream_refuses_it(
    own_relay: RouterProcess, wire: Mitm, other_key_pem: bytes
) -> None:
    first = httpx.get(own_relay.url + "/pki/public_key").text
    wire.public_key_override = other_key_pem  # the upstream rotated its key
    assert httpx.get(own_relay.url + "/pki/public_key").text == first  # still cached
    refused = {"detail": "Payload decryption failed", "code": "decryption_failed"}
    wire.script(status=400, body=refused)
    answer = httpx.post(own_relay.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
    assert (answer.status_code, answer.json()) == (400, refused)
    assert httpx.get(own_relay.url + "/pki/public_key").content == other_key_pem
    assert wire.key_fetches() == 2


def test_a_bad_upstream_key_is_not_served(own_relay: RouterProcess, wire: Mitm) -> None:
    wire.public_key_override = b"-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"
    answer = httpx.get(own_relay.url + "/pki/public_key")
    assert (answer.status_code, answer.json()) == (502, {"detail": "Upstream key unavailable"})


async def test_a_client_pinned_elsewhere_refuses_the_relayed_key(
    relay: RouterProcess, wire: Mitm
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        chat = SecureChatCompletion(
            base_url=relay.url, allow_http=True, server_key_fingerprint="ab" * 32
        )
    async with chat:
        with pytest.raises(Exception, match="server_key_fingerprint"):
            await chat.create(**ask("pinned elsewhere"))
    assert wire.posts() == []


def test_cors_allows_only_the_listed_origin(relay: RouterProcess, wire: Mitm) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = httpx.options(relay.url + PATH, headers={"Origin": PAGE_ORIGIN, **preflight})
    other = httpx.options(relay.url + PATH, headers={"Origin": "http://evil.example", **preflight})
    assert allowed.status_code == 204
    assert "X-Payload-ID" in allowed.headers["access-control-allow-headers"]
    assert other.status_code == 403
    answer = httpx.get(relay.url + "/pki/public_key", headers={"Origin": PAGE_ORIGIN})
    assert answer.headers["access-control-allow-origin"] == PAGE_ORIGIN


def test_a_body_over_the_limit_is_refused_before_it_is_forwarded(
    relay: RouterProcess, wire: Mitm
) -> None:
    # A raw socket: an HTTP library would not send a Content-Length it cannot back.
    parts = urlsplit(relay.url)
    head = "".join(f"{name}: {value}\r\n" for name, value in PROTOCOL_HEADERS.items())
    request = f"POST {PATH} HTTP/1.1\r\nHost: x\r\n{head}"
    request += f"Content-Length: {MAX_ENVELOPE_BYTES + 1}\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request.encode() + b"x" * 1024)
        received = sock.recv(65536)
    assert received.startswith(b"HTTP/1.1 413 ")
    assert wire.posts() == []


def test_the_rate_limit_holds_per_address(wire: Mitm) -> None:
    with start_relay(wire.url, "--rate-limit", "2") as limited:
        statuses = [
            httpx.post(limited.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS).status_code
            for _ in range(3)
        ]
        last = httpx.post(limited.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
    assert statuses[:2] == [400, 400] and statuses[2] == 429  # the upstream: bad envelope
    assert int(last.headers["retry-after"]) >= 1
    assert len(wire.posts()) == 2


def test_caller_api_keys_are_checked_and_stripped(wire: Mitm) -> None:
    with start_relay(wire.url, "--api-key", CALLER_KEY) as guarded:
        anonymous = httpx.post(guarded.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
        with_key = {**PROTOCOL_HEADERS, "Authorization": f"Bearer {CALLER_KEY}"}
        admitted = httpx.post(guarded.url + PATH, content=b"{}", headers=with_key)
    assert anonymous.status_code == 401
    assert admitted.status_code == 400  # reached the upstream, which refused the envelope
    (post,) = wire.posts()
    assert post.headers["Authorization"] == f"Bearer {RELAY_KEY}"


def test_an_upstream_past_the_timeout_is_504(wire: Mitm) -> None:
    wire.script(hang=5)
    with start_relay(wire.url, "--upstream-timeout", "1") as impatient:
        answer = httpx.post(impatient.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
    assert (answer.status_code, answer.json()) == (504, {"detail": "Upstream timed out"})


def test_an_unreachable_upstream_is_502_without_a_traceback() -> None:
    with start_relay("http://127.0.0.1:9") as stranded:
        answer = httpx.post(stranded.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
        key = httpx.get(stranded.url + "/pki/public_key")
        logs = stranded.logs()
    assert (answer.status_code, answer.json()) == (502, {"detail": "Upstream unreachable"})
    assert key.status_code == 502
    assert "Traceback" not in logs and RELAY_KEY not in logs


async def test_the_upstream_refusing_the_relays_key_is_passed_on_and_logged(
    stub_upstream: StubUpstream,
) -> None:
    with (
        start_router("--upstream", stub_upstream.url, "--api-key", "another-key") as strict,
        start_relay(strict.url) as relay,
    ):
        async with client(relay.url) as chat:
            with pytest.raises(AuthenticationError):
                await chat.create(**ask("refused"))
        line = relay.wait_for_log("upstream refused the relay's API key")
    assert "(HTTP 401)" in line and RELAY_KEY not in relay.logs()


@pytest.mark.parametrize(
    ("flags", "env", "message"),
    [
        (["--relay", "http://127.0.0.1:9"], {"NOMYO_API_KEY": RELAY_KEY},
         "--relay-http-for-development"),
        (["--relay", "https://api.example"], {}, "needs the upstream API key in $NOMYO_API_KEY"),
        (["--relay", "https://api.example", "--key-file", "k.pem"], {"NOMYO_API_KEY": RELAY_KEY},
         "--key-file does not apply to --relay"),
        (["--relay", "https://api.example", "--upstream", "http://x"],
         {"NOMYO_API_KEY": RELAY_KEY}, "--upstream does not apply to --relay"),
        (["--relay", "https://user:pw@api.example"], {"NOMYO_API_KEY": RELAY_KEY},
         "takes no user, password, query or fragment"),
        (["--relay", "ftp://api.example"], {"NOMYO_API_KEY": RELAY_KEY}, "http(s)://HOST"),
        (["--relay", "https://api.example"], {"NOMYO_API_KEY": "two words"}, "printable ASCII"),
        (["--relay-http-for-development"], {}, "needs --relay"),
    ],
)  # fmt: skip
def test_relay_flags_are_checked_at_start(
    flags: list[str], env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOMYO_API_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_router("--port", "0", *flags)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and RELAY_KEY not in result.stderr


def test_the_api_key_cannot_be_given_as_a_flag() -> None:
    text = run_router("--help").stdout
    assert "--relay URL" in text and "NOMYO_API_KEY" in text
    assert "--relay-api-key" not in text
    assert run_router("--relay-api-key", "x").returncode == 2


def test_an_oversized_upstream_key_is_not_read_past_its_bound(
    own_relay: RouterProcess, wire: Mitm
) -> None:
    wire.public_key_override = b"A" * 20_000
    answer = httpx.get(own_relay.url + "/pki/public_key")
    assert (answer.status_code, answer.json()) == (502, {"detail": "Upstream key unavailable"})


def test_an_answer_that_closes_its_connection_does_not_break_the_next(
    relay: RouterProcess, wire: Mitm
) -> None:
    wire.script(status=429, body={"detail": "slow down"}, headers={"Connection": "close"})
    first = httpx.post(relay.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
    second = httpx.post(relay.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
    assert (first.status_code, second.status_code) == (429, 400)  # 400: the real upstream
    assert len(wire.posts()) == 2


def test_header_bytes_beyond_ascii_go_on_as_they_came(relay: RouterProcess, wire: Mitm) -> None:
    wire.script(status=400, body={"detail": "Invalid X-Security-Tier header"})
    headers: dict[str, Any] = {**PROTOCOL_HEADERS, "X-Security-Tier": b"h\xe9gh"}
    answer = httpx.post(relay.url + PATH, content=b"{}", headers=headers)
    assert answer.status_code == 400
    (post,) = wire.posts()
    assert post.headers["X-Security-Tier"] == "h\xe9gh"  # read back as Latin-1, byte for byte
