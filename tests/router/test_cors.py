"""CORS: listed origins get the headers on every answer; unlisted ones get none."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from nomyo_web.protocol import PATH_SECURE_COMPLETION
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

LISTED = "http://127.0.0.1:8123"
UNLISTED = "http://evil.example"
PROTOCOL_HEADERS = {
    "authorization",
    "content-type",
    "x-public-key",
    "x-payload-id",
    "x-security-tier",
}


@pytest.fixture(scope="module")
def cors_router(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream",
        stub_upstream_server.url,
        "--cors-origin",
        LISTED,
        "--cors-origin",
        "http://localhost:9000",
        "--api-key",
        "k",
    ) as process:
        yield process


@pytest.fixture(scope="module")
def caller(cors_router: RouterProcess) -> Caller:
    return Caller.of(cors_router.url)


def _preflight(url: str, origin: str) -> httpx.Response:
    return httpx.options(
        url + PATH_SECURE_COMPLETION,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-public-key",
        },
    )


def test_a_listed_origins_preflight_allows_the_protocol_headers(caller: Caller):
    answer = _preflight(caller.url, LISTED)
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == LISTED
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert allowed == PROTOCOL_HEADERS
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert answer.headers["vary"] == "Origin"


def test_an_unlisted_origins_preflight_is_refused_without_cors_headers(caller: Caller):
    answer = _preflight(caller.url, UNLISTED)
    assert (answer.status_code, answer.json()) == (403, {"detail": "Origin not allowed"})
    assert not [name for name in answer.headers if name.startswith("access-control-")]


@pytest.mark.parametrize(
    ("authorization", "status"), [("Bearer k", 200), ("Bearer nope", 401), (None, 401)]
)
def test_a_listed_origin_gets_cors_headers_on_answers_and_errors(
    caller: Caller, stub_upstream: StubUpstream, authorization: str | None, status: int
):
    extra = {"Origin": LISTED}
    if authorization:
        extra["Authorization"] = authorization
    answer = caller.ask(chat(), extra)
    assert answer.status_code == status
    assert answer.headers["access-control-allow-origin"] == LISTED
    assert answer.headers["access-control-expose-headers"] == "Retry-After"
    assert "Origin" in answer.headers["vary"]


def test_a_listed_origin_gets_cors_headers_on_a_400_and_the_key(caller: Caller):
    bad = caller.post(b"junk", {**caller.headers(), "Authorization": "Bearer k", "Origin": LISTED})
    assert bad.status_code == 400
    assert bad.headers["access-control-allow-origin"] == LISTED
    key = httpx.get(caller.url + "/pki/public_key", headers={"Origin": "http://localhost:9000"})
    assert key.headers["access-control-allow-origin"] == "http://localhost:9000"


@pytest.mark.parametrize("origin", [UNLISTED, LISTED + "/", "http://127.0.0.1:8124", "null"])
def test_an_unlisted_origin_gets_no_cors_headers(caller: Caller, origin: str):
    answer = caller.ask(chat(), {"Origin": origin, "Authorization": "Bearer k"})
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.startswith("access-control-")]
    assert answer.headers["vary"] == "Origin"


def test_without_cors_origins_no_cors_headers_at_all(router_url: str):
    answer = _preflight(router_url, LISTED)
    assert answer.status_code == 405
    assert not [name for name in answer.headers if name.startswith("access-control-")]
