"""Fuzz targets on the client side: the envelope parser and the response handling.

Each ``check_*`` takes one generated case, runs the real code, and returns an
outcome label; it raises AssertionError when the code did something it must
not (an untyped exception, a wrong error class, an answer bound to another
request accepted). Anything else escaping is a crash, reported as such.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from hypothesis import strategies as st

from nomyo_web import APIError, SecurityError
from nomyo_web._exchange import REJECTED, open_response
from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.errors import error_from_status
from nomyo_web.protocol import (
    EnvelopeFormatError,
    ParsedEnvelope,
    build_envelope,
    parse_envelope,
)
from nomyo_web.transport import Request, Response
from nomyo_web.transport.retry import send_with_retries

from .strategies import envelope_bodies, json_values

__all__ = ["ResponseTarget", "check_parse", "parse_cases"]

PAYLOAD_ID = "3f0c1f0e-6a61-4a36-9f3e-0d7a8f0e5b11"
_backend = PycaBackend()
_quiet = logging.getLogger("soak.quiet")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


def _template(key: PrivateKeyHandle, plaintext: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(build_envelope(_backend.seal_sync(plaintext, key.public), 1))
    return value


def parse_cases(key: PrivateKeyHandle) -> st.SearchStrategy[bytes]:
    return envelope_bodies(_template(key, b'{"x":1}'))


def check_parse(body: bytes) -> str:
    """``parse_envelope`` returns a ParsedEnvelope or raises EnvelopeFormatError, nothing else."""
    try:
        parsed = parse_envelope(body)
    except EnvelopeFormatError as error:
        assert error.problem and str(error), "an EnvelopeFormatError names its problem"
        return f"refused:{error.problem}"
    assert isinstance(parsed, ParsedEnvelope)
    assert len(parsed.sealed.nonce) == 12 and len(parsed.sealed.tag) == 16
    return "parsed"


class _Canned:
    """A transport that answers one prepared response (the seam is injectable by design)."""

    def __init__(self, response: Response) -> None:
        self.response = response

    async def handle_async_request(self, request: Request) -> Response:
        return self.response

    async def aclose(self) -> None:
        return None


def _completions(payload_id: str) -> st.SearchStrategy[Any]:
    metadata = st.one_of(
        st.just({"payload_id": payload_id}),
        st.builds(lambda v: {"payload_id": v}, json_values),
        json_values,
    )
    return st.one_of(
        st.builds(
            lambda m, extra: {"object": "chat.completion", "_metadata": m, **extra},
            metadata,
            st.dictionaries(st.text(max_size=6), json_values, max_size=3),
        ),
        json_values,
    )


class ResponseTarget:
    """``open_response`` and the status handling of ``send_with_retries``, with one client key."""

    def __init__(self, key: PrivateKeyHandle, loop: asyncio.AbstractEventLoop) -> None:
        self.key = key
        self.loop = loop
        ok = {"object": "chat.completion", "_metadata": {"payload_id": PAYLOAD_ID}}
        self.template = _template(key, json.dumps(ok).encode())

    def cases(self) -> st.SearchStrategy[tuple[Any, ...]]:
        headers = st.dictionaries(
            st.sampled_from(("retry-after", "retry-after-ms", "content-type")),
            st.text(max_size=30),
            max_size=2,
        )
        return st.one_of(
            envelope_bodies(self.template).map(lambda body: ("body", body)),
            _completions(PAYLOAD_ID).map(lambda value: ("sealed", json.dumps(value).encode())),
            st.binary(max_size=200).map(lambda raw: ("sealed", raw)),
            st.tuples(
                st.just("status"),
                st.integers(100, 599),
                headers,
                st.one_of(
                    st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())
                ),
            ),
        )

    def check(self, case: tuple[Any, ...]) -> str:
        if case[0] == "status":
            return self._check_status(case[1], case[2], case[3])
        body = case[1]
        if case[0] == "sealed":
            body = build_envelope(_backend.seal_sync(body, self.key.public), 1)
        return self._check_open(body)

    def _check_open(self, body: bytes) -> str:
        response = Response(200, {}, body)
        try:
            result = self.loop.run_until_complete(
                open_response(_backend, response, self.key, PAYLOAD_ID, _quiet)
            )
        except SecurityError as error:
            assert error.message == REJECTED and error.status_code is None
            return "SecurityError"
        assert isinstance(result, dict), "an accepted answer is a dict"
        assert result["_metadata"]["payload_id"] == PAYLOAD_ID, "bound to this request"
        return "accepted"

    def _check_status(self, status: int, headers: dict[str, str], body: bytes) -> str:
        request = Request("POST", "https://soak.invalid/v1/chat/secure_completion", {}, b"", 1.0)
        sent = send_with_retries(_Canned(Response(status, headers, body)), request, 0, _quiet)
        try:
            answer = self.loop.run_until_complete(sent)
        except APIError as error:
            assert status != 200 and error.status_code == status
            expected = type(error_from_status(status, None))
            assert type(error) is expected, f"{status} gave {type(error).__name__}"
            assert len(error.message) <= 600
            return f"{type(error).__name__}"
        assert status == 200 and answer.content == body
        return "passed-on"
