"""What the relay cannot see: after a real exchange through it, neither its memory nor its
logs hold the prompt or the answer, and it never held the upstream's private key.

Method: every readable mapping of the relay process, read through /proc/PID/mem
(``tests.support.memory``), searched for the prompt in UTF-8, UCS-2 and UCS-4 (the
forms a CPython ``str`` takes) and for the private key's prime in both byte orders.
The same scan of the stand-in router, which did open the request, is the control:
it must find both, or the method proves nothing.
"""

from __future__ import annotations

import secrets

import pytest

from tests.client.mitm import Mitm
from tests.relay.test_relay import ask, client
from tests.support.keys import shared_private_key
from tests.support.memory import MemoryUnreadableError, memory_holds, memory_holds_bytes
from tests.support.router import RouterProcess


def private_prime() -> tuple[bytes, bytes]:
    """The upstream key's first prime, big- and little-endian (DER, OpenSSL's BIGNUM words)."""
    prime = shared_private_key().native.private_numbers().p
    size = (prime.bit_length() + 7) // 8
    return prime.to_bytes(size, "big"), prime.to_bytes(size, "little")


async def test_the_relay_never_holds_or_logs_the_prompt(
    relay: RouterProcess, standin: RouterProcess, wire: Mitm
) -> None:
    prompt = f"relay-must-never-see-{secrets.token_hex(12)}"
    async with client(relay.url) as chat:
        answer = await chat.create(**ask(prompt))
    assert answer["choices"][0]["message"]["content"] == prompt  # the stub echoes it back
    try:
        control = memory_holds(standin.proc.pid, prompt)
    except MemoryUnreadableError as error:
        pytest.skip(str(error))
    assert control, "the scan did not find the prompt where it was opened"
    assert not memory_holds(relay.proc.pid, prompt)
    assert prompt not in relay.logs()
    assert prompt.encode() not in b"".join(seen.body for seen in wire.posts())  # sealed


def test_the_relay_never_held_the_upstreams_private_key(
    relay: RouterProcess, standin: RouterProcess
) -> None:
    try:
        assert memory_holds_bytes(standin.proc.pid, *private_prime()), "control"
    except MemoryUnreadableError as error:
        pytest.skip(str(error))
    assert not memory_holds_bytes(relay.proc.pid, *private_prime())
