"""Checking the client's options: base URL, API key, tier, timeout, retries,
response authentication, the key directory.

A value that could not travel in an HTTP request line or header (control
characters, CR/LF, NUL, spaces, and for the API key anything beyond visible
ASCII) is an ``InvalidParameterError`` here, before the HTTP client sees it.
Messages never repeat the API key, and the errors have no cause or context.
"""

from __future__ import annotations

import enum
import math
import os
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import SplitResult, urlsplit

from .errors import InvalidParameterError, SecurityError
from .protocol import (
    RESPONSE_AUTH_MODES,
    SECURITY_TIERS,
    ResponseAuth,
    SecurityTier,
    is_response_auth,
    is_security_tier,
)

DEFAULT_BASE_URL = "https://api.nomyo.ai"
DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_KEY_ROTATION_INTERVAL = 3600.0


class NotGiven(enum.Enum):
    """The type of ``NOT_GIVEN``: a per-call option left out (the client's own applies)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
"""Stands for "not given" where None means something (``timeout=None``: no limit)."""

KEY_DIR_REFUSED = (
    "key_dir is not supported: nomyo_web keeps its key pair in memory only and never "
    "writes it to disk, by design. Leave key_dir out (or None): each client generates its "
    "own RSA-4096 pair in memory and rotates it (key_rotation_interval). To trust only a "
    "known server, pin its key with server_key_fingerprint=..."
)


@dataclass(frozen=True, slots=True)
class BaseUrl:
    """A checked base URL, without a trailing slash."""

    url: str
    is_https: bool


def check_base_url(value: str | None, allow_http: bool) -> BaseUrl:
    """``https://`` always; ``http://`` only with allow_http (SecurityError otherwise)."""
    if value is None:
        value = os.environ.get("NOMYO_BASE_URL") or DEFAULT_BASE_URL
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError("base_url must be a non-empty URL string")
    url = value.strip().rstrip("/")
    if not url.isprintable() or any(c.isspace() for c in url):
        raise InvalidParameterError("base_url must not contain spaces or control characters")
    parts = _split_url(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameterError("base_url must be an https:// URL with a host")
    _check_host(parts.hostname)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidParameterError("base_url must not carry a query, fragment or credentials")
    if scheme == "http" and not allow_http:
        raise SecurityError(
            "base_url uses plain http://, which exposes the API key and the server key to "
            "anyone on the path; use https://, or pass allow_http=True for local development"
        )
    return BaseUrl(url, scheme == "https")


def _split_url(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port outside 0..65535
    except ValueError:
        raise InvalidParameterError("base_url is not a valid URL") from None
    return parts


def _check_host(host: str) -> None:
    """ASCII only, so every runtime's URL parser reads the same host; A-labels must decode."""
    if not host.isascii():
        raise InvalidParameterError(
            "base_url's host must be ASCII: write an international domain name in its "
            "xn-- (Punycode) form"
        )
    if "xn--" not in host.lower():
        return  # what the idna codec's own fast path returns, without importing it
    try:
        host.encode("ascii").decode("idna")
    except UnicodeError:
        raise InvalidParameterError("base_url's host is not a valid domain name") from None


def check_tier(value: Any) -> SecurityTier | None:
    if value is None:
        return None
    if not is_security_tier(value):
        shown = repr(value) if isinstance(value, str) else f"a {type(value).__name__}"
        # nomyo's wording, so programs that print it print the same.
        raise InvalidParameterError(
            f"Invalid security_tier: {shown[:40]}. Must be one of: {', '.join(SECURITY_TIERS)}"
        )
    return value


def check_key_dir(value: Any) -> Literal[None]:
    """None only: keys never touch the disk (InvalidParameterError saying so otherwise)."""
    if value is not None:
        raise InvalidParameterError(KEY_DIR_REFUSED)
    return None


def check_response_auth(value: Any) -> ResponseAuth:
    """``"auto"`` or ``"required"``; anything else is an InvalidParameterError."""
    if not is_response_auth(value):
        raise InvalidParameterError(
            f"response_auth must be one of {', '.join(map(repr, RESPONSE_AUTH_MODES))}"
        )
    mode: ResponseAuth = value
    return mode


def check_timeout(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParameterError("timeout must be a number of seconds or None")
    if not math.isfinite(value) or value <= 0:
        raise InvalidParameterError("timeout must be a positive number of seconds")
    return float(value)


def check_max_retries(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 100:
        raise InvalidParameterError("max_retries must be an integer from 0 to 100")
    return value


def check_rotation_interval(value: Any) -> float | None:
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameterError("key_rotation_interval must be seconds, 0 or None")
    if value < 1:
        raise InvalidParameterError("key_rotation_interval must be at least 1 second")
    return float(value)


def check_api_key(value: Any) -> str | None:
    """None for no key; else visible ASCII only (it travels as ``Authorization: Bearer``)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not all("!" <= c <= "~" for c in value):
        raise InvalidParameterError(
            "api_key must be a string of visible ASCII characters "
            "(no spaces, control characters or non-ASCII letters)"
        )
    return value
