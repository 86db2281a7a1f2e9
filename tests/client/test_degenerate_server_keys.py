"""A degenerate server key (e = 1, an even modulus, ...) is refused before anything is sent.

The proxy swaps the real router's key for one built by hand from the real
modulus; the client must raise SecurityError naming the problem, and the
secure endpoint must see nothing. The control (the same modulus with
e = 65537, i.e. the real key, encoded by hand) goes through.
"""

from __future__ import annotations

import pytest

from nomyo_web import SecurityError
from tests.support.rsa_spki import DEGENERATE_KEYS, rsa_spki_pem, server_modulus

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "sealed for whom?"}]


@pytest.mark.parametrize("case", list(DEGENERATE_KEYS))
async def test_a_degenerate_server_key_is_refused_before_sending(
    make_client, mitm: Mitm, stub_upstream, case: str
) -> None:
    mitm.public_key_override = DEGENERATE_KEYS[case].pem().encode()
    client = make_client(max_retries=0)
    with pytest.raises(SecurityError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert type(caught.value) is SecurityError
    assert caught.value.message == (
        f"the server's public key is refused: {DEGENERATE_KEYS[case].problem}"
    )
    assert mitm.key_fetches() == 1
    assert mitm.posts() == []
    assert stub_upstream.calls == 0


async def test_the_hand_encoded_real_key_is_accepted(
    make_client, mitm: Mitm, stub_upstream
) -> None:
    mitm.public_key_override = rsa_spki_pem(server_modulus(), 65537).encode()
    client = make_client(max_retries=0)
    response = await client.create(model="m", messages=MESSAGES)
    assert response["choices"][0]["message"]["content"] == "sealed for whom?"
    assert len(mitm.posts()) == 1 and stub_upstream.calls == 1
