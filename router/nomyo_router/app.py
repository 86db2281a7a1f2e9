"""``build_app``: the router's routes and middleware composed in one place."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nomyo_web.protocol import PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION

from .config import RouterConfig
from .cors import CorsMiddleware
from .engines import Engine
from .policy.admission import Admission
from .policy.api_keys import ApiKeys
from .policy.outage import STATE_RETRY_AFTER
from .policy.rate_limit import RateLimiter
from .policy.replay import ReplayGuard
from .policy.tiers import TierPolicy
from .problem import HTTPProblem, problem_response
from .request_log import RequestLogMiddleware
from .secure_completion import SecureCompletion
from .server_key import ServerKeys
from .state import ReplayBounds, StateStore, StateUnavailable, open_store

__all__ = [
    "EngineUnavailableError",
    "build_app",
    "build_engine",
    "build_store",
    "exception_handlers",
    "health",
    "json_response",
]

# A repeat of a running request waits at most this much longer than an engine call may take.
REPLAY_WAIT_MARGIN = 30.0

logger = logging.getLogger("nomyo_web.router")


class EngineUnavailableError(RuntimeError):
    """The configured engine cannot be built here (e.g. llama-cpp-python is missing)."""


def build_engine(config: RouterConfig) -> Engine:
    """``UpstreamEngine`` with ``--upstream``, else the embedded llama.cpp engine."""
    if config.upstream:
        from .engines.upstream import UpstreamEngine

        return UpstreamEngine(config.upstream, config.upstream_api_key, config.upstream_timeout)
    if importlib.util.find_spec("llama_cpp") is None:
        raise EngineUnavailableError(
            "the embedded engine needs llama-cpp-python: pip install 'nomyo-router[embedded]', "
            "or pass --upstream URL to use an OpenAI-compatible API"
        )
    from .engines.embedded import EmbeddedEngine

    engine: Engine = EmbeddedEngine(config.model, config.threads)
    return engine


def build_store(config: RouterConfig) -> StateStore:
    """The state store ``config.state`` names (in-process when it names none)."""
    bounds = ReplayBounds(config.replay_entries, config.replay_bytes, config.replay_ttl)
    return open_store(config.state or "memory", bounds)


async def _check_store(store: StateStore) -> None:
    """At start, see whether the store answers; if not, it logs so (requests get 503)."""
    with contextlib.suppress(StateUnavailable):
        await store.ping()


@contextlib.contextmanager
def _reloading_on_sighup(keys: ServerKeys) -> Iterator[None]:
    """While serving, SIGHUP re-reads the key file (off the event loop)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, keys.reload))
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGHUP)


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(value).encode(), status, headers=headers, media_type="application/json"
    )


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response({"detail": exc.detail}, exc.status_code, dict(exc.headers or {}))


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPProblem)
    return problem_response(exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unexpected %s while answering %s", type(exc).__name__, request.url.path)
    return json_response({"detail": "Internal server error"}, 500)


async def health(engine_name: str, engine_ready: bool, store: StateStore) -> Response:
    """``GET /healthz``: 200 when requests can be answered, else 503 saying why (with
    Retry-After), so a load balancer stops sending to a router whose engine is loading
    or whose state store does not answer."""
    about = {"engine": engine_name, "state": store.name}
    if not engine_ready:
        body = {"detail": "Model is loading", "status": "loading", "ready": False}
        return json_response({**body, **about}, 503, {"Retry-After": "5"})
    try:
        await store.ping()
    except StateUnavailable:
        body = {"detail": "State store unavailable", "status": "degraded", "ready": False}
        return json_response({**body, **about}, 503, {"Retry-After": str(STATE_RETRY_AFTER)})
    return json_response({"status": "ok", "ready": True, **about})


def exception_handlers() -> dict[Any, Any]:
    """Every error as JSON ``{"detail": ...}``; the unexpected as a bare 500, logged by type."""
    return {HTTPException: _http_exception, HTTPProblem: _problem, Exception: _unexpected}


def build_app(
    config: RouterConfig, keys: ServerKeys, engine: Engine, routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """The ASGI app for ``config``, answering with ``keys`` and ``engine``.

    ``routes`` are served beside the protocol's own (after them, so they cannot
    shadow them), behind the same CORS and request-log middleware.
    """
    store = build_store(config)
    endpoint = SecureCompletion(
        keys=keys,
        engine=engine,
        admission=Admission(
            ApiKeys(config.api_keys),
            RateLimiter(store, config.rate_limit) if config.rate_limit else None,
            config.auth_failure_limit,
            store,
        ),
        tiers=TierPolicy(config.tier_models),
        replay=ReplayGuard(store, config.upstream_timeout + REPLAY_WAIT_MARGIN),
        body_timeout=config.body_timeout,
    )

    async def public_key(request: Request) -> Response:
        return Response(
            keys.public_pem,
            media_type="text/plain",
            headers={"Cache-Control": "no-store", "X-Key-Fingerprint": keys.fingerprint},
        )

    async def healthz(request: Request) -> Response:
        return await health(engine.name, engine.ready, store)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await engine.start()
        await _check_store(store)
        with _reloading_on_sighup(keys):
            try:
                yield
            finally:
                await engine.aclose()
                await store.aclose()
                endpoint.threads.close()

    own: list[BaseRoute] = [  # the hot route first: routing tries them in order
        Route(PATH_SECURE_COMPLETION, endpoint, methods=["POST"]),
        Route(PATH_PUBLIC_KEY, public_key, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(
        routes=[*own, *routes],
        middleware=[
            Middleware(RequestLogMiddleware),
            Middleware(CorsMiddleware, origins=config.cors_origins),
        ],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
