"""Requests the router must refuse, one kind at a time, at realistic sizes, over real HTTP.

    with RefusalSender(router.url) as sender:
        status = sender.send("undecryptable", number=0)   # 400
    headers, body = RefusalRequests(router_public_key).build("bad_base64", 3)

The kinds (``KINDS``) and the answer each must get (``EXPECTED_STATUS``):

* ``bad_key``: a well-formed envelope with an ``X-Public-Key`` that is no key;
  refused from its headers, before the body is read.
* ``bad_base64``: a well-formed envelope whose ciphertext field ends in a byte
  that is not base64; refused after the whole body was read and parsed.
* ``undecryptable``: an envelope sealed to the router's key with its GCM tag
  flipped; refused after RSA unwrapped the key and AES-GCM ran over the body.
* ``oversize``: a body past ``MAX_ENVELOPE_BYTES``, sent with its length
  declared (refused from the headers), or every 20th chunked (refused when the
  router has read up to the limit).

Request ``number`` picks the size (``plaintext_size``): every 20th is near the
envelope limit (13.3 MiB on the wire), every 5th 1 MiB, the others 2 KiB.
Bodies are built once per size and kind; each request has its own payload id.
"""

from __future__ import annotations

import base64
import functools
import json
import select
import socket
import uuid
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from nomyo_web.crypto import PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    MAX_ENVELOPE_BYTES,
    MAX_PLAINTEXT_BYTES,
    PATH_PUBLIC_KEY,
    PATH_SECURE_COMPLETION,
    build_envelope,
    encode_public_key_header,
)

from .keys import shared_private_key

__all__ = [
    "EXPECTED_STATUS",
    "KINDS",
    "LARGE",
    "RSS_GROWTH_LIMIT_MIB",
    "WARMUP",
    "RefusalRequests",
    "RefusalSender",
    "plaintext_size",
]

KINDS = ("bad_key", "bad_base64", "undecryptable", "oversize")
EXPECTED_STATUS = {"bad_key": 400, "bad_base64": 400, "undecryptable": 400, "oversize": 413}
LARGE = MAX_PLAINTEXT_BYTES - 4096
"""Near the limit: its envelope is 13.3 MiB, just under ``MAX_ENVELOPE_BYTES``."""
WARMUP = 40
"""Refusals of each kind before memory is measured: two near the limit, six of 1 MiB."""
RSS_GROWTH_LIMIT_MIB = 64.0
"""How far the router's RSS may move over measured refusals (of one kind, or of all).

Not zero, because the allocators keep what a near-limit refusal needed (about
70 MiB above the idle router's 45: the 13.3 MiB body as chunks and joined, the
envelope's JSON text, the 10 MiB ciphertext decoded and copied for AES-GCM)
and lay it out anew each time: after the warm-up a router that keeps nothing
still moves in steps of about 20 MiB (measured over 1,000 of each kind: 18 MiB,
30 with both cores busy elsewhere, 42 with half this warm-up; a new worker
thread for the RSA work brings its own malloc arena). Small enough to catch a
leak of any size: the old one kept 27 to 80 MiB per near-limit refusal and
about 100 KiB per small one, so three near-limit or 700 small refusals pass it.
"""
_BAD_KEY_HEADER = encode_public_key_header(
    "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n"
)
_CHUNK = 1 << 20
_backend = PycaBackend()


def plaintext_size(number: int) -> int:
    """The sealed request's size for request ``number``: a realistic mix."""
    if number % 20 == 0:
        return LARGE
    if number % 5 == 0:
        return 1 << 20
    return 2048


def _chat(size: int) -> bytes:
    shell = json.dumps({"model": "m", "messages": [{"role": "user", "content": ""}]})
    return shell.replace('""', '"' + "x" * (size - len(shell)) + '"', 1).encode()


def _flip_tag(envelope: dict[str, dict[str, str]]) -> None:
    tag = bytearray(base64.b64decode(envelope["encrypted_payload"]["tag"]))
    tag[0] ^= 0x01
    envelope["encrypted_payload"]["tag"] = base64.b64encode(bytes(tag)).decode()


