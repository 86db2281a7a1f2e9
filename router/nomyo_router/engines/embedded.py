"""The embedded engine: SmolLM2-135M-Instruct (or any chat GGUF) through llama-cpp-python.

One ``llama_cpp.Llama`` lives in one dedicated model thread, which loads it and
runs every generation, one at a time (one ``Llama`` driven from two threads
crashes the process, see ENGINE-NOTES); a lock guards it besides. Requests
wait in a bounded queue in front of that thread; when it is full they get 503
with a ``Retry-After`` estimated from recent generation times. Until the
model is loaded, and after a failed load, requests get 503.

Threads: ``threads=None`` means one generation thread (``DEFAULT_THREADS``),
and ``OMP_WAIT_POLICY`` defaults to ``passive`` (the environment wins).
Measured on this 2-core machine (tokens/s, 128-token answers, 21 samples per
cell; "quiet" = as found, load 1-7 from other jobs; "busy" = plus one busy loop):

    threads  OMP policy   quiet median (min)   busy median (min)
    1        default        70 (19)              84 (16)
    1        passive        88 (50)              84 (57)
    2        default       102 (4)               28 (0.5)
    2        passive        35 (25)              56 (44)

Two threads with OpenMP's spinning win only on an otherwise idle machine and
collapse as soon as anything else wants a core — and the router always has
other work (RSA, HTTP) on the second core. One thread never collapsed;
``passive`` costs it nothing and doubles the contended figure for anyone
who asks for two threads (at the price of their idle-machine peak).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from nomyo_router.engines import EngineError
from nomyo_router.engines.embedded_answer import run_generation
from nomyo_router.engines.embedded_request import Generation, plan_generation

__all__ = ["DEFAULT_THREADS", "EmbeddedEngine"]

DEFAULT_THREADS = 1
_LOADING_RETRY_AFTER = 1.0
_MAX_RETRY_AFTER = 60.0

logger = logging.getLogger("nomyo_web.router")


def _import_llama() -> Any:
    """Import the binding, with OpenMP told to sleep rather than spin while idle.

    libgomp reads ``OMP_WAIT_POLICY`` when the library is loaded, that is at
    the first ``import llama_cpp``; set any later it has no effect.
    """
    if "llama_cpp" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    import llama_cpp

    return llama_cpp


class EmbeddedEngine:
    """``Engine`` answering from a local GGUF model with llama.cpp."""

    name = "embedded"

    def __init__(
        self,
        model_path: Path,
        threads: int | None = None,
        n_ctx: int = 2048,
        queue_size: int = 16,
    ) -> None:
        if queue_size < 0:
            raise ValueError("queue_size must be >= 0")
        self.model_path = Path(model_path)
        self.threads = DEFAULT_THREADS if threads is None else max(1, threads)
        self.n_ctx = n_ctx
        self.queue_size = queue_size
        self.load_seconds: float | None = None
        self.load_error: str | None = None  # why loading failed (for the log, not clients)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nomyo-llama")
        self._llama_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._llama: Any = None
        self._loading: Future[None] | None = None
        self._closed = False
        self._in_flight = 0
        self._seconds_per_answer = 2.0

    @property
    def ready(self) -> bool:
        return self._llama is not None and not self._closed

    async def start(self) -> None:
        if self._loading is None and not self._closed:
            self._loading = self._executor.submit(self._load)

    def _load(self) -> None:
        began = time.monotonic()
        try:
            llama_cpp = _import_llama()
            llama = llama_cpp.Llama(
                model_path=str(self.model_path),
                n_ctx=self.n_ctx,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                verbose=False,
            )
        except Exception as error:
            self.load_error = f"{type(error).__name__}: {error}"
            logger.error(
                "embedded engine: cannot load model %s: %s", self.model_path, self.load_error
            )
            return
        with self._llama_lock:
            self._llama = llama
        self.load_seconds = time.monotonic() - began
        logger.info(
            "embedded engine: model %s loaded in %.2f s (%d thread(s), n_ctx %d)",
            self.model_path.name,
            self.load_seconds,
            self.threads,
            self.n_ctx,
        )

    def _check_serving(self) -> None:
        if self._closed:
            raise EngineError(503, "the embedded engine is shut down")
        if self.load_error is not None:
            raise EngineError(503, "the embedded model failed to load; see the router's log")
        if self._llama is None:
            raise EngineError(503, "the embedded model is still loading", _LOADING_RETRY_AFTER)

    def _admit(self) -> None:
        with self._count_lock:
            if self._in_flight > self.queue_size:
                waits = self._seconds_per_answer * self._in_flight
                retry = float(min(_MAX_RETRY_AFTER, max(1, math.ceil(waits))))
                raise EngineError(503, "the embedded engine's queue is full", retry)
            self._in_flight += 1

    def _release(self, _done: object = None) -> None:
        with self._count_lock:
            self._in_flight -= 1

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        self._check_serving()
        plan = plan_generation(request, default_model=self.name)
        self._admit()
        try:
            job = self._executor.submit(self._generate, plan)
        except RuntimeError:  # the executor was shut down after the check above
            self._release()
            raise EngineError(503, "the embedded engine is shut down") from None
        job.add_done_callback(self._release)
        return await asyncio.wrap_future(job)

    def _generate(self, plan: Generation) -> dict[str, Any]:
        with self._llama_lock:
            if self._llama is None:
                raise EngineError(503, "the embedded engine is shut down")
            began = time.monotonic()
            try:
                answer = run_generation(self._llama, plan)
            except EngineError:
                raise
            except Exception as error:
                logger.error("embedded engine: generation failed: %s", type(error).__name__)
                raise EngineError(502, "the embedded model failed to answer") from None
            spent = time.monotonic() - began
        self._seconds_per_answer = 0.8 * self._seconds_per_answer + 0.2 * spent
        return answer

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        # New requests are refused from here on; those already admitted (at most
        # queue_size + 1) are answered, then the model is freed.
        await asyncio.to_thread(self._executor.shutdown, True)
        with self._llama_lock:
            llama, self._llama = self._llama, None
        if llama is not None:
            llama.close()
