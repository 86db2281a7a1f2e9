"""The one place that asks "am I in Pyodide?" and picks the two seams' backends."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from .crypto import CryptoBackend
    from .transport import AsyncTransport

IS_PYODIDE = sys.platform == "emscripten"


def can_start_threads() -> bool:
    """Whether the client may run an event loop of its own in a thread (not in Pyodide)."""
    return not IS_PYODIDE


def default_crypto() -> CryptoBackend:
    """WebCrypto under Pyodide, ``cryptography`` elsewhere."""
    if IS_PYODIDE:
        from .crypto.webcrypto import WebCryptoBackend

        return WebCryptoBackend()
    from .crypto.pyca import PycaBackend

    return PycaBackend()


def default_transport_factory() -> Callable[[], AsyncTransport]:
    """What makes one event loop's transport: ``fetch`` under Pyodide, else ``httpx``.

    On CPython the TLS set-up (the CA bundle, ``SSL_CERT_FILE``) is done here,
    once, so a bad bundle fails at construction and every loop's
    ``httpx.AsyncClient`` shares one ``ssl.SSLContext``.
    """
    if IS_PYODIDE:
        from .transport.fetch import FetchTransport

        return FetchTransport
    from .transport.httpx_ import httpx_transport_factory

    return httpx_transport_factory()
