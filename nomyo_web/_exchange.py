"""One sealed exchange: seal the request, send it (with retries), open the answer.

Every check on the way back raises the same opaque SecurityError: a downgrade,
a malformed envelope, a ``response_mac`` that does not verify, a failed tag, a
body that is not JSON, and an answer whose ``_metadata.payload_id`` is not this
request's (a swapped response).

The request's AES key is kept, as a ``bytearray``, from sealing until the
answer is checked, then wiped: it is the secret the answer's ``response_mac``
is bound to (the response-authentication extension, protocol.md). An answer
without the field is accepted under ``response_auth="auto"`` (servers without
the extension) and refused under ``"required"``.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from .crypto import CryptoBackend, OpenError, PrivateKeyHandle, PublicKeyHandle
from .errors import SecurityError
from .protocol import (
    ENVELOPE_CONTENT_TYPE,
    HEADER_PAYLOAD_ID,
    HEADER_PUBLIC_KEY,
    HEADER_SECURITY_TIER,
    MAX_ANSWER_BYTES,
    PATH_SECURE_COMPLETION,
    EnvelopeFormatError,
    ParsedEnvelope,
    ResponseAuth,
    SecurityTier,
    annotate_opened,
    build_envelope,
    encode_public_key_header,
    is_bound_to,
    parse_envelope,
    wipe,
)
from .transport import AsyncTransport, Request, Response
from .transport.retry import send_with_retries

__all__ = [
    "REJECTED",
    "UNAUTHENTICATED",
    "CallOptions",
    "bind_completion",
    "exchange",
    "open_response",
]

REJECTED = "the server's response failed verification and was discarded"
UNAUTHENTICATED = (
    "the server's response carries no response_mac, and response_auth='required' refuses "
    "answers that are not bound to this request; it was discarded"
)


@dataclass(frozen=True, slots=True)
class CallOptions:
    """The options of one call, checked: they reach every request it makes.

    Attributes:
        base_url: the server, without a trailing slash (``https://`` unless allowed).
        api_key: sent as ``Authorization: Bearer``; None sends none.
        security_tier: sent as ``X-Security-Tier``; None lets the server choose.
        timeout: seconds per attempt (None: no limit), for the key fetch too.
        max_retries: retries after the first attempt, for the key fetch too.
        response_auth: ``"auto"`` accepts an answer without ``response_mac``,
            ``"required"`` refuses it; a present one is always verified.
    """

    base_url: str
    api_key: str | None
    security_tier: SecurityTier | None
    timeout: float | None
    max_retries: int
    response_auth: ResponseAuth = "auto"


@functools.lru_cache(maxsize=4)
def _public_key_header(pem: str) -> str:
    """``X-Public-Key`` for a client key: the same for every request until it rotates."""
    return encode_public_key_header(pem)


def _headers(private_key: PrivateKeyHandle, payload_id: str, opts: CallOptions) -> dict[str, str]:
    headers = {
        "Content-Type": ENVELOPE_CONTENT_TYPE,
        HEADER_PAYLOAD_ID: payload_id,
        HEADER_PUBLIC_KEY: _public_key_header(private_key.public.pem),
    }
    if opts.api_key:
        headers["Authorization"] = f"Bearer {opts.api_key}"
    if opts.security_tier:
        headers[HEADER_SECURITY_TIER] = opts.security_tier
    return headers


async def exchange(
    crypto: CryptoBackend,
    transport: AsyncTransport,
    plaintext: bytes | bytearray,
    server_key: PublicKeyHandle,
    private_key: PrivateKeyHandle,
    opts: CallOptions,
    logger: logging.Logger,
) -> dict[str, Any]:
    """Seal ``plaintext`` for ``server_key``, send it, and open the answer with ``private_key``."""
    sealed, request_key = await crypto.seal_request(plaintext, server_key)
    try:
        payload_id = str(uuid.uuid4())
        request = Request(
            "POST",
            opts.base_url + PATH_SECURE_COMPLETION,
            _headers(private_key, payload_id, opts),
            build_envelope(sealed),
            opts.timeout,
            max_body_bytes=MAX_ANSWER_BYTES,
        )
        response = await send_with_retries(transport, request, opts.max_retries, logger)
        return await open_response(
            crypto,
            response,
            private_key,
            payload_id,
            logger,
            request_key=request_key,
            response_auth=opts.response_auth,
        )
    finally:
        wipe(request_key)


async def open_response(
    crypto: CryptoBackend,
    response: Response,
    private_key: PrivateKeyHandle,
    payload_id: str,
    logger: logging.Logger,
    *,
    request_key: bytearray | None = None,
    response_auth: ResponseAuth = "auto",
) -> dict[str, Any]:
    """Verify and open a 200 answer; SecurityError (one message) on any failure.

    ``request_key`` is the AES key the request was sealed with; without it a
    ``response_mac`` cannot be checked, so an answer carrying one is refused.
    """
    try:
        envelope = parse_envelope(response.content)
    except EnvelopeFormatError as exc:
        logger.debug("response rejected: envelope %s", exc.problem)
        raise SecurityError(REJECTED) from None
    check = _mac_check(envelope, request_key, response_auth, logger)
    try:
        if check is None:
            plaintext = await crypto.open(envelope.sealed, private_key)
        else:
            # The MAC is checked first; the private key is used only once it holds.
            mac_key, mac = check
            plaintext = await crypto.open_verified(
                envelope.sealed, private_key, mac_key, payload_id, mac
            )
    except OpenError:
        logger.debug(
            "response rejected: %s",
            "could not be opened"
            if check is None
            else "response_mac did not verify, or the answer could not be opened",
        )
        raise SecurityError(REJECTED) from None
    if check is not None:
        logger.debug("response_mac verified")
    return bind_completion(plaintext, payload_id, envelope.processed_at, logger)


def _mac_check(
    envelope: ParsedEnvelope,
    request_key: bytearray | None,
    response_auth: ResponseAuth,
    logger: logging.Logger,
) -> tuple[bytearray, bytes] | None:
    """(the request key, the answer's ``response_mac``) to check; None when it carries none.

    Raises:
        SecurityError: no MAC under ``response_auth="required"``, or a MAC and no key to check it.
    """
    if envelope.response_mac is None:
        if response_auth == "required":
            logger.debug("response rejected: no response_mac under response_auth='required'")
            raise SecurityError(UNAUTHENTICATED)
        logger.debug("response carries no response_mac; accepted under response_auth='auto'")
        return None
    if request_key is None:
        logger.debug("response rejected: a response_mac but no request key to check it")
        raise SecurityError(REJECTED)
    return request_key, envelope.response_mac


def bind_completion(
    plaintext: bytearray,
    payload_id: str,
    processed_at: int | float | None,
    logger: logging.Logger,
) -> dict[str, Any]:
    """The opened answer as a completion bound to ``payload_id``; wipes ``plaintext``.

    SecurityError (the one message) unless it is a JSON object whose
    ``_metadata.payload_id`` is this request's.
    """
    try:
        completion = json.loads(plaintext)
    except (ValueError, RecursionError):
        completion = None
    finally:
        wipe(plaintext)
    if not is_bound_to(completion, payload_id):
        logger.debug("response rejected: not a chat completion bound to this request")
        raise SecurityError(REJECTED)
    result: dict[str, Any] = completion
    annotate_opened(result, payload_id, processed_at)
    return result
