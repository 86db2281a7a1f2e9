"""The router's RSA private key: the key file, its reuse, and rotation on SIGHUP.

A missing key file is created once, atomically, with mode 0600 (RSA-4096,
PKCS#8 PEM). A file readable by group or others is used but warned about.
``reload`` re-reads the file: a changed key becomes current and the one before
stays accepted for ``grace`` seconds, so requests sealed to it just before the
rotation still open.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

from nomyo_web.crypto import KeyFormatError, OpenError, PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import SealedMessage

__all__ = ["ServerKeyError", "ServerKeys", "ensure_key_file", "read_key_file"]

SERVER_KEY_BITS = 4096
logger = logging.getLogger("nomyo_web.router")
_backend = PycaBackend()


class ServerKeyError(Exception):
    """The key file cannot be created or read."""


def ensure_key_file(path: Path) -> bool:
    """Create ``path`` (RSA-4096, mode 0600) unless it exists; True when it was created.

    The key is written to a private temporary file in the same directory and
    linked into place, so no reader ever sees a partial key and two starting
    processes cannot both create one.
    """
    if path.exists():
        return False
    key = _backend.generate_private_key_sync(SERVER_KEY_BITS)
    pem = _backend.private_key_to_pem(key)
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=".nomyo-key-", dir=directory)  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # fails if another process created it meanwhile
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temp)


def read_key_file(path: Path) -> PrivateKeyHandle:
    """The private key in ``path``; warns when the file is readable by others."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        data = path.read_bytes()
    except OSError as error:
        raise ServerKeyError(f"cannot read key file {path}: {error.strerror}") from None
    if mode & 0o077:
        logger.warning(
            "key file %s is readable by group or others (mode %03o); chmod 600 it", path, mode
        )
    try:
        return _backend.load_private_key_pem(data)
    except (KeyFormatError, TypeError):
        raise ServerKeyError(f"key file {path} holds no usable unencrypted RSA key") from None


class ServerKeys:
    """The current key and, for ``grace`` seconds after a rotation, the previous one."""

    def __init__(self, key: PrivateKeyHandle, path: Path | None, grace: float) -> None:
        self._lock = threading.Lock()
        self._current = key
        self._previous: PrivateKeyHandle | None = None
        self._previous_until = 0.0
        self.path = path
        self.grace = grace

    @classmethod
    def load(cls, path: Path | None, grace: float = 300.0) -> ServerKeys:
        """From the key file (created if missing), or an ephemeral key without one."""
        if path is None:
            return cls(_backend.generate_private_key_sync(SERVER_KEY_BITS), None, grace)
        if ensure_key_file(path):
            logger.info("created key file %s", path)
        return cls(read_key_file(path), path, grace)

    @property
    def public_pem(self) -> str:
        with self._lock:
            return self._current.public.pem

    @property
    def fingerprint(self) -> str:
        with self._lock:
            return self._current.public.fingerprint

    def reload(self) -> bool:
        """Re-read the key file; True when the key changed. Errors keep the current key."""
        if self.path is None:
            return False
        try:
            key = read_key_file(self.path)
        except ServerKeyError as error:
            logger.error("key reload failed, keeping the current key: %s", error)
            return False
        with self._lock:
            unchanged = key.public.fingerprint == self._current.public.fingerprint
            if not unchanged:
                self._previous, self._current = self._current, key
                self._previous_until = time.monotonic() + self.grace
        if unchanged:
            logger.info("key file re-read: the server key is unchanged")
            return False
        logger.info("server key rotated; the previous key is accepted for %.0f s", self.grace)
        return True

    def _candidates(self) -> list[PrivateKeyHandle]:
        with self._lock:
            keys = [self._current]
            if self._previous is not None and time.monotonic() < self._previous_until:
                keys.append(self._previous)
            elif self._previous is not None:
                self._previous = None
            return keys

    def open_request_sync(self, sealed: SealedMessage) -> tuple[bytearray, bytearray]:
        """Open with the current key, then the previous one; raises OpenError. Blocking.

        Returns the plaintext and the request's AES key (the answer's
        ``response_mac`` is derived from it); the caller wipes both.
        """
        for key in self._candidates():
            with contextlib.suppress(OpenError):
                return _backend.open_request_sync(sealed, key)
        raise OpenError()
