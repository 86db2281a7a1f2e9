"""Engine life cycle: 503 while loading and after a failed load, a bounded queue, shutdown."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from nomyo_router.engines import EngineError
from nomyo_router.engines.embedded import EmbeddedEngine

from .conftest import wait_loaded

HELLO = {"messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 4}
LONG = {
    "messages": [{"role": "user", "content": "Tell me a very long story about the sea."}],
    "max_tokens": 48,
    "temperature": 0.8,
    "seed": 7,
}


async def test_requests_before_the_model_is_loaded_get_503_with_retry_after(
    model_path: Path,
) -> None:
    engine = EmbeddedEngine(model_path, n_ctx=256)
    try:
        assert not engine.ready
        with pytest.raises(EngineError) as raised:
            await engine.complete(HELLO)  # not started yet: nothing loaded
        assert raised.value.status == 503
        assert "loading" in raised.value.detail
        assert raised.value.retry_after is not None and raised.value.retry_after > 0
        await engine.start()
        await engine.start()  # idempotent
        await wait_loaded(engine)
        answer = await engine.complete(HELLO)
        assert answer["choices"][0]["message"]["role"] == "assistant"
    finally:
        await engine.aclose()


@pytest.mark.parametrize("kind", ["missing", "not a gguf"])
async def test_a_model_that_cannot_load_gives_503_and_is_logged(
    tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "model.gguf"
    if kind == "not a gguf":
        path.write_bytes(b"this is not a GGUF file\n" * 100)
    engine = EmbeddedEngine(path)
    caplog.set_level(logging.ERROR, logger="nomyo_web")
    await engine.start()
    for _ in range(500):
        if engine.load_error is not None:
            break
        await asyncio.sleep(0.02)
    assert engine.load_error is not None
    assert not engine.ready
    with pytest.raises(EngineError) as raised:
        await engine.complete(HELLO)
    assert raised.value.status == 503
    assert "failed to load" in raised.value.detail
    assert str(path) not in raised.value.detail
    assert any("cannot load model" in record.getMessage() for record in caplog.records)
    await engine.aclose()


async def test_a_full_queue_gets_503_with_retry_after_and_the_queued_ones_finish(
    model_path: Path,
) -> None:
    engine = EmbeddedEngine(model_path, n_ctx=512, queue_size=1)
    await engine.start()
    try:
        await wait_loaded(engine)
        running = asyncio.create_task(engine.complete(LONG))
        waiting = asyncio.create_task(engine.complete(LONG))
        await asyncio.sleep(0)  # both are admitted: one runs, one waits
        with pytest.raises(EngineError) as raised:
            await engine.complete(HELLO)
        assert raised.value.status == 503
        assert "queue is full" in raised.value.detail
        assert raised.value.retry_after is not None and raised.value.retry_after >= 1
        for answer in await asyncio.gather(running, waiting):
            assert answer["choices"][0]["message"]["role"] == "assistant"
        # once drained, the queue admits again
        assert (await engine.complete(HELLO))["object"] == "chat.completion"
    finally:
        await engine.aclose()


async def test_aclose_answers_the_admitted_requests_then_refuses(model_path: Path) -> None:
    engine = EmbeddedEngine(model_path, n_ctx=512)
    await engine.start()
    await wait_loaded(engine)
    admitted = [asyncio.create_task(engine.complete(HELLO)) for _ in range(3)]
    await asyncio.sleep(0)
    await engine.aclose()
    for answer in await asyncio.gather(*admitted):
        assert answer["choices"][0]["message"]["role"] == "assistant"
    assert not engine.ready
    with pytest.raises(EngineError) as raised:
        await engine.complete(HELLO)
    assert raised.value.status == 503
    assert "shut down" in raised.value.detail
    await engine.aclose()  # idempotent
