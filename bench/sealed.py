"""Requests sealed before the clock starts, for the floor and the load generator.

Each request has its own AES key, nonce and ``X-Payload-ID`` (a uuid4), so the
router's replay cache never answers one from memory: every request costs the
router a real private decrypt, an engine call and a public encrypt.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from nomyo_web.crypto import PrivateKeyHandle, PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    ENVELOPE_CONTENT_TYPE,
    HEADER_PAYLOAD_ID,
    HEADER_PUBLIC_KEY,
    PATH_SECURE_COMPLETION,
    build_envelope,
    encode_public_key_header,
    parse_envelope,
)

__all__ = ["MESSAGES", "MODEL", "SealedRequest", "open_answer", "seal_request", "seal_requests"]

MODEL = "bench-stub"
MESSAGES = [{"role": "user", "content": "Say hello in one short sentence."}]
_backend = PycaBackend()


@dataclass(frozen=True, slots=True)
class SealedRequest:
    url: str
    headers: dict[str, str]
    body: bytes
    payload_id: str


def seal_request(
    base_url: str, server_key: PublicKeyHandle, client_key: PrivateKeyHandle
) -> SealedRequest:
    """One sealed chat request for ``server_key``, answered to ``client_key``."""
    plaintext = json.dumps({"model": MODEL, "messages": MESSAGES}, separators=(",", ":"))
    payload_id = str(uuid.uuid4())
    body = build_envelope(_backend.seal_sync(plaintext.encode(), server_key))
    headers = {
        "Content-Type": ENVELOPE_CONTENT_TYPE,
        HEADER_PAYLOAD_ID: payload_id,
        HEADER_PUBLIC_KEY: encode_public_key_header(client_key.public.pem),
    }
    return SealedRequest(base_url + PATH_SECURE_COMPLETION, headers, body, payload_id)


def seal_requests(
    count: int, base_url: str, server_key: PublicKeyHandle, client_key: PrivateKeyHandle
) -> list[SealedRequest]:
    return [seal_request(base_url, server_key, client_key) for _ in range(count)]


def open_answer(body: bytes, client_key: PrivateKeyHandle, payload_id: str) -> dict[str, object]:
    """Open a sealed answer and check that it is bound to ``payload_id`` (proof it is real)."""
    envelope = parse_envelope(body)
    completion = json.loads(_backend.open_sync(envelope.sealed, client_key))
    if completion.get("_metadata", {}).get("payload_id") != payload_id:
        raise RuntimeError("answer bound to another request")
    return dict(completion)
