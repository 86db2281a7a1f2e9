"""pytest-pyodide's runtimes made ready for nomyo-web, offline.

* ``configure_pytest_pyodide()``: the Node.js context gets ``crypto`` and the
  other globals the client needs (pytest-pyodide's Node.js context has none of
  them by default); Chromium gets flags that keep it off the network by itself
  (no background networking, component updates, sync or QUIC); Selenium gets
  the system's ``chromedriver`` (``SE_CHROMEDRIVER``), never a downloaded one.
* ``prepare(runner)``: on a pytest-pyodide runner (``selenium`` fixtures), start
  the network recorder and the WebCrypto call log (``webcrypto_log``), load
  ``nomyo-web`` from the distribution's lock.
* ``network(runner)``: every URL the runtime asked for since ``prepare``.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from . import webcrypto_log
from .network import NETWORK_JS, RECORDER_JS

__all__ = [
    "CHROMIUM_FLAGS",
    "NODE_GLOBALS",
    "QUIET_CHROMIUM_FLAGS",
    "configure_pytest_pyodide",
    "network",
    "prepare",
]

NODE_GLOBALS = (
    "crypto",
    "performance",
    "Headers",
    "Request",
    "Response",
    "URL",
    "URLSearchParams",
    "Blob",
    "FormData",
    "DOMException",
    "structuredClone",
    "queueMicrotask",
)
# Chromium stays off the network by itself: no background requests, updates, sync or QUIC.
QUIET_CHROMIUM_FLAGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CHROMIUM_FLAGS = ("--js-flags=--expose-gc", *QUIET_CHROMIUM_FLAGS)


def configure_pytest_pyodide() -> None:
    """Set pytest-pyodide's global configuration once (idempotent)."""
    from pytest_pyodide import get_global_config

    config = get_global_config()
    present = set(config.get_node_extra_globals())
    config.add_node_extra_globals([name for name in NODE_GLOBALS if name not in present])
    flags = list(config.get_flags("chrome"))
    config.set_flags("chrome", flags + [flag for flag in CHROMIUM_FLAGS if flag not in flags])
    driver = shutil.which("chromedriver")
    if driver and not os.environ.get("SE_CHROMEDRIVER"):
        os.environ["SE_CHROMEDRIVER"] = driver


def prepare(runner: Any, packages: tuple[str, ...] = ("nomyo-web",)) -> Any:
    """Record the runner's network and WebCrypto calls from now on, and load ``packages``
    (by name, from the distribution's lock)."""
    runner.run_js(RECORDER_JS)
    runner.run_js(webcrypto_log.RECORDER_JS)
    runner.load_package(list(packages))
    return runner


def network(runner: Any) -> list[str]:
    """Every URL the runner's runtime asked for (see ``network.NETWORK_JS``)."""
    return list(runner.run_js(NETWORK_JS))
