"""The client core: one exchange's protocol work, for every front end.

``SecureChatCompletion`` (async), ``SyncSecureChatCompletion`` and the
OpenAI-SDK transports are front ends: each turns its own call into a
plaintext request and ``CallOptions``, and hands both to ``ClientCore.complete``,
which returns the opened ``chat.completion`` dict. Everything between lives
here, once:

* the client key pair (``keys.ClientKeys``: background generation, rotation);
* the server key, cached and pinned per base URL (``server_key.ServerKeyCache``),
  fetched with the call's own timeout and retries;
* sealing, sending with retries, checking and opening the answer (``_exchange``);
* the one reseal after the server's key changed (the router's
  ``decryption_failed`` code, and only when a fresh fetch brings another key);
* one transport per event loop (``transport.per_loop``), so any loop works —
  ``asyncio.run()`` per call, a loop per thread, Jupyter's, Pyodide's — and,
  once the client has outlived a loop, its own loop thread for calls from new
  loops (``_placement``), so short-lived loops still reuse connections.

It does not know which runtime it is on: ``_runtime`` picks the two seams'
backends unless they are given.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any

from ._exchange import CallOptions, exchange
from ._placement import Placement
from ._runtime import can_start_threads, default_crypto, default_transport_factory
from .crypto import CryptoBackend, PrivateKeyHandle, PublicKeyHandle
from .errors import ClientDisposedError, InvalidParameterError, InvalidRequestError
from .keys import KEY_BITS, ClientKeys, FirstPair
from .protocol import MAX_PUBLIC_KEY_BYTES, PATH_PUBLIC_KEY, is_decryption_failure, wipe
from .server_key import FetchPem, ServerKeyCache, normalise_fingerprint
from .transport import AsyncTransport, Request
from .transport.per_loop import PerLoopTransports
from .transport.retry import send_with_retries

__all__ = ["CallOptions", "ClientCore"]

DISPOSED = "this client was disposed; create a new one"


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _adopting(crypto: CryptoBackend, key_pair: object) -> FirstPair:
    """The first-pair source for ``key_pair``: the backend's ``adopt_key_pair`` (WebCrypto's).

    Raises:
        InvalidParameterError: the backend cannot take a page's key pair (not WebCrypto).
    """
    adopt = getattr(crypto, "adopt_key_pair", None)
    if adopt is None:
        raise InvalidParameterError(
            "key_pair is a WebCrypto CryptoKeyPair for the WebCrypto backend (Pyodide); "
            f"the {getattr(crypto, 'name', type(crypto).__name__)} backend cannot take one"
        )
    return functools.partial(adopt, key_pair, KEY_BITS)


class ClientCore:
    """Keys, server keys, transports and the exchange itself, behind one call.

    Args:
        crypto: the crypto backend (default: WebCrypto in Pyodide, else ``cryptography``).
        transport: one transport for every loop, owned by the caller (default: one
            of the runtime's per event loop, owned and closed here).
        transport_factory: makes one loop's transport (ignored when ``transport`` is given).
        key_rotation_interval: seconds between client key pairs; None never rotates.
        server_key_fingerprint: the only server key accepted (SHA-256 hex of its SPKI).
        logger: where diagnostics go (never plaintext, keys or API keys).
        key_pair: the first client key pair, made by the page (a WebCrypto
            ``CryptoKeyPair`` or a promise of one); needs a backend with
            ``adopt_key_pair`` (WebCrypto). Checked before its first use.
    """

    def __init__(
        self,
        *,
        crypto: CryptoBackend | None = None,
        transport: AsyncTransport | None = None,
        transport_factory: Callable[[], AsyncTransport] | None = None,
        key_rotation_interval: float | None = None,
        server_key_fingerprint: str | None = None,
        logger: logging.Logger | None = None,
        key_pair: object | None = None,
    ) -> None:
        self._logger = logger or logging.getLogger("nomyo_web")
        self._pin = normalise_fingerprint(server_key_fingerprint)
        if transport is not None:
            self._transports = PerLoopTransports(shared=transport)
        else:
            self._transports = PerLoopTransports(transport_factory or default_transport_factory())
        self._crypto = crypto or default_crypto()
        first = _adopting(self._crypto, key_pair) if key_pair is not None else None
        self._keys = ClientKeys(self._crypto, key_rotation_interval, self._logger, first)
        self._server_keys: dict[str, ServerKeyCache] = {}
        self._placement = Placement(self._transports, threads=can_start_threads())
        self._disposed = False
        self._closing: asyncio.Future[None] | None = None

    @property
    def crypto(self) -> CryptoBackend:
        return self._crypto

    @property
    def keys(self) -> ClientKeys:
        return self._keys

    @property
    def transports(self) -> PerLoopTransports:
        return self._transports

    @property
    def disposed(self) -> bool:
        return self._disposed

    def start(self) -> None:
        """Begin generating the client key pair now if a loop is running (else at first use)."""
        self._keys.start()

    def check_open(self) -> None:
        """Raises:
        ClientDisposedError: ``dispose()`` was called.
        """
        if self._disposed:
            raise ClientDisposedError(DISPOSED)

    async def complete(self, plaintext: bytes | bytearray, options: CallOptions) -> dict[str, Any]:
        """Seal ``plaintext`` (a chat request's JSON), send it, and return the opened answer.

        ``plaintext`` is not modified; the caller wipes it. ``options`` reach
        every request of the call: the server-key fetch, every retry, the reseal.

        Returns:
            The decrypted ``chat.completion``, its ``_metadata`` checked.

        Raises:
            APIError: (a subclass for each status) the server refused the request.
            APIConnectionError: no usable answer, after the retries (``APITimeoutError``).
            SecurityError: the server key or the answer failed a check.
            ClientDisposedError: the client was disposed before or during the call.
        """
        self.check_open()
        away = self._placement.away_from_here()
        if away is None:
            return await self._complete_here(plaintext, options)
        # The copy belongs to the call over there; the caller may wipe its own at once.
        running = away.start(self._complete_owning(bytearray(plaintext), options))
        try:
            return await asyncio.wrap_future(running)
        except asyncio.CancelledError:
            if running.cancelled() and self._disposed and not _being_cancelled():
                raise ClientDisposedError(DISPOSED) from None
            raise

    async def _complete_owning(self, plaintext: bytearray, options: CallOptions) -> dict[str, Any]:
        try:
            return await self._complete_here(plaintext, options)
        finally:
            wipe(plaintext)

    async def _complete_here(
        self, plaintext: bytes | bytearray, options: CallOptions
    ) -> dict[str, Any]:
        transport = await self._transports.get()
        cache = self._server_key_cache(options.base_url)
        fetch = self._fetcher(transport, options)
        share = (options.timeout, options.max_retries)
        server_key = await cache.get(fetch, share)
        private_key = await self._keys.current()
        self.check_open()
        try:
            return await self._exchange(transport, plaintext, server_key, private_key, options)
        except InvalidRequestError as exc:
            # The server could not open what we sealed: its key may have rotated.
            # Fetch it again; only a *different* key earns one more try.
            if not is_decryption_failure(exc.error_details):
                raise
            fresh = await cache.refresh(server_key, fetch, share)
            if fresh.fingerprint == server_key.fingerprint:
                raise
            self._logger.info("server key changed; resealing the request once")
            return await self._exchange(transport, plaintext, fresh, private_key, options)

    async def _exchange(
        self,
        transport: AsyncTransport,
        plaintext: bytes | bytearray,
        server_key: PublicKeyHandle,
        private_key: PrivateKeyHandle,
        options: CallOptions,
    ) -> dict[str, Any]:
        return await exchange(
            self._crypto, transport, plaintext, server_key, private_key, options, self._logger
        )

    def _server_key_cache(self, base_url: str) -> ServerKeyCache:
        cache = self._server_keys.get(base_url)
        if cache is None:
            fresh = ServerKeyCache(self._crypto, self._pin, base_url, self._logger)
            cache = self._server_keys.setdefault(base_url, fresh)
        return cache

    def _fetcher(self, transport: AsyncTransport, options: CallOptions) -> FetchPem:
        async def fetch_pem() -> bytes:
            request = Request(
                "GET",
                options.base_url + PATH_PUBLIC_KEY,
                timeout=options.timeout,
                max_body_bytes=MAX_PUBLIC_KEY_BYTES,
            )
            response = await send_with_retries(
                transport, request, options.max_retries, self._logger
            )
            return response.content

        return fetch_pem

    def server_key(self, base_url: str) -> PublicKeyHandle | None:
        """The cached server key for ``base_url``, if one was fetched."""
        cache = self._server_keys.get(base_url)
        return cache.cached if cache is not None else None

    def dispose(self) -> None:
        """Stop key rotation, drop every key, close the transports soon. Idempotent; any thread."""
        if self._disposed:
            return
        self._disposed = True
        self._keys.dispose()
        for cache in self._server_keys.values():
            cache.forget()
        self._server_keys.clear()
        own = self._placement.own_loop
        self._closing = self._transports.close_soon(leave=own)
        self._placement.close(wait=False)

    def shutdown(self) -> None:
        """``dispose()``, and wait until the client's own loop thread, if any, has stopped."""
        self.dispose()
        self._placement.close(wait=True)

    async def aclose(self) -> None:
        """``dispose()``, then wait for this loop's transport and the client's own loop thread."""
        self.dispose()
        closing, self._closing = self._closing, None
        if closing is not None and closing.get_loop() is asyncio.get_running_loop():
            await closing
        if self._placement.own_loop is not None:
            await asyncio.to_thread(self._placement.close, True)
