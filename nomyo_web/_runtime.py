"""The one place that asks "am I in Pyodide?" and picks the two seams' backends."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .crypto import CryptoBackend
    from .transport import AsyncTransport

IS_PYODIDE = sys.platform == "emscripten"


def default_crypto() -> CryptoBackend:
    """WebCrypto under Pyodide, ``cryptography`` elsewhere."""
    if IS_PYODIDE:
        from .crypto.webcrypto import WebCryptoBackend

        return WebCryptoBackend()
    from .crypto.pyca import PycaBackend

    return PycaBackend()


def default_transport() -> AsyncTransport:
    """``fetch`` under Pyodide, one reused ``httpx.AsyncClient`` elsewhere."""
    if IS_PYODIDE:
        from .transport.fetch import FetchTransport

        return FetchTransport()
    from .transport.httpx_ import HttpxTransport

    return HttpxTransport()
