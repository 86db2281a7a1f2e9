"""The retry decision and the wait, as pure functions."""

from __future__ import annotations

import email.utils

import pytest

from nomyo_web.errors import (
    APIError,
    AuthenticationError,
    ForbiddenError,
    InvalidRequestError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    error_from_status,
    is_retryable_status,
)
from nomyo_web.protocol import parse_retry_after
from nomyo_web.transport.retry import MAX_DELAY, backoff_delay


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, ForbiddenError),
        (404, APIError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServiceUnavailableError),
        (504, ServerError),
        (418, APIError),
    ],
)
def test_status_mapping(status: int, cls: type[APIError]) -> None:
    error = error_from_status(status, {"detail": "why"})
    assert type(error) is cls
    assert error.status_code == status and error.error_details == {"detail": "why"}
    assert "why" in error.message


def test_error_without_body_has_no_details() -> None:
    error = error_from_status(500, None)
    assert error.error_details is None and error.status_code == 500
    assert error_from_status(500, ["x"]).error_details is None


# What nomyo 0.2.9 (SecureCompletionClient.send_secure_request) says for each status,
# with a detail and with a JSON body that has none.
NOMYO_WORDING = [
    (400, "Bad request: why", "Bad request: Unknown error"),
    (401, "why", "Invalid API key or authentication failed"),
    (403, "Forbidden: why", "Forbidden: Model not allowed for the requested security tier"),
    (404, "Endpoint not found: why", "Endpoint not found: Secure inference not enabled"),
    (429, "Rate limit exceeded: why", "Rate limit exceeded: unknown"),
    (500, "Server error: why", "Server error: unknown"),
    (502, "Unexpected status code: 502 why", "Unexpected status code: 502 unknown"),
    (503, "Service unavailable: why", "Service unavailable: unknown"),
    (504, "Unexpected status code: 504 why", "Unexpected status code: 504 unknown"),
    (418, "Unexpected status code: 418 why", "Unexpected status code: 418 unknown"),
]


@pytest.mark.parametrize(("status", "with_detail", "without"), NOMYO_WORDING)
def test_messages_are_worded_as_nomyo_words_them(status: int, with_detail: str, without: str):
    assert error_from_status(status, {"detail": "why"}).message == with_detail
    assert error_from_status(status, {}).message == without


def test_retryable_statuses() -> None:
    assert {s for s in range(100, 600) if is_retryable_status(s)} == {429, 500, 502, 503, 504}


def test_retry_after_seconds_date_and_ms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None, "250") == 0.25
    date = email.utils.formatdate(1000.0 + 7, usegmt=True)
    assert parse_retry_after(date, now=lambda: 1000.0) == pytest.approx(7.0)
    past = email.utils.formatdate(900.0, usegmt=True)
    assert parse_retry_after(past, now=lambda: 1000.0) == 0.0


@pytest.mark.parametrize("value", ["", "soon", "-1", "nan", "inf", "61", "1e9"])
def test_unreasonable_retry_after_is_ignored(value: str) -> None:
    assert parse_retry_after(value) is None


def test_backoff_grows_caps_and_jitters() -> None:
    assert backoff_delay(0, rand=lambda: 0.0) == 0.5
    assert backoff_delay(1, rand=lambda: 0.0) == 1.0
    assert backoff_delay(10, rand=lambda: 0.0) == MAX_DELAY
    assert backoff_delay(0, rand=lambda: 1.0) == 0.375
    assert backoff_delay(3, retry_after=2.0) == 2.0
