"""The official client ``nomyo==0.2.9``, unchanged, through a relay: the relay is
invisible to a client that speaks the protocol, and adds the key it lacks."""

from __future__ import annotations

import warnings
from pathlib import Path

from nomyo import SecureChatCompletion

from tests.client.mitm import Mitm
from tests.support.relay import RELAY_KEY
from tests.support.router import RouterProcess
from tests.test_reference_client import key_dir  # noqa: F401 - the shared client key fixture


async def test_the_reference_client_chats_through_the_relay(
    relay: RouterProcess,
    wire: Mitm,
    key_dir: Path,  # noqa: F811
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nomyo warns about plain HTTP and secure memory
        client = SecureChatCompletion(base_url=relay.url, allow_http=True, key_dir=str(key_dir))
        response = await client.create(
            model="test-model", messages=[{"role": "user", "content": "official, relayed"}]
        )
    assert response["choices"][0]["message"]["content"] == "official, relayed"
    assert response["_metadata"]["is_encrypted"] is True
    (post,) = wire.posts()
    assert post.headers["Authorization"] == f"Bearer {RELAY_KEY}"
