"""SecureChatCompletion: OpenAI-style chat completions, sealed end to end.

It composes the parts: options are checked, the request is serialised and
sealed with ``crypto``, sent through ``transport`` (retries resend the same
bytes and payload id), and the answer is verified and opened with the key it
was sealed for. It never knows which runtime it is on; ``_runtime`` picks the
backends unless they are given.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import warnings
from types import TracebackType
from typing import Any

from . import _options as options
from ._exchange import CallOptions, exchange, wipe
from ._runtime import default_crypto, default_transport
from .crypto import CryptoBackend
from .errors import ClientDisposedError, InvalidParameterError, InvalidRequestError
from .keys import ClientKeys
from .protocol import MAX_PLAINTEXT_BYTES, MAX_PUBLIC_KEY_BYTES, PATH_PUBLIC_KEY, ResponseAuth
from .server_key import ServerKeyCache, normalise_fingerprint
from .transport import AsyncTransport, Request
from .transport.retry import send_with_retries

__all__ = ["SecureChatCompletion"]

_CLIENT_OPTIONS = (
    "security_tier",
    "api_key",
    "timeout",
    "max_retries",
    "base_url",
    "response_auth",
)
HTTP_WARNING = (
    "nomyo_web: allow_http=True sends to {url} over plain HTTP; the server key can be "
    "substituted and the API key read on the way. Use it for local development only."
)


class SecureChatCompletion:
    """An end-to-end encrypted chat-completion client for NOMYO endpoints.

    ``create()`` seals the request with a fresh AES-256-GCM key wrapped for the
    server's RSA key and returns the decrypted ``chat.completion`` as a dict.
    Keys live in memory only; call ``dispose()`` (or use ``async with``) when done.

    ``response_auth`` governs answers without a ``response_mac`` (the
    response-authentication extension, which binds an answer to its request's
    AES key): ``"auto"`` accepts them, as servers without the extension send
    today; ``"required"`` refuses them with SecurityError, which closes the
    forged-answer hole against an intermediary. A MAC that is present is
    always checked.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        allow_http: bool = False,
        max_retries: int = options.DEFAULT_MAX_RETRIES,
        timeout: float | None = options.DEFAULT_TIMEOUT,
        key_rotation_interval: float | None = options.DEFAULT_KEY_ROTATION_INTERVAL,
        server_key_fingerprint: str | None = None,
        transport: AsyncTransport | None = None,
        logger: logging.Logger | None = None,
        crypto: CryptoBackend | None = None,
        *,
        response_auth: ResponseAuth = "auto",
    ) -> None:
        self._allow_http = bool(allow_http)
        self._response_auth = options.check_response_auth(response_auth)
        self._base = options.check_base_url(base_url, self._allow_http)
        if api_key is None:
            api_key = os.environ.get("NOMYO_API_KEY")
        self._api_key = options.check_api_key(api_key)
        self._max_retries = options.check_max_retries(max_retries)
        self._timeout = options.check_timeout(timeout)
        self._pin = normalise_fingerprint(server_key_fingerprint)
        self._logger = logger or logging.getLogger("nomyo_web")
        self._crypto = crypto or default_crypto()
        self._owns_transport = transport is None
        self._transport = transport or default_transport()
        self._keys = ClientKeys(
            self._crypto, options.check_rotation_interval(key_rotation_interval), self._logger
        )
        self._server_keys: dict[str, ServerKeyCache] = {}
        self._warned_http: set[str] = set()
        self._disposed = False
        self._closing: asyncio.Task[None] | None = None
        self._warn_if_http(self._base)
        self._keys.start()

    def __repr__(self) -> str:
        state = "disposed" if self._disposed else "open"
        return f"<SecureChatCompletion base_url={self._base.url!r} {state}>"

    @property
    def base_url(self) -> str:
        return self._base.url

    # -- the API -----------------------------------------------------------

    async def create(
        self, model: str, messages: list[dict[str, Any]], **params: Any
    ) -> dict[str, Any]:
        """Create a chat completion; OpenAI parameters go into the sealed payload untouched.

        Client options, never sent in the payload: ``security_tier``
        (``standard``/``high``/``maximum``), ``api_key`` (overrides the client's),
        ``timeout`` (seconds per attempt), ``max_retries``, ``base_url``,
        ``response_auth`` (``"auto"``/``"required"``).
        """
        self._check_open()
        opts = self._call_options(params)
        plaintext = _serialise(model, messages, params)
        try:
            return await self._complete(plaintext, opts)
        finally:
            wipe(plaintext)

    async def acreate(
        self, model: str, messages: list[dict[str, Any]], **params: Any
    ) -> dict[str, Any]:
        """Alias of ``create()``, for code that follows OpenAI's naming."""
        return await self.create(model, messages, **params)

    def dispose(self) -> None:
        """Stop key rotation, drop every key, close the HTTP client. Idempotent."""
        if self._disposed:
            return
        self._disposed = True
        self._keys.dispose()
        for cache in self._server_keys.values():
            cache.forget()
        self._server_keys.clear()
        if self._owns_transport:
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to await on
                self._closing = asyncio.get_running_loop().create_task(self._transport.aclose())

    async def aclose(self) -> None:
        """``dispose()``, then wait for the HTTP client to close."""
        self.dispose()
        closing, self._closing = self._closing, None
        if closing is not None:
            await closing

    async def __aenter__(self) -> SecureChatCompletion:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the parts ---------------------------------------------------------

    def _check_open(self) -> None:
        if self._disposed:
            raise ClientDisposedError("this SecureChatCompletion was disposed; create a new one")

    def _warn_if_http(self, base: options.BaseUrl) -> None:
        if not base.is_https and base.url not in self._warned_http:
            self._warned_http.add(base.url)
            warnings.warn(HTTP_WARNING.format(url=base.url), UserWarning, stacklevel=3)

    def _call_options(self, params: dict[str, Any]) -> CallOptions:
        given = {name: params.pop(name) for name in _CLIENT_OPTIONS if name in params}
        base = self._base
        if given.get("base_url") is not None:
            base = options.check_base_url(given["base_url"], self._allow_http)
            self._warn_if_http(base)
        api_key = self._api_key
        if given.get("api_key") is not None:
            api_key = options.check_api_key(given["api_key"])
        timeout = self._timeout
        if "timeout" in given:
            timeout = options.check_timeout(given["timeout"])
        retries = self._max_retries
        if given.get("max_retries") is not None:
            retries = options.check_max_retries(given["max_retries"])
        tier = options.check_tier(given.get("security_tier"))
        response_auth = self._response_auth
        if "response_auth" in given:
            response_auth = options.check_response_auth(given["response_auth"])
        return CallOptions(base.url, api_key, tier, timeout, retries, response_auth)

    def _server_key_cache(self, opts: CallOptions) -> ServerKeyCache:
        cache = self._server_keys.get(opts.base_url)
        if cache is None:

            async def fetch_pem() -> bytes:
                request = Request(
                    "GET",
                    opts.base_url + PATH_PUBLIC_KEY,
                    timeout=opts.timeout,
                    max_body_bytes=MAX_PUBLIC_KEY_BYTES,
                )
                response = await send_with_retries(
                    self._transport, request, opts.max_retries, self._logger
                )
                return response.content

            cache = ServerKeyCache(self._crypto, fetch_pem, self._pin, opts.base_url, self._logger)
            self._server_keys[opts.base_url] = cache
        return cache

    async def _complete(self, plaintext: bytearray, opts: CallOptions) -> dict[str, Any]:
        cache = self._server_key_cache(opts)
        server_key = await cache.get()
        private_key = await self._keys.current()
        self._check_open()
        try:
            return await exchange(
                self._crypto,
                self._transport,
                plaintext,
                server_key,
                private_key,
                opts,
                self._logger,
            )
        except InvalidRequestError as exc:
            # The server could not open what we sealed: its key may have rotated.
            # Fetch it again; only a *different* key earns one more try.
            if not _is_decryption_failure(exc):
                raise
            fresh = await cache.refresh(server_key)
            if fresh.fingerprint == server_key.fingerprint:
                raise
            self._logger.info("server key changed; resealing the request once")
            return await exchange(
                self._crypto, self._transport, plaintext, fresh, private_key, opts, self._logger
            )


def _is_decryption_failure(exc: InvalidRequestError) -> bool:
    details = exc.error_details or {}
    return details.get("code") == "decryption_failed"


def _serialise(model: Any, messages: Any, params: dict[str, Any]) -> bytearray:
    if not isinstance(model, str) or not model:
        raise InvalidParameterError("model must be a non-empty string")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise InvalidParameterError("messages must be a list of message dicts")
    request = {"model": model, "messages": messages, **params}
    try:
        text = json.dumps(request, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidParameterError(
            f"request parameters must be JSON-serialisable ({type(exc).__name__})"
        ) from None
    data = bytearray(text.encode("utf-8"))
    del text
    if len(data) > MAX_PLAINTEXT_BYTES:
        size = len(data)
        wipe(data)
        raise InvalidParameterError(
            f"request is {size} bytes; the protocol's limit is {MAX_PLAINTEXT_BYTES} bytes"
        )
    return data
