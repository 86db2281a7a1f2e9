"""One OpenAI-SDK request read as a sealed call: where to, with which key, tier and timeout.

The mapping is the protocol's: ``POST {origin}{prefix}/chat/completions`` (the
SDK's URL; ``prefix`` is whatever path its ``base_url`` has, usually ``/v1``)
becomes the NOMYO exchange against ``{origin}`` (``/pki/public_key`` and
``/v1/chat/secure_completion``). The API key is the SDK's ``Authorization``
bearer token; ``X-Security-Tier`` (``extra_headers=...``) overrides the
transport's tier for one request. Every other endpoint is refused before
anything is sent: the protocol seals chat completions only. Nothing of the
SDK's other headers leaves the process.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidParameterError, UnsupportedEndpointError
from ..protocol import HEADER_SECURITY_TIER, MAX_PLAINTEXT_BYTES

__all__ = [
    "ChatCall",
    "Payload",
    "bearer_token",
    "chat_origin",
    "read_call",
    "read_payload",
    "request_timeout",
]

CHAT_COMPLETIONS = "/chat/completions"
_STREAM_FIELDS = ("stream", "stream_options")


@dataclass(frozen=True, slots=True)
class ChatCall:
    """What the SDK asked for, besides the payload.

    Attributes:
        origin: ``scheme://host[:port]`` of the SDK's URL: the NOMYO base URL.
        api_key: the bearer token of the ``Authorization`` header, if any.
        security_tier: the request's ``X-Security-Tier`` header, if any (unchecked).
        timeout: seconds for each attempt (the SDK's read timeout; None: no limit).
    """

    origin: str
    api_key: str | None
    security_tier: str | None
    timeout: float | None


@dataclass(frozen=True, slots=True)
class Payload:
    """The plaintext to seal (the caller wipes it), and how to answer.

    Attributes:
        plaintext: the chat request's UTF-8 JSON.
        stream: the SDK asked for ``stream=True``: answer with an event stream.
        include_usage: ``stream_options.include_usage`` was set.
    """

    plaintext: bytearray
    stream: bool
    include_usage: bool


def _refuse(method: str, path: str) -> UnsupportedEndpointError:
    return UnsupportedEndpointError(
        f"{method} {path} is not sent: the NOMYO protocol end-to-end encrypts chat "
        f"completions only (POST <base_url>{CHAT_COMPLETIONS}), and this endpoint would "
        "travel unencrypted"
    )


def chat_origin(method: str, url: str) -> str:
    """The origin of a chat-completions URL; refuses every other endpoint.

    Raises:
        UnsupportedEndpointError: another method or path, or a query string
            (which the sealed request could not carry).
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if method.upper() != "POST" or not path.endswith(CHAT_COMPLETIONS):
        raise _refuse(method.upper(), parts.path or "/")
    if parts.query:
        raise UnsupportedEndpointError(
            "query parameters (extra_query=...) cannot be sealed; put extra fields "
            "in extra_body=... instead"
        )
    if parts.username or parts.password:
        raise InvalidParameterError("base_url must not carry credentials")
    return f"{parts.scheme}://{parts.netloc}"


def bearer_token(authorization: str | None) -> str | None:
    """The key of ``Authorization: Bearer <key>``; None when absent or empty."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidParameterError("the Authorization header must be 'Bearer <api key>'")
    return token.strip() or None


def request_timeout(extensions: Mapping[str, Any]) -> float | None:
    """The attempt's limit from httpx's ``timeout`` extension: its read timeout.

    The SDK sets connect, read, write and pool limits (600 s and 5 s by
    default); the protocol's transports take one limit for the whole attempt,
    and the read timeout is the one that bounds waiting for the answer.
    """
    timeout = extensions.get("timeout")
    read = timeout.get("read") if isinstance(timeout, Mapping) else None
    if isinstance(read, int | float) and not isinstance(read, bool) and math.isfinite(read):
        return float(read) if read > 0 else None
    return None


def read_call(
    method: str, url: str, headers: Mapping[str, str], extensions: Mapping[str, Any]
) -> ChatCall:
    """Everything but the body of a chat-completions request; refuses other endpoints.

    Raises:
        UnsupportedEndpointError: not ``POST .../chat/completions``.
        InvalidParameterError: a malformed ``Authorization`` header or URL.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    return ChatCall(
        origin=chat_origin(method, url),
        api_key=bearer_token(lowered.get("authorization")),
        security_tier=lowered.get(HEADER_SECURITY_TIER.lower()),
        timeout=request_timeout(extensions),
    )


def read_payload(body: bytes) -> Payload:
    """The plaintext to seal, and whether (and how) the SDK asked for a stream.

    A request without ``stream: true`` is sealed exactly as the SDK serialised
    it. A streaming one is sealed without ``stream`` and ``stream_options``: the
    whole answer is asked for and replayed as an event stream.

    Raises:
        InvalidParameterError: the body is not a JSON object, or is over the
            protocol's 10 MiB limit.
    """
    if len(body) > MAX_PLAINTEXT_BYTES:
        raise InvalidParameterError(
            f"request is {len(body)} bytes; the protocol's limit is {MAX_PLAINTEXT_BYTES} bytes"
        )
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        request = None
    if not isinstance(request, dict):
        raise InvalidParameterError("the chat-completions request body must be a JSON object")
    if request.get("stream") is not True:
        return Payload(bytearray(body), stream=False, include_usage=False)
    options = request.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    for name in _STREAM_FIELDS:
        request.pop(name, None)
    text = json.dumps(request, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Payload(bytearray(text.encode("utf-8")), stream=True, include_usage=include_usage)
