"""The server's public key: fetched once per base URL, shared, pinned, checked.

The official client fetches the key before every call; we fetch it once and
cache it. The key itself belongs to no event loop, so every loop and thread
uses the cached one. Each call brings its own fetch (built from that call's
options: timeout, retries); concurrent first calls in one loop with the same
fetch settings share one fetch, and a caller that is cancelled does not cancel
it for the others. A failed fetch is not cached. With a pin
(``server_key_fingerprint``, the SHA-256 hex of the key's SubjectPublicKeyInfo
DER) any other key is refused.

When a cached key is replaced by a different one (the server stopped opening
what was sealed for it), the change is logged at WARNING with the base URL and
the first 16 hex digits of both fingerprints, so an operator sees it; a pinned
cache logs the change and still refuses the new key.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable

from ._tasks import cancel_from_any_thread
from .crypto import CryptoBackend, KeyFormatError, PublicKeyHandle
from .errors import InvalidParameterError, SecurityError
from .protocol import MAX_PUBLIC_KEY_BYTES

__all__ = ["FetchPem", "ServerKeyCache", "normalise_fingerprint"]

FetchPem = Callable[[], Awaitable[bytes]]
"""Fetches the server's key once (``GET /pki/public_key``); raises the typed errors."""

SHORT_FINGERPRINT = 16
"""Hex digits of a fingerprint shown in the key-change warning (public values)."""


def normalise_fingerprint(value: str | None) -> str | None:
    """Lower-case hex without separators; raises InvalidParameterError if not 64 hex digits."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameterError("server_key_fingerprint must be a string of 64 hex digits")
    text = value.strip().lower().replace(":", "")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidParameterError(
            "server_key_fingerprint must be the SHA-256 hex of the key's SubjectPublicKeyInfo DER"
        )
    return text


class ServerKeyCache:
    """One server's key, cached across calls, loops and threads."""

    def __init__(
        self,
        crypto: CryptoBackend,
        fingerprint: str | None,
        base_url: str = "",
        logger: logging.Logger | None = None,
    ) -> None:
        self._crypto = crypto
        self._pin = fingerprint
        self._base_url = base_url
        self._logger = logger or logging.getLogger("nomyo_web")
        self._key: PublicKeyHandle | None = None
        self._replaced: PublicKeyHandle | None = None
        self._pending: dict[Hashable, asyncio.Task[PublicKeyHandle]] = {}
        self._lock = threading.Lock()

    @property
    def cached(self) -> PublicKeyHandle | None:
        return self._key

    async def get(self, fetch_pem: FetchPem, share: Hashable = None) -> PublicKeyHandle:
        """The cached key, or a fetch of it (shared with calls of equal ``share`` in this loop)."""
        key = self._key
        if key is not None:
            return key
        loop = asyncio.get_running_loop()
        with self._lock:
            task = self._pending.get(share)
            if task is None or task.done() or task.get_loop() is not loop:
                task = loop.create_task(self._load(fetch_pem), name="nomyo_web-server-key")
                self._pending[share] = task
                task.add_done_callback(lambda done: self._forget_pending(share, done))
        return await asyncio.shield(task)

    async def refresh(
        self, stale: PublicKeyHandle, fetch_pem: FetchPem, share: Hashable = None
    ) -> PublicKeyHandle:
        """Drop ``stale`` (the server no longer accepts it) and fetch the key again."""
        if self._key is stale:
            self._key = None
            self._replaced = stale
        return await self.get(fetch_pem, share)

    def _forget_pending(self, share: Hashable, done: asyncio.Task[PublicKeyHandle]) -> None:
        with self._lock:
            if self._pending.get(share) is done:
                del self._pending[share]

    async def _load(self, fetch_pem: FetchPem) -> PublicKeyHandle:
        key = await self._import(await fetch_pem())
        self._key = key
        return key

    async def _import(self, body: bytes) -> PublicKeyHandle:
        if len(body) > MAX_PUBLIC_KEY_BYTES:
            raise SecurityError("the server's public key is refused: it is too large")
        try:
            key = await self._crypto.load_public_key(body.decode("ascii").strip() + "\n")
        except UnicodeDecodeError:
            raise SecurityError("the server's public key is refused: not ASCII PEM") from None
        except KeyFormatError as exc:
            raise SecurityError(f"the server's public key is refused: {exc}") from None
        self._note_replacement(key)
        if self._pin is not None and key.fingerprint != self._pin:
            raise SecurityError("the server's public key does not match server_key_fingerprint")
        return key

    def _note_replacement(self, key: PublicKeyHandle) -> None:
        """Log at WARNING when ``key`` differs from the cached key it replaces."""
        old, self._replaced = self._replaced, None
        if old is None or old.fingerprint == key.fingerprint:
            return
        refused = self._pin is not None and key.fingerprint != self._pin
        self._logger.warning(
            "server key for %s changed: %s... -> %s...%s",
            self._base_url,
            old.fingerprint[:SHORT_FINGERPRINT],
            key.fingerprint[:SHORT_FINGERPRINT],
            "; the new key is refused (server_key_fingerprint)" if refused else "",
        )

    def forget(self) -> None:
        """Cancel fetches in flight and drop the key."""
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for task in pending:
            cancel_from_any_thread(task)
        if self._key is not None:
            self._key.native = None
        self._key = None
        self._replaced = None
