"""``relay_app``: the relay as an ASGI app, standalone or mounted in the application's own.

    from nomyo_router.relay import RelaySettings, relay_app

    relay = relay_app(RelaySettings.from_env("https://api.nomyo.ai"), authorize=signed_in)
    app.mount("/nomyo", relay)          # the page's base_url: https://your.app/nomyo

It answers ``GET /pki/public_key`` (the upstream's key), ``POST
/v1/chat/secure_completion`` (forwarded) and ``GET /healthz``, behind the
router's CORS allow-list and request log. A mounted app gets no lifespan events
from Starlette, so the upstream connection pool is opened on first use and
closed by ``await relay.state.relay.aclose()`` (the standalone relay closes it
at shutdown).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nomyo_web.protocol import PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION

from ..app import exception_handlers, health
from ..cors import CorsMiddleware
from ..policy.admission import Admission
from ..policy.api_keys import ApiKeys
from ..policy.rate_limit import RateLimiter
from ..problem import HTTPProblem
from ..request_log import RequestLogMiddleware
from ..state import ReplayBounds, open_store
from .forward import Authorize, Forwarder
from .http1 import Http1Pool
from .settings import RelaySettings
from .upstream_key import UpstreamKey

__all__ = ["Relay", "relay_app"]

logger = logging.getLogger("nomyo_web.router")


class Relay:
    """The relay's state: its settings, the upstream key cache and the connection pool."""

    def __init__(self, settings: RelaySettings, authorize: Authorize | None) -> None:
        self.settings = settings
        self.key = UpstreamKey()
        self.store = open_store(settings.state, ReplayBounds())
        limiter = RateLimiter(self.store, settings.rate_limit) if settings.rate_limit else None
        admission = Admission(
            ApiKeys(settings.caller_api_keys), limiter, settings.auth_failure_limit, self.store
        )
        self.forwarder = Forwarder(
            api_key=settings.api_key,
            admission=admission,
            authorize=authorize,
            key=self.key,
            body_timeout=settings.body_timeout,
        )
        self._upstream: Http1Pool | None = None

    @property
    def upstream(self) -> Http1Pool:
        """The connection pool, made on first use (in the serving event loop)."""
        if self._upstream is None:
            self._upstream = Http1Pool(self.settings.upstream, self.settings.timeout)
        return self._upstream

    async def aclose(self) -> None:
        if self._upstream is not None:
            await self._upstream.aclose()
            self._upstream = None
        await self.store.aclose()

    async def public_key(self, request: Request) -> Response:
        key = await self.key.get(self.upstream)
        headers = {"Cache-Control": "no-store", "X-Key-Fingerprint": key.fingerprint}
        return Response(key.pem, media_type="text/plain", headers=headers)

    async def secure_completion(self, request: Request) -> Response:
        try:
            return await self.forwarder.handle(request, self.upstream)
        except (HTTPProblem, HTTPException):
            raise
        except Exception as error:  # the application's authorize hook included
            logger.error("unexpected %s in the relay", type(error).__name__)
            raise HTTPProblem(500, "Internal server error") from None

    async def healthz(self, request: Request) -> Response:
        return await health("relay", True, self.store)


def relay_app(settings: RelaySettings, authorize: Authorize | None = None) -> Starlette:
    """The relay's ASGI app; ``authorize(request)`` (sync or async) may refuse callers."""
    relay = Relay(settings, authorize)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await relay.aclose()

    app = Starlette(
        routes=[
            Route(PATH_PUBLIC_KEY, relay.public_key, methods=["GET"]),
            Route(PATH_SECURE_COMPLETION, relay.secure_completion, methods=["POST"]),
            Route("/healthz", relay.healthz, methods=["GET"]),
        ],
        middleware=[
            Middleware(RequestLogMiddleware),
            Middleware(CorsMiddleware, origins=settings.cors_origins),
        ],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.relay = relay
    return app
