"""Clients' public keys from ``X-Public-Key``, checked strictly and cached by header value."""

from __future__ import annotations

import threading
from collections import OrderedDict

from nomyo_web.crypto import KeyFormatError, PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    MAX_PUBLIC_KEY_BYTES,
    MAX_RSA_BITS,
    MIN_RSA_BITS,
    decode_public_key_header,
)

from .problem import HTTPProblem

__all__ = ["ClientKeyCache"]

_backend = PycaBackend()


BAD_KEY = (
    "Invalid X-Public-Key header: expected an RSA public key of "
    f"{MIN_RSA_BITS} to {MAX_RSA_BITS} bits"
)


class ClientKeyCache:
    """An LRU of imported client keys: repeat callers skip the DER parse."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._keys: OrderedDict[str, PublicKeyHandle] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, header: str | None) -> PublicKeyHandle:
        """The RSA key (MIN_RSA_BITS..MAX_RSA_BITS) in the header; raises HTTPProblem 400."""
        if not header:
            raise HTTPProblem(400, "Missing X-Public-Key header")
        if len(header) > MAX_PUBLIC_KEY_BYTES:
            raise HTTPProblem(400, "Invalid X-Public-Key header")
        with self._lock:
            key = self._keys.get(header)
            if key is not None:
                self._keys.move_to_end(header)
                return key
        try:
            key = _backend.load_public_key_sync(decode_public_key_header(header))
        except KeyFormatError as error:
            raise HTTPProblem(400, f"{BAD_KEY}: {error}") from None
        except ValueError:
            raise HTTPProblem(400, BAD_KEY) from None
        with self._lock:
            self._keys[header] = key
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)
        return key
