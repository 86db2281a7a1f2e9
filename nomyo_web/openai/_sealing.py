"""What both OpenAI-SDK transports do, whatever their HTTP library: seal one chat call.

``Sealer.answer`` takes the parts of an SDK request (method, URL, headers,
httpx's extensions, body) and returns the ``Answer`` to give back, through the
one client core (``_core.ClientCore``): a ``200`` with the opened completion
(JSON, or an event stream for ``stream=True``), or the server's error status.

Retries happen in the SDK, not here: the core is called with
``max_retries=0``, and the SDK retries 429, 5xx and connection failures with
its own ``max_retries``, backoff and ``Retry-After`` handling, each attempt
sealed afresh. So the count users set on the SDK is the count that happens,
never multiplied by a second layer. Everything else is raised as our typed
error and never becomes a status: ``SecurityError`` (a tampered, downgraded,
swapped or forged answer; a pinned key mismatch; plain HTTP without
``allow_http``), ``InvalidParameterError``, ``UnsupportedEndpointError``. The
SDK passes such errors through untouched (openai >= 3.14.1), without retrying.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from .. import _options as options
from .._core import CallOptions, ClientCore
from .._frontend import HTTP_WARNING
from ..crypto import CryptoBackend
from ..errors import APIError
from ..protocol import ResponseAuth, wipe
from ..transport import AsyncTransport
from ._answers import Answer, completion_answer, error_answer
from ._call import read_call, read_payload

__all__ = ["Sealer", "SealerOptions"]


class SealerOptions(TypedDict, total=False):
    """The transports' keyword options (see ``Sealer``)."""

    security_tier: str | None
    allow_http: bool
    server_key_fingerprint: str | None
    response_auth: ResponseAuth
    key_rotation_interval: float | None
    transport: AsyncTransport | None
    crypto: CryptoBackend | None
    logger: logging.Logger | None
    key_pair: object | None


class Sealer:
    """One client core and the transport's options; answers one SDK request at a time.

    Keyword options (``SealerOptions``):
        security_tier: the tier of every request (``"standard"``, ``"high"``,
            ``"maximum"``), unless the request's own ``X-Security-Tier`` header
            names another; None lets the server choose.
        allow_http: allow ``http://`` base URLs (local development; warns once per URL).
        server_key_fingerprint: pin: the SHA-256 hex of the server key's SPKI.
        response_auth: ``"auto"`` (default) verifies a ``response_mac`` when the answer
            has one; ``"required"`` also refuses answers without one (a forging
            intermediary's), as ``SecurityError``.
        key_rotation_interval: seconds between client key pairs; None or 0: never.
        transport: the ``AsyncTransport`` the core sends with (default: the runtime's,
            httpx on CPython and ``fetch`` in Pyodide, one per event loop).
        crypto: a ``CryptoBackend`` (default: the runtime's).
        logger: where diagnostics go (default: the silent ``nomyo_web`` logger).
        key_pair: Pyodide only: the first client key pair, made by the page (a
            WebCrypto ``CryptoKeyPair`` or its promise; see ``SecureChatCompletion``).
    """

    def __init__(self, **given: Unpack[SealerOptions]) -> None:
        self._tier = options.check_tier(given.get("security_tier"))
        self._allow_http = bool(given.get("allow_http", False))
        self._response_auth = options.check_response_auth(given.get("response_auth", "auto"))
        self._warned_http: set[str] = set()
        rotation = given.get("key_rotation_interval", options.DEFAULT_KEY_ROTATION_INTERVAL)
        self.core = ClientCore(
            crypto=given.get("crypto"),
            transport=given.get("transport"),
            key_rotation_interval=options.check_rotation_interval(rotation),
            server_key_fingerprint=given.get("server_key_fingerprint"),
            logger=given.get("logger"),
            key_pair=given.get("key_pair"),
        )

    def call_options(
        self, method: str, url: str, headers: Mapping[str, str], extensions: Mapping[str, Any]
    ) -> CallOptions:
        """The core's options for one SDK request; refuses what must not be sent.

        Raises:
            UnsupportedEndpointError: not ``POST .../chat/completions``.
            SecurityError: ``http://`` without ``allow_http``.
            InvalidParameterError: a bad tier header, API key or URL.
        """
        call = read_call(method, url, headers, extensions)
        base = options.check_base_url(call.origin, self._allow_http)
        if not base.is_https and base.url not in self._warned_http:
            self._warned_http.add(base.url)
            warnings.warn(HTTP_WARNING.format(url=base.url), UserWarning, stacklevel=2)
        tier = self._tier if call.security_tier is None else options.check_tier(call.security_tier)
        api_key = options.check_api_key(call.api_key)
        return CallOptions(base.url, api_key, tier, call.timeout, 0, self._response_auth)

    async def answer(self, call: CallOptions, body: bytes) -> Answer:
        """Seal ``body`` (the SDK's JSON), send it, and return what to answer the SDK.

        Raises:
            APIConnectionError, APITimeoutError: no usable answer (the caller
                turns them into its HTTP library's errors, which the SDK retries).
            SecurityError, InvalidParameterError, ClientDisposedError: as raised.
        """
        payload = read_payload(body)
        try:
            completion = await self.core.complete(payload.plaintext, call)
        except APIError as error:
            return error_answer(error, error.retry_after)
        finally:
            wipe(payload.plaintext)
        return completion_answer(completion, payload.stream, payload.include_usage)
