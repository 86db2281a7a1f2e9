"""The soak run's bad-input properties with a small case count, for the regular suite.

Same strategies and checks as ``python -m soak`` (soak/strategies.py, soak/*_targets.py),
which runs at least 100,000 cases per target.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from soak.client_targets import ResponseTarget, check_parse, parse_cases
from soak.router_targets import RouterTarget
from tests.support.keys import shared_private_key

from .conftest import weak_pem

FAST = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_envelope_parser_refuses_with_typed_errors_only(fuzz_key) -> None:
    @FAST
    @given(parse_cases(fuzz_key))
    def prop(body: bytes) -> None:
        check_parse(body)

    prop()


def test_response_handling_yields_answers_or_security_errors_only(fuzz_key, loop) -> None:
    target = ResponseTarget(fuzz_key, loop)

    @FAST
    @given(target.cases())
    def prop(case) -> None:
        target.check(case)

    prop()


def test_router_endpoint_answers_200_or_4xx_and_keeps_serving(
    fuzz_key, loop, stub_upstream_server
) -> None:
    target = RouterTarget.in_process(
        loop, shared_private_key(), fuzz_key, weak_pem(), stub_upstream_server.url
    )
    try:

        @FAST
        @given(target.cases())
        def prop(case) -> None:
            target.check(case)

        prop()
        target.check_normal_request()
    finally:
        target.close()


def test_router_process_answers_200_or_4xx_and_keeps_serving(
    fuzz_key, loop, router_process
) -> None:
    router = router_process
    target = RouterTarget.over_http(
        loop, router.url, shared_private_key().public.pem, fuzz_key, weak_pem()
    )
    try:

        @settings(FAST, max_examples=60)
        @given(target.cases())
        def prop(case) -> None:
            target.check(case)

        prop()
        target.check_normal_request()
    finally:
        target.close()
    assert router.proc.poll() is None
    assert "Traceback" not in router.logs()


def test_the_checks_can_fail(fuzz_key, loop) -> None:
    # A check that accepted anything would make the properties above worthless.
    import json

    target = ResponseTarget(fuzz_key, loop)
    foreign = {"object": "chat.completion", "_metadata": {"payload_id": "someone-else"}}
    assert target.check(("sealed", json.dumps(foreign).encode())) == "SecurityError"
    with pytest.raises(AssertionError):
        check_parse(b"not an envelope") == "parsed" or _fail()


def _fail() -> None:
    raise AssertionError("refused, as it must be")
