"""CORS in a real Chromium: a router serves a page's origin only when it lists it.

The page is pytest-pyodide's Chrome runtime (Pyodide with nomyo-web, on the origin
of its loopback web server); two routers on other loopback origins front the stub
upstream. One lists the page's origin, the other lists a different origin only:
Chromium must block the second, and the client must report it as
``APIConnectionError`` with nothing inferred.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from nomyo_router.testing.network import check_loopback_only
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

OTHER_ORIGIN = "http://127.0.0.1:9"
PROMPT = "cors check: which origin may read this?"
MESSAGES = [{"role": "user", "content": PROMPT}]


@pytest.fixture(scope="module")
def seen_before(interpreter: Any) -> set[str]:
    """What the page had asked for before this module (other modules share the page)."""
    return set(interpreter.network())


@pytest.fixture
def page(interpreter: Any, seen_before: set[str]) -> Any:
    if interpreter.name != "chrome":
        pytest.skip("CORS is the browser's")
    return interpreter


@pytest.fixture(scope="session")
def listing_router(stub_upstream_server: StubUpstream, page_origin: str) -> Iterator[RouterProcess]:
    args = ("--upstream", stub_upstream_server.url, "--cors-origin", page_origin)
    with start_router(*args) as process:
        yield process


@pytest.fixture(scope="session")
def other_router(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    args = ("--upstream", stub_upstream_server.url, "--cors-origin", OTHER_ORIGIN)
    with start_router(*args) as process:
        yield process


def _client_for(page: Any, router: RouterProcess) -> str:
    name = f"cors-{urlsplit(router.url).port}"
    page.call("client:make_client", client_id=name, base_url=router.url, max_retries=0, timeout=20)
    return name


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_a_router_listing_the_pages_origin_answers_it(
    page: Any, listing_router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    client = _client_for(page, listing_router)
    answer = page.call("client:create", client_id=client, model="stub", messages=MESSAGES)
    assert answer["choices"][0]["message"]["content"] == PROMPT
    assert stub_upstream.calls == 1


def test_a_router_listing_another_origin_is_blocked_by_the_browser(
    page: Any, other_router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    client = _client_for(page, other_router)
    error = page.call("client:create_error", client_id=client, model="stub", messages=MESSAGES)
    assert error["class"] == "APIConnectionError"
    assert stub_upstream.calls == 0
    # The router may see the key fetch or a preflight, but never the sealed POST.
    records = other_router.request_log(at_least=1, timeout=3)
    posts = [r for r in records if r.get("method") == "POST"]
    assert posts == [], f"the router received a POST from a page it does not list: {posts}"
    assert any(_origin(url) == _origin(other_router.url) for url in page.network()), (
        "the page never tried the unlisted router, so the test proved nothing"
    )


def test_every_request_stayed_on_the_loopback_origins(
    page: Any,
    seen_before: set[str],
    page_origin: str,
    listing_router: RouterProcess,
    other_router: RouterProcess,
) -> None:
    urls = [url for url in page.network() if url not in seen_before]
    check_loopback_only(urls)
    allowed = {page_origin, listing_router.url, other_router.url}
    outside = [url for url in urls if _origin(url) not in allowed]
    assert outside == [], f"requests to origins other than the page's and the routers': {outside}"
