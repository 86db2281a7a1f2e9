"""The client key pair's life: background generation, rotation, disposal.

The first pair is generated in the background as soon as an event loop is
running (at construction when the client is built inside one, else at the
first call) -- or, when the page began generating it before Pyodide had even
loaded (``key_pair=``), taken from the page once the backend has checked it.
After that no request waits on key generation: rotation generates the next
pair while the current one stays in use, then swaps it in. A request holds the
handle it sealed with, so it is opened with that key even if a rotation
happens while it is in flight.

The pair belongs to no event loop; the tasks that make it do. Rotation is a
timer (``loop.call_later``, never a sleeping task, so a loop that ends leaves
nothing pending behind) in the loop of a recent call; when that loop has ended
or stands idle (one ``asyncio.run()`` per call), the next call sets it again in
its own loop. It is due by the pair's age, so moving it neither skips nor
repeats a rotation. ``dispose()`` may be called from any thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from ._tasks import cancel_from_any_thread, running_loop
from .crypto import CryptoBackend, KeyFormatError, PrivateKeyHandle
from .errors import ClientDisposedError, SecurityError

__all__ = ["KEY_BITS", "ClientKeys"]

KEY_BITS = 4096
RETIRED_KEPT = 8
DISPOSED = "the client was disposed"


def _is_unusable(
    task: asyncio.Task[PrivateKeyHandle] | None, loop: asyncio.AbstractEventLoop
) -> bool:
    """True when the first-key task must be (re)started: none, failed, or on another loop."""
    if task is None:
        return True
    if task.done():
        return task.cancelled() or task.exception() is not None
    return task.get_loop() is not loop


def _retrieve(task: asyncio.Task[PrivateKeyHandle]) -> None:
    """Mark a first-key task's failure as seen: a caller reports it, or nobody needs to."""
    if not task.cancelled():
        task.exception()


FirstPair = Callable[[], Awaitable[PrivateKeyHandle]]
"""Where the first pair comes from instead of ``generate_private_key`` (``KeyFormatError``)."""


class ClientKeys:
    """Owns the client's RSA key pair; never writes it anywhere.

    ``first``: the source of the first pair (a page's own, checked), if not generated here.
    A pair it refuses fails every call with ``SecurityError`` saying why; rotations are
    always generated here.
    """

    def __init__(
        self,
        crypto: CryptoBackend,
        rotation_interval: float | None,
        logger: logging.Logger,
        first: FirstPair | None = None,
    ) -> None:
        self._crypto = crypto
        self._first_source = first
        self._interval = rotation_interval if rotation_interval else None
        self._logger = logger
        self._current: PrivateKeyHandle | None = None
        self._born = 0.0
        self._first: asyncio.Task[PrivateKeyHandle] | None = None
        self._rotation: asyncio.Task[None] | None = None
        self._timer: tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle] | None = None
        self._retired: list[PrivateKeyHandle] = []
        self._rotations = 0
        self._disposed = False

    @property
    def rotations(self) -> int:
        """How many pairs have been replaced so far."""
        return self._rotations

    def start(self) -> None:
        """Begin generating the first pair if a loop is running (else on first use)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        if not self._disposed:
            self._ensure_first()

    def _ensure_first(self) -> asyncio.Task[PrivateKeyHandle]:
        task = self._first
        loop = asyncio.get_running_loop()
        if _is_unusable(task, loop):
            task = loop.create_task(self._generate_first(), name="nomyo_web-keygen")
            task.add_done_callback(_retrieve)
            self._first = task
        assert task is not None
        return task

    async def _generate_first(self) -> PrivateKeyHandle:
        source = self._first_source
        if source is None:
            key = await self._crypto.generate_private_key(KEY_BITS)
        else:
            try:
                key = await source()
            except KeyFormatError as exc:
                raise SecurityError(f"the client's key_pair was refused: {exc}") from None
            self._first_source = None  # rotations generate their own
        if self._disposed:
            # A generation that finished as dispose() ran (in another thread, or in a
            # backend that cannot be interrupted) must not install a key.
            key.forget()
            raise ClientDisposedError(DISPOSED)
        if self._current is None:
            self._install(key)
            self._logger.debug("client key pair ready (RSA-%d)", key.public.bits)
            return key
        key.forget()  # another loop's first generation won the race
        return self._current

    def _install(self, key: PrivateKeyHandle) -> None:
        old, self._current = self._current, key
        self._born = time.monotonic()
        if old is not None:
            # In-flight requests still hold `old`; only our reference goes.
            self._retired.append(old)
            del self._retired[:-RETIRED_KEPT]

    async def current(self) -> PrivateKeyHandle:
        """The pair to seal a request with; waits only for the very first pair."""
        if self._disposed:
            raise ClientDisposedError(DISPOSED)
        key = self._current
        if key is None:
            key = await self._first_pair()
        self._keep_rotating()
        return key

    async def _first_pair(self) -> PrivateKeyHandle:
        task = self._ensure_first()
        try:
            return await asyncio.shield(task)
        except (ClientDisposedError, SecurityError, asyncio.CancelledError):
            raise
        except Exception as exc:
            self._logger.debug("client key generation failed: %s", type(exc).__name__)
            raise SecurityError("could not generate the client key pair") from None

    def _keep_rotating(self) -> None:
        """Make sure the next rotation is set, in this loop if the last one's loop cannot run it."""
        if self._interval is None or self._disposed:
            return
        rotation = self._rotation
        if rotation is not None and not rotation.done() and not rotation.get_loop().is_closed():
            return  # a new pair is being generated
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            timer_loop, handle = self._timer
            if timer_loop is loop or (timer_loop.is_running() and not handle.cancelled()):
                return
            self._cancel_timer()
        self._set_timer(loop)

    def _set_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._interval is not None
        delay = max(0.0, self._born + self._interval - time.monotonic())
        self._timer = (loop, loop.call_later(delay, self._rotation_due))

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is None:
            return
        loop, handle = timer
        if loop.is_closed():
            return
        if loop.is_running() and loop is not running_loop():
            loop.call_soon_threadsafe(handle.cancel)
        else:
            handle.cancel()

    def _rotation_due(self) -> None:
        self._timer = None
        if not self._disposed:
            self._rotation = asyncio.get_running_loop().create_task(
                self._rotate_in_background(), name="nomyo_web-key-rotation"
            )

    async def _rotate_in_background(self) -> None:
        try:
            await self.rotate()
        except ClientDisposedError:
            return
        except Exception as exc:  # keep the current pair; try again a full interval later
            self._logger.warning("client key rotation failed: %s", type(exc).__name__)
            self._born = time.monotonic()
        if not self._disposed:
            self._set_timer(asyncio.get_running_loop())

    async def rotate(self) -> PrivateKeyHandle:
        """Generate a new pair (the old one stays in use meanwhile), then swap it in."""
        key = await self._crypto.generate_private_key(KEY_BITS)
        if self._disposed:
            key.forget()
            raise ClientDisposedError(DISPOSED)
        self._install(key)
        self._rotations += 1
        self._logger.debug("client key pair rotated")
        return key

    def dispose(self) -> None:
        """Stop rotation and drop every key reference. Idempotent; any thread."""
        self._disposed = True
        self._cancel_timer()
        for task in (self._rotation, self._first):
            cancel_from_any_thread(task)
        self._rotation = None
        self._first = None
        self._first_source = None
        if self._current is not None:
            self._current.forget()
            self._current = None
        for key in self._retired:
            key.forget()
        self._retired.clear()
