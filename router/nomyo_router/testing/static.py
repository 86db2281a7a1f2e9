"""A loopback static file server over URL-prefix mounts, for test pages.

    with StaticServer({"/pyodide/": dist, "/": Path("site")}) as server:
        server.url          # http://127.0.0.1:PORT (the page origin)
        server.requests     # every path it was asked for, in order

``.wasm`` goes out as ``application/wasm`` and ``.mjs`` as ``text/javascript``
(Pyodide needs both), with ``Cache-Control: no-store`` and no CORS headers. It
serves only the folders it was given, never a listing, and no path leaves its folder.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["StaticServer"]

_MIME = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".toml": "text/plain; charset=utf-8",
}


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, server_ref: StaticServer, **kwargs: Any) -> None:
        self._server_ref = server_ref
        self.extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **_MIME}
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        clean = unquote(urlsplit(path).path)
        for prefix, root in self._server_ref.mounts:
            if clean.startswith(prefix):
                relative = Path(clean[len(prefix) :])
                target = (root / relative).resolve()
                if target == root or root in target.parents:
                    return str(target)
        return str(self._server_ref.mounts[-1][1] / "__missing__")

    def list_directory(self, path: Any) -> None:
        self.send_error(404)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self) -> Any:
        self._server_ref.record(self.path)
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request list is the log."""


class StaticServer:
    """A threaded static server on 127.0.0.1 (port chosen by the OS) over URL-prefix mounts."""

    def __init__(self, mounts: Mapping[str, Path], host: str = "127.0.0.1") -> None:
        # Longest prefix first, so "/pyodide/" wins over "/".
        self.mounts = sorted(
            ((prefix, Path(root).resolve()) for prefix, root in mounts.items()),
            key=lambda item: -len(item[0]),
        )
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), partial(_Handler, server_ref=self))
        self._httpd.daemon_threads = True
        self.url = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> StaticServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
