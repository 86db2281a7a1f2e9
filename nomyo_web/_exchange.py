"""One sealed exchange: seal the request, send it (with retries), open the answer.

Every check on the way back raises the same opaque SecurityError: a downgrade,
a malformed envelope, a failed tag, a body that is not JSON, and an answer whose
``_metadata.payload_id`` is not this request's (a swapped response).
"""

from __future__ import annotations

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
    PATH_SECURE_COMPLETION,
    EnvelopeFormatError,
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

__all__ = ["REJECTED", "CallOptions", "bind_completion", "exchange", "open_response"]

REJECTED = "the server's response failed verification and was discarded"


@dataclass(frozen=True, slots=True)
class CallOptions:
    """The options of one call, checked: they reach every request it makes.

    Attributes:
        base_url: the server, without a trailing slash (``https://`` unless allowed).
        api_key: sent as ``Authorization: Bearer``; None sends none.
        security_tier: sent as ``X-Security-Tier``; None lets the server choose.
        timeout: seconds per attempt (None: no limit), for the key fetch too.
        max_retries: retries after the first attempt, for the key fetch too.
    """

    base_url: str
    api_key: str | None
    security_tier: SecurityTier | None
    timeout: float | None
    max_retries: int


def _headers(private_key: PrivateKeyHandle, payload_id: str, opts: CallOptions) -> dict[str, str]:
    headers = {
        "Content-Type": ENVELOPE_CONTENT_TYPE,
        HEADER_PAYLOAD_ID: payload_id,
        HEADER_PUBLIC_KEY: encode_public_key_header(private_key.public.pem),
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
    sealed = await crypto.seal(plaintext, server_key)
    payload_id = str(uuid.uuid4())
    request = Request(
        "POST",
        opts.base_url + PATH_SECURE_COMPLETION,
        _headers(private_key, payload_id, opts),
        build_envelope(sealed),
        opts.timeout,
    )
    response = await send_with_retries(transport, request, opts.max_retries, logger)
    return await open_response(crypto, response, private_key, payload_id, logger)


async def open_response(
    crypto: CryptoBackend,
    response: Response,
    private_key: PrivateKeyHandle,
    payload_id: str,
    logger: logging.Logger,
) -> dict[str, Any]:
    """Verify and open a 200 answer; SecurityError (one message) on any failure."""
    try:
        envelope = parse_envelope(response.content)
    except EnvelopeFormatError as exc:
        logger.debug("response rejected: envelope %s", exc.problem)
        raise SecurityError(REJECTED) from None
    try:
        plaintext = await crypto.open(envelope.sealed, private_key)
    except OpenError:
        logger.debug("response rejected: could not be opened")
        raise SecurityError(REJECTED) from None
    return bind_completion(plaintext, payload_id, envelope.processed_at, logger)


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
