"""The relay: a page's sealed requests go to NOMYO with the application's API key added.

A browser page cannot keep an API key, and a backend that calls NOMYO for the
page would see every prompt. The relay sits between: it forwards the page's
sealed request as it is, adds ``Authorization`` with the key from
``$NOMYO_API_KEY``, and returns the sealed answer as it came. It holds no
private key and never opens an envelope, so it sees ciphertext and metadata
only. Run it with ``nomyo-router --relay https://api.nomyo.ai``, or mount
``relay_app(...)`` in a Starlette/FastAPI application.
"""

from .app import Relay, relay_app
from .forward import FORWARDED_HEADERS, Authorize
from .settings import UPSTREAM_API_KEY_ENV, RelaySettings

__all__ = [
    "FORWARDED_HEADERS",
    "UPSTREAM_API_KEY_ENV",
    "Authorize",
    "Relay",
    "RelaySettings",
    "relay_app",
]
