"""The browser pages and their assets, served under ``/demo`` by ``devtools.demo_server``.

``static_app(web_root, mounts)`` is an ASGI app (Starlette) meant to be
mounted at ``/demo``. It serves, from local files only, exactly the folders
it is given and nothing beside them:

* ``/``          ``web_root`` (``--web``): the pages (``demo.html``,
                 ``pyscript.html``, …); dot files and ``node_modules`` in it are 404;
* ``/NAME/``     each folder in ``mounts``, by one of the ``MOUNT_NAMES``
                 (``--web-pyodide``, ``--web-pyscript``, ``--web-wheels``,
                 ``--web-lite``). A name not given is not served at all.

Every answer carries a strict Content-Security-Policy: scripts and
connections from this origin only, plus ``'wasm-unsafe-eval'`` (WebAssembly
compilation, which Pyodide cannot run without) and ``blob:`` workers (for
PyScript's worker mode). ``'unsafe-eval'`` and ``'unsafe-inline'`` scripts
are never allowed; the JupyterLite site alone gets ``'unsafe-inline'`` styles
and ``'unsafe-eval'``, because its bundles need them (see the README of
``web/jupyterlite``). Only files with a known type are served, each with
its exact MIME type; anything else, and any path holding a control character,
is 404. Starlette's ``StaticFiles`` resolves paths and refuses anything
outside its directory, so ``..`` and symlinks cannot escape.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_TYPES", "MOUNT_NAMES", "static_app"]

CONTENT_TYPES: Mapping[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".tar": "application/x-tar",
    ".py": "text/plain; charset=utf-8",
    ".toml": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".ipynb": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".gif": "image/gif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
}

PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)

# PyScript's core builds its worker hooks with Function(): its pages (and only
# them) need 'unsafe-eval'. Measured with @pyscript/core 0.7.31.
PYSCRIPT_POLICY = PAGE_POLICY.replace("'wasm-unsafe-eval'", "'wasm-unsafe-eval' 'unsafe-eval'")
PYSCRIPT_PAGES = frozenset({"pyscript.html", "pyscript-worker.html"})

# JupyterLab's bundles evaluate code and inject inline styles.
LITE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "manifest-src 'self'",
        "frame-src 'self'",
        "base-uri 'self'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "object-src 'none'",
    ]
)

HIDDEN_PARTS = frozenset({"node_modules", "jupyterlite"})

MOUNT_NAMES = ("pyodide", "pyscript", "wheels", "lite")
"""The folders besides the pages that may be mounted, each at ``/demo/NAME/``."""


def content_type_of(path: str) -> str | None:
    """The MIME type we serve ``path`` with, or None when we do not serve it."""
    return CONTENT_TYPES.get(pathlib.PurePosixPath(path).suffix.lower())


def is_servable(route_path: str, *, hide: frozenset[str]) -> bool:
    """Whether a path inside a mount may be served at all (type known, nothing hidden)."""
    parts = [part for part in route_path.split("/") if part]
    if not parts or any(part.startswith(".") or part in hide for part in parts):
        return False
    if any(ord(char) < 0x20 or char == "\x7f" for char in route_path):
        return False  # e.g. %00, which no file name holds (and os.stat refuses)
    return content_type_of(route_path) is not None


class GuardedFiles:
    """``StaticFiles`` behind the type allowlist, with our headers on every answer."""

    def __init__(
        self,
        directory: pathlib.Path,
        *,
        policy: str,
        hide: frozenset[str] = frozenset(),
        eval_pages: frozenset[str] = frozenset(),
    ) -> None:
        self.files = StaticFiles(directory=directory, check_dir=False)
        self.policy = policy
        self.hide = hide
        self.eval_pages = eval_pages

    def policy_for(self, route_path: str) -> str:
        """The page policy, or PyScript's for the pages that load PyScript."""
        return PYSCRIPT_POLICY if route_path.strip("/") in self.eval_pages else self.policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route_path = self.files.get_path(scope)
        if scope["method"] not in ("GET", "HEAD"):
            response: Response = PlainTextResponse("Method Not Allowed", status_code=405)
        elif not is_servable(route_path, hide=self.hide):
            response = PlainTextResponse("Not Found", status_code=404)
        else:
            policy = self.policy_for(route_path)
            try:
                await self.files(scope, receive, headed(send, policy, route_path))
                return
            except HTTPException as error:
                # A missing file: StaticFiles raises before sending, so answer it here,
                # with the same headers as every other answer.
                response = PlainTextResponse(str(error.detail), status_code=error.status_code)
        await response(scope, receive, headed(send, self.policy, None))


def headed(send: Send, policy: str, path: str | None) -> Send:
    """Wraps ``send`` so the response start carries our security and type headers."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (name, value)
                for name, value in message.get("headers", [])
                if name.lower() not in (b"content-type", b"cache-control")
            ]
            kind = content_type_of(path) if path and message["status"] < 400 else None
            headers.append((b"content-type", (kind or "text/plain; charset=utf-8").encode()))
            headers.extend(security_headers(policy))
            message = {**message, "headers": headers}
        await send(message)

    return send_with_headers


def security_headers(policy: str) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries; ``no-cache`` lets the browser revalidate by ETag.

    COOP + COEP make the pages cross-origin isolated: PyScript's worker mode
    needs SharedArrayBuffer for ``document`` and ``window`` in the worker.
    """
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-embedder-policy", b"require-corp"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"cache-control", b"no-cache"),
    ]


def static_app(web_root: pathlib.Path, mounts: Mapping[str, pathlib.Path]) -> ASGIApp:
    """The ASGI app for ``/demo``: ``web_root`` at ``/`` and each of ``mounts`` at ``/NAME/``."""
    unknown = set(mounts) - set(MOUNT_NAMES)
    if unknown:
        raise ValueError(f"unknown mounts {sorted(unknown)}; known: {MOUNT_NAMES}")
    routes: list[Route | Mount] = [Route("/", redirect_to_demo, methods=["GET", "HEAD"])]
    for name, directory in mounts.items():
        policy = LITE_POLICY if name == "lite" else PAGE_POLICY
        routes.append(Mount(f"/{name}", app=GuardedFiles(directory.resolve(), policy=policy)))
    pages = GuardedFiles(
        web_root.resolve(), policy=PAGE_POLICY, hide=HIDDEN_PARTS, eval_pages=PYSCRIPT_PAGES
    )
    routes.append(Mount("", app=pages))
    return Starlette(routes=routes)


async def redirect_to_demo(request: Request) -> Response:
    """``/demo/`` opens the chat page."""
    location = str(request.scope.get("root_path", "")) + "/demo.html"
    headers = {name.decode(): value.decode() for name, value in security_headers(PAGE_POLICY)}
    return RedirectResponse(location, status_code=307, headers=headers)
