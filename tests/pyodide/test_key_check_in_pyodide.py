"""Degenerate RSA keys (e = 1, even n, ...) in every runtime (CPython, Node.js, Chromium).

The crypto seam refuses each with the same problem on every backend -- the
protocol's check runs before WebCrypto's importKey, whose own checks differ
between browsers -- and a client served one by a key-swapping proxy sends
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.pyodide.cors_mitm import CorsMitm
from tests.support.browser import StaticServer
from tests.support.keys import shared_private_key
from tests.support.router import RouterProcess
from tests.support.rsa_spki import DEGENERATE_KEYS, rsa_spki_pem, server_modulus
from tests.support.stub_upstream import StubUpstream

pytestmark = pytest.mark.asyncio(loop_scope="session")

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize("case", list(DEGENERATE_KEYS))
async def test_the_seam_refuses_a_degenerate_key_with_the_same_problem(
    runtime: Any, case: str
) -> None:
    message = await runtime.call("crypto:load_refused", pem=DEGENERATE_KEYS[case].pem())
    assert message == DEGENERATE_KEYS[case].problem


async def test_the_seam_imports_the_hand_encoded_real_key(runtime: Any) -> None:
    facts = await runtime.call("crypto:load_public_key", pem=rsa_spki_pem(server_modulus(), 65537))
    assert facts == {"bits": 4096, "fingerprint": shared_private_key().public.fingerprint}


@pytest.fixture(scope="session")
def key_swapper(cors_router: RouterProcess, page_server: StaticServer) -> Iterator[CorsMitm]:
    proxy = CorsMitm(cors_router.url, page_server.url)
    yield proxy
    proxy.close()


@pytest.mark.parametrize("case", ["e = 1", "even n", "65-bit e"])
async def test_a_client_served_a_degenerate_key_sends_nothing(
    runtime: Any, key_swapper: CorsMitm, stub_upstream: StubUpstream, case: str
) -> None:
    key_swapper.reset()
    key_swapper.public_key_override = DEGENERATE_KEYS[case].pem().encode()
    client_id = f"degenerate-{case}"
    await runtime.call("client:make_client", client_id=client_id, base_url=key_swapper.url)
    error = await runtime.call(
        "client:create_error", client_id=client_id, model="m", messages=MESSAGES
    )
    assert (error["class"], error["message"]) == (
        "SecurityError",
        f"the server's public key is refused: {DEGENERATE_KEYS[case].problem}",
    )
    assert key_swapper.key_fetches() == 1 and key_swapper.posts() == []
    assert stub_upstream.calls == 0
