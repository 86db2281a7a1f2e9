"""``POST /v1/chat/secure_completion``: check → open → policy → engine → seal (+ response_mac).

Opening the request (an RSA private-key operation, ~2 ms) runs on a worker
thread (``worker_threads``) while other requests are in progress: ``cryptography``
releases the GIL there, so it neither blocks them nor keeps a second core idle.
A request alone opens on the loop: nothing waits for the loop meanwhile, and the
hop to a thread and back (a futex wake, a thread switch, a second loop wake-up)
cost 0.1 ms of CPU a request. A request arriving during that decrypt waits for
it (at most its ~2 ms), then finds one in progress and opens on a thread.
Sealing an answer of up to ``INLINE_SEAL_BYTES`` (a public-key operation and
AES-GCM, ~0.1 ms) runs on the loop: the hop to a thread and back costs more CPU
than that; a larger answer is sealed in a worker thread.

Every sealed answer carries ``response_mac`` (the response-authentication
extension in protocol.md): HMAC-SHA256 under a key HKDF derives from the
request's AES key, so only a party that opened the request can write an answer
a client will verify. The AES key is held from opening until the answer is
sealed, then wiped. A replay is answered with the stored bytes, MAC included.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from nomyo_web.crypto import OpenError, PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    DECRYPTION_FAILED as DECRYPTION_FAILED_CODE,
)
from nomyo_web.protocol import (
    HEADER_PAYLOAD_ID,
    HEADER_PUBLIC_KEY,
    HEADER_SECURITY_TIER,
    MAX_ENVELOPE_BYTES,
    MAX_PLAINTEXT_BYTES,
    EnvelopeFormatError,
    build_envelope,
    is_security_tier,
    parse_envelope,
    response_metadata,
    wipe,
)

from .body import read_body
from .client_keys import ClientKeyCache
from .compact_json import compact_json
from .engines import Engine, EngineError
from .policy.admission import Admission
from .policy.outage import store_required
from .policy.replay import ReplayGuard, request_fingerprint
from .policy.tiers import DEFAULT_TIER, TierPolicy
from .problem import HTTPProblem
from .server_key import ServerKeys
from .worker_threads import WorkerThreads

__all__ = ["SecureCompletion", "decryption_failed"]
_PAYLOAD_ID = re.compile(r"[\x21-\x7e]{1,128}")
INLINE_SEAL_BYTES = 64 * 1024
_backend = PycaBackend()
logger = logging.getLogger("nomyo_web.router")


def decryption_failed() -> HTTPProblem:
    """The one answer for every envelope that does not open, made fresh for each raise.

    Never a shared instance: raising one exception object again chains every
    raise's traceback onto it, and those frames keep each refused body alive.
    """
    return HTTPProblem(400, "Payload decryption failed", code=DECRYPTION_FAILED_CODE)


@dataclass
class _Ask:
    """One request's checked headers."""

    payload_id: str
    tier: str
    client_key: PublicKeyHandle
    public_key_header: str


def _check_headers(request: Request, client_keys: ClientKeyCache) -> _Ask:
    payload_id = request.headers.get(HEADER_PAYLOAD_ID)
    if payload_id is None:
        raise HTTPProblem(400, "Missing X-Payload-ID header")
    if not _PAYLOAD_ID.fullmatch(payload_id):
        raise HTTPProblem(400, "Invalid X-Payload-ID header")
    request.state.payload_id = payload_id
    tier = request.headers.get(HEADER_SECURITY_TIER)
    if tier is not None and not is_security_tier(tier):
        raise HTTPProblem(400, "Invalid X-Security-Tier header: use standard, high or maximum")
    tier = tier or DEFAULT_TIER
    request.state.tier = tier
    header = request.headers.get(HEADER_PUBLIC_KEY) or ""
    return _Ask(payload_id, tier, client_keys.get(header), header)


def _load_chat_request(plaintext: bytearray) -> dict[str, Any]:
    if len(plaintext) > MAX_PLAINTEXT_BYTES:
        raise HTTPProblem(413, "Decrypted request too large")
    try:
        value = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        value = None
    finally:
        wipe(plaintext)
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("model"), str)
        or not value["model"]
        or not isinstance(value.get("messages"), list)
    ):
        raise HTTPProblem(400, "Decrypted payload is not a valid chat request")
    result: dict[str, Any] = value
    return result


