"""A page that holds no API key, pinned to the upstream's key, chatting through a relay.

In each runtime (CPython, Pyodide in Node.js, Pyodide in Chromium) our client
talks to a real relay process (``nomyo-router --relay``, CORS for the page's
origin), which forwards to a real router standing in for NOMYO that accepts
only the relay's API key. A wire tap between relay and upstream shows what the
upstream got; the relay's memory and logs are searched for the prompt.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.client.mitm import Mitm
from tests.support.browser import StaticServer
from tests.support.memory import memory_holds
from tests.support.relay import RELAY_KEY, start_relay, tapped_standin, upstream_fingerprint
from tests.support.router import RouterProcess
from tests.support.stub_upstream import StubUpstream

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="session")
def relay_upstream(stub_upstream_server: StubUpstream) -> Iterator[tuple[RouterProcess, Mitm]]:
    with tapped_standin(stub_upstream_server.url) as pair:
        yield pair


@pytest.fixture(scope="session")
def page_relay(
    relay_upstream: tuple[RouterProcess, Mitm], page_server: StaticServer
) -> Iterator[RouterProcess]:
    with start_relay(relay_upstream[1].url, "--cors-origin", page_server.url) as process:
        yield process


async def test_a_page_without_an_api_key_chats_through_the_relay(
    runtime: Any,
    page_relay: RouterProcess,
    relay_upstream: tuple[RouterProcess, Mitm],
    stub_upstream: StubUpstream,
) -> None:
    relay_standin, relay_tap = relay_upstream
    relay_tap.reset()
    prompt = f"{runtime.name}-through-the-relay-{secrets.token_hex(10)}"
    await runtime.call(
        "client:make_client",
        client_id="relay",
        base_url=page_relay.url,
        server_key_fingerprint=upstream_fingerprint(),
        response_auth="required",
    )
    response = await runtime.call(
        "client:create",
        client_id="relay",
        model="m",
        messages=[{"role": "user", "content": prompt}],
    )
    assert response["choices"][0]["message"] == {"role": "assistant", "content": prompt}
    [post] = relay_tap.posts()
    assert post.headers["Authorization"] == f"Bearer {RELAY_KEY}"
    assert prompt.encode() not in post.body
    assert memory_holds(relay_standin.proc.pid, prompt)  # the control: it opened the request
    assert not memory_holds(page_relay.proc.pid, prompt)
    assert prompt not in page_relay.logs()
