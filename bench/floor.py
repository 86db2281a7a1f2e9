"""The protocol's floor, measured in the same run as the clients.

A call cannot cost less than: the server's RSA-4096 OAEP private decrypt of the
request key and public encrypt of the answer key, the client's public encrypt
and private decrypt, and one loopback round trip of a real-sized request and
answer. The RSA work runs through ``cryptography`` directly; the round trip is
one reused ``httpx.AsyncClient`` against ``bench.floor_server`` (another
process that does nothing but answer). AES-GCM of a chat-sized message takes
microseconds and is left out.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from nomyo_web.crypto import PrivateKeyHandle

from .sealed import SealedRequest
from .stats import median, rounded

__all__ = ["FloorProbe", "rsa_costs"]


def _oaep() -> padding.OAEP:
    return padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    )


def rsa_costs(key: PrivateKeyHandle, count: int) -> dict[str, float]:
    """Medians (ms) of RSA-4096 OAEP-SHA256 decrypt and encrypt: wall and thread CPU."""
    private, public = key.native, key.public.native
    decrypt, encrypt, cpu = [], [], []
    for _ in range(count):
        secret = os.urandom(32)
        t0, c0 = time.perf_counter(), time.thread_time()
        wrapped = public.encrypt(secret, _oaep())
        t1 = time.perf_counter()
        private.decrypt(wrapped, _oaep())
        t2, c2 = time.perf_counter(), time.thread_time()
        encrypt.append((t1 - t0) * 1000)
        decrypt.append((t2 - t1) * 1000)
        cpu.append((c2 - c0) * 1000)
    return {
        "private_decrypt_ms": median(decrypt),
        "public_encrypt_ms": median(encrypt),
        "decrypt_plus_encrypt_cpu_ms": median(cpu),
    }


class FloorProbe:
    """One floor measurement per block: RSA medians plus round trips on one httpx client."""

    def __init__(self, url: str, sample: SealedRequest, key: PrivateKeyHandle) -> None:
        self.url = url
        self.headers = dict(sample.headers)
        self.body = sample.body
        self.key = key
        self.client = httpx.AsyncClient()
        self.blocks: list[dict[str, float]] = []

    async def block(self, rsa_count: int, trips: int) -> None:
        rsa = rsa_costs(self.key, rsa_count)
        times = []
        for _ in range(trips):
            t0 = time.perf_counter()
            answer = await self.client.post(self.url, headers=self.headers, content=self.body)
            answer.read()
            times.append((time.perf_counter() - t0) * 1000)
        rsa["round_trip_ms"] = median(times)
        rsa["floor_per_call_ms"] = (
            2 * rsa["private_decrypt_ms"] + 2 * rsa["public_encrypt_ms"] + rsa["round_trip_ms"]
        )
        self.blocks.append(rsa)

    def summary(self) -> dict[str, Any]:
        names = self.blocks[0].keys() if self.blocks else []
        result: dict[str, Any] = {
            name: rounded(median([block[name] for block in self.blocks])) for name in names
        }
        result["request_bytes"] = len(self.body)
        return result

    async def aclose(self) -> None:
        await self.client.aclose()