class SecureCompletion:
    """The endpoint, holding the policies, the keys and the engine."""

    def __init__(
        self,
        *,
        keys: ServerKeys,
        engine: Engine,
        admission: Admission,
        tiers: TierPolicy,
        replay: ReplayGuard,
        body_timeout: float,
    ) -> None:
        self.keys = keys
        self.engine = engine
        self.admission = admission
        self.tiers = tiers
        self.replay = replay
        self.client_keys = ClientKeyCache()
        self.body_timeout = body_timeout
        self.threads = WorkerThreads(name="nomyo-crypto")
        self.in_progress = 0  # requests in this endpoint now (one loop: no lock needed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The endpoint as the route's ASGI app. A function endpoint would get one more
        exception-handling layer a request from Starlette; an error raised here meets
        the same handlers in the app's ``ExceptionMiddleware``."""
        response = await self.handle(Request(scope, receive, send))
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        """The endpoint; every failure becomes an HTTPProblem (500 for the unexpected)."""
        self.in_progress += 1
        try:
            with store_required():
                return await self._handle(request)
        except HTTPProblem:
            raise
        except Exception as error:
            logger.error("unexpected %s in the secure completion", type(error).__name__)
            raise HTTPProblem(500, "Internal server error") from None
        finally:
            self.in_progress -= 1

    async def _handle(self, request: Request) -> Response:
        address = request.client.host if request.client else "-"
        await self.admission.check(request.headers.get("authorization"), address)
        ask = _check_headers(request, self.client_keys)
        body = await read_body(request, MAX_ENVELOPE_BYTES, self.body_timeout)
        try:
            sealed = parse_envelope(body).sealed
        except EnvelopeFormatError as error:
            raise HTTPProblem(400, f"Invalid envelope: {error}") from None
        if len(sealed.ciphertext) > MAX_PLAINTEXT_BYTES:
            raise HTTPProblem(413, "Decrypted request too large")
        fingerprint = request_fingerprint(body, ask.public_key_header, ask.tier)

        async def run() -> bytes:
            return await self._answer(request, ask, sealed)

        answer, replayed = await self.replay.answer(ask.payload_id, fingerprint, run)
        request.state.replayed = replayed
        return Response(
            answer, media_type="application/json", headers={"Cache-Control": "no-store"}
        )

    async def _open(self, sealed: Any) -> tuple[bytearray, bytearray]:
        """The request's plaintext and AES key: on the loop when it is alone, else a thread."""
        if self.in_progress == 1:
            return self.keys.open_request_sync(sealed)
        return await self.threads.run(self.keys.open_request_sync, sealed, discard=_wipe_opened)

    async def _answer(self, request: Request, ask: _Ask, sealed: Any) -> bytes:
        try:
            plaintext, request_key = await self._open(sealed)
        except OpenError:
            raise decryption_failed() from None
        try:
            return await self._answer_opened(request, ask, plaintext, request_key)
        finally:
            wipe(request_key)

    async def _answer_opened(
        self, request: Request, ask: _Ask, plaintext: bytearray, request_key: bytearray
    ) -> bytes:
        chat = _load_chat_request(plaintext)
        request.state.model = chat["model"][:128]
        self.tiers.check(ask.tier, chat["model"])
        if not self.engine.ready:
            raise HTTPProblem(503, "Model is loading", retry_after=5)
        chat.pop("stream", None)
        chat.pop("stream_options", None)
        try:
            completion = await self.engine.complete(chat)
        except EngineError as error:
            raise HTTPProblem(error.status, error.detail, retry_after=error.retry_after) from None
        processed_at = int(time.time())
        completion["_metadata"] = response_metadata(ask.payload_id, processed_at, ask.tier)
        plaintext = bytearray(compact_json(completion))
        if len(plaintext) <= INLINE_SEAL_BYTES:
            return _seal(plaintext, processed_at, ask, request_key)
        return await self.threads.run(_seal, plaintext, processed_at, ask, request_key)


def _wipe_opened(opened: tuple[bytearray, bytearray]) -> None:
    """A request opened for a caller that is gone: its plaintext and key are wiped."""
    for secret in opened:
        wipe(secret)


def _seal(plaintext: bytearray, processed_at: int, ask: _Ask, request_key: bytearray) -> bytes:
    """The sealed answer envelope with its ``response_mac``; wipes ``plaintext``."""
    try:
        sealed = _backend.seal_sync(plaintext, ask.client_key)
    finally:
        wipe(plaintext)
    mac = _backend.response_mac_sync(request_key, ask.payload_id, sealed)
    return build_envelope(sealed, processed_at=processed_at, response_mac=mac)
