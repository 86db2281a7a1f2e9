"""Measure js.fetch (FetchTransport) against pyodide.http.pyfetch and httpx2-jsfetch in Pyodide.

    .venv/bin/python -m pytest tests/pyodide/bench_fetch.py -s     # not part of the suite

Runs the case ``fetch_bench:compare`` (a GET of the router's public key, CORS for the
page's origin; httpx2 is loaded from the offline lock first) in each Pyodide runtime
and prints the median ms per request for each way. Not a test of timings: it
asserts none (pytest collects this file only when it is named, as above).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.router import RouterProcess


def test_print_fetch_medians(interpreter: Any, cors_router: RouterProcess) -> None:
    if interpreter.name == "cpython":
        pytest.skip("fetch is Pyodide's")
    interpreter.runner.load_package(["httpx2", "httpx2-jsfetch"])
    medians = interpreter.call("fetch_bench:compare", url=cors_router.url + "/pki/public_key")
    print(interpreter.name, json.dumps(medians))
