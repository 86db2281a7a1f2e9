"""``python -m devtools.demo_server``: the router with this checkout's pages at ``/demo/``.

Every ``nomyo-router`` flag, plus ``--web DIR`` (the pages) and one
``--web-NAME DIR`` per build the pages load. Each flag serves exactly its folder
(see ``devtools.static``). The router itself serves no files: pages belong on
the application's own web server; this is for the demo, the browser tests and
the benchmark, which want pages and API on one origin.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from starlette.routing import Mount

from nomyo_router.__main__ import config_from_args
from nomyo_router.flags import build_parser

from .static import static_app

__all__ = ["WEB_MOUNTS", "build_demo_parser", "main"]

WEB_MOUNTS = {
    "pyodide": "a Pyodide distribution (this checkout's: build/pyodide)",
    "pyscript": "PyScript's files (this checkout's: web/node_modules/@pyscript/core/dist)",
    "wheels": "wheels for micropip (this checkout's: dist)",
    "lite": "a JupyterLite site (this checkout's: build/jupyterlite)",
}


def build_demo_parser() -> argparse.ArgumentParser:
    """The router's flags and the ``--web`` ones."""
    parser = build_parser()
    parser.prog = "python -m devtools.demo_server"
    web = parser.add_argument_group("demo pages")
    web.add_argument(
        "--web",
        type=Path,
        required=True,
        metavar="DIR",
        help="serve the files in DIR at /demo/ and nothing outside DIR (its node_modules/ and "
        "jupyterlite/ are 404)",
    )
    for name, what in WEB_MOUNTS.items():
        web.add_argument(
            f"--web-{name}", type=Path, metavar="DIR", help=f"serve DIR at /demo/{name}/: {what}"
        )
    return parser


def _web_mounts(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, Path]:
    """The folders the --web-* flags name; each flag's folder must be a directory."""
    named = {name: getattr(args, f"web_{name}") for name in WEB_MOUNTS}
    mounts: dict[str, Path] = {name: path for name, path in named.items() if path is not None}
    flags = {"--web": args.web, **{f"--web-{name}": path for name, path in mounts.items()}}
    for flag, path in flags.items():
        if not path.is_dir():
            parser.error(f"{flag}: not a directory: {path}")
    return mounts


def _announce(url: str) -> None:
    sys.stdout.write(f"nomyo-router listening on {url}\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_demo_parser()
    args = parser.parse_args(argv)
    config = config_from_args(parser, args)
    if config.workers > 1:
        parser.error("the demo server runs one worker")
    pages = Mount("/demo", app=static_app(args.web, _web_mounts(parser, args)))
    from nomyo_router.runner import configure_logging, run

    configure_logging(config.log_level)
    return run(config, _announce, routes=[pages])


if __name__ == "__main__":
    sys.exit(main())
