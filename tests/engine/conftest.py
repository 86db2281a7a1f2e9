"""Fixtures for the embedded engine's tests: the real model on the real llama.cpp.

* ``model_path`` — the GGUF (``$NOMYO_MODEL_PATH`` or ``models/`` in this checkout);
  every test here is skipped, with the reason, when it is absent. CI installs it
  (``python -m devtools.model``), so there they run.
* ``engine`` — one started, loaded ``EmbeddedEngine`` shared by the session.
* ``WEATHER`` — the ``get_weather`` tool the tests force.
* ``ask(engine, request)`` — ``engine.complete`` with ``model`` filled in.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from devtools.model import ENV_VAR, MODEL_FILE
from nomyo_router.engines.embedded import EmbeddedEngine

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_NAME = "smollm2-under-test"
LOAD_TIMEOUT = 120.0
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "the city"}},
            "required": ["location"],
        },
    },
}


def find_model() -> Path:
    configured = os.environ.get(ENV_VAR)
    return Path(configured) if configured else REPO_ROOT / "models" / MODEL_FILE


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = find_model()
    if not path.is_file():
        pytest.skip(f"model file {path} is absent: run `python -m devtools.model` to install it")
    return path


async def wait_loaded(engine: EmbeddedEngine) -> None:
    """Wait (bounded) until ``engine`` has its model; fail if loading failed."""
    deadline = time.monotonic() + LOAD_TIMEOUT
    while not engine.ready:
        if engine.load_error is not None:
            pytest.fail(f"the model did not load: {engine.load_error}")
        if time.monotonic() > deadline:
            pytest.fail(f"the model did not load within {LOAD_TIMEOUT} s")
        await asyncio.sleep(0.02)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(model_path: Path) -> AsyncIterator[EmbeddedEngine]:
    started = EmbeddedEngine(model_path, n_ctx=1024, queue_size=8)
    await started.start()
    await wait_loaded(started)
    yield started
    await started.aclose()


async def ask(engine: EmbeddedEngine, request: dict[str, Any]) -> dict[str, Any]:
    return await engine.complete({"model": MODEL_NAME, **request})