def _break_base64(envelope: dict[str, dict[str, str]]) -> None:
    ciphertext = envelope["encrypted_payload"]["ciphertext"]
    envelope["encrypted_payload"]["ciphertext"] = ciphertext[:-4] + "AA!="


class RefusalRequests:
    """Builds the refused requests for a router whose public key is ``router_key``."""

    def __init__(self, router_key: PublicKeyHandle) -> None:
        self._router_key = router_key
        self._client_header = encode_public_key_header(shared_private_key().public.pem)

    @property
    def client_header(self) -> str:
        """A valid ``X-Public-Key`` value (the shared test client key)."""
        return self._client_header

    @functools.cache  # noqa: B019 - a handful of sizes, for the builder's life
    def _envelope(self, size: int, breakage: str) -> bytes:
        envelope = json.loads(build_envelope(_backend.seal_sync(_chat(size), self._router_key)))
        {"tag": _flip_tag, "base64": _break_base64, "none": lambda _: None}[breakage](envelope)
        return json.dumps(envelope, separators=(",", ":")).encode()

    def build(self, kind: str, number: int) -> tuple[dict[str, str], bytes]:
        """Headers and body of request ``number`` of ``kind`` (``oversize``: declared length)."""
        key_header = _BAD_KEY_HEADER if kind == "bad_key" else self._client_header
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Payload-ID": f"refusal-{uuid.uuid4()}",
            "X-Public-Key": key_header,
        }
        breakage = {"bad_key": "none", "bad_base64": "base64", "undecryptable": "tag"}
        if kind == "oversize":
            return headers, bytes(MAX_ENVELOPE_BYTES + 1)
        if kind not in breakage:
            raise ValueError(f"unknown kind {kind!r}")
        return headers, self._envelope(plaintext_size(number), breakage[kind])

    def forget(self) -> None:
        """Drop the built bodies (up to about 100 MiB)."""
        self._envelope.cache_clear()


class RefusalSender:
    """Sends refused requests of each kind to the router at ``url``; returns their status."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url
        self.timeout = timeout
        self.http = httpx.Client(base_url=url, timeout=timeout)
        pem = self.http.get(PATH_PUBLIC_KEY).raise_for_status().text
        self.requests = RefusalRequests(_backend.load_public_key_sync(pem))

    def send(self, kind: str, number: int) -> int:
        """Request ``number`` of ``kind``; returns the router's status code."""
        if kind == "oversize":
            return self._send_oversize(chunked=number % 20 == 0)
        headers, body = self.requests.build(kind, number)
        return self.http.post(PATH_SECURE_COMPLETION, content=body, headers=headers).status_code

    def _send_oversize(self, chunked: bool) -> int:
        """A body past the limit on a raw socket (a client library stops at the early answer)."""
        parts = urlsplit(self.url)
        length = f"Content-Length: {MAX_ENVELOPE_BYTES + 1}"
        framing = "Transfer-Encoding: chunked" if chunked else length
        head = (
            f"POST {PATH_SECURE_COMPLETION} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/octet-stream\r\nX-Payload-ID: {uuid.uuid4()}\r\n"
            f"X-Public-Key: {self.requests.client_header}\r\n{framing}\r\n\r\n"
        )
        with socket.create_connection((parts.hostname, parts.port), self.timeout) as sock:
            sock.sendall(head.encode())
            if chunked:
                _send_chunks_until_answered(sock)
            return _read_status(sock)

    def close(self) -> None:
        self.http.close()
        self.requests.forget()

    def __enter__(self) -> RefusalSender:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _send_chunks_until_answered(sock: socket.socket) -> None:
    chunk = b"%x\r\n%s\r\n" % (_CHUNK, b"A" * _CHUNK)
    sent = 0
    while sent <= 2 * MAX_ENVELOPE_BYTES and not select.select([sock], [], [], 0)[0]:
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return  # the router answered and closed: its answer is in our receive buffer
        sent += _CHUNK


def _read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
