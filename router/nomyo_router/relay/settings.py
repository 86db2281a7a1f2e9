"""What a relay needs to know: where NOMYO is, and the API key it adds on the way."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..config import RouterConfig

__all__ = ["UPSTREAM_API_KEY_ENV", "RelaySettings", "check_api_key", "check_upstream_url"]

UPSTREAM_API_KEY_ENV = "NOMYO_API_KEY"
"""The only place the relay's API key comes from on the command line: never a flag
(visible in ``ps``) and never a file beside the pages."""


def check_upstream_url(url: str, allow_http: bool) -> str:
    """``url`` without a trailing slash; ValueError unless it is a plain https base URL
    (or http, with ``allow_http``)."""
    parts = urlsplit(url)
    if parts.scheme == "http" and not allow_http:
        raise ValueError(
            "an http:// relay URL sends the API key in the clear: use https://, or "
            "--relay-http-for-development on a development machine"
        )
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("the relay URL must be an http(s)://HOST[:PORT][/PATH] base URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the relay URL takes no user, password, query or fragment")
    return url.rstrip("/")


def check_api_key(key: str) -> str:
    """``key`` if it can go in an ``Authorization`` header as it is; else ValueError."""
    if not key or not key.isascii() or not key.isprintable() or " " in key:
        raise ValueError(
            f"the upstream API key ({UPSTREAM_API_KEY_ENV}) must be non-empty printable ASCII "
            "without spaces"
        )
    return key


@dataclass(frozen=True)
class RelaySettings:
    """A relay to ``upstream`` (a NOMYO base URL) that adds ``api_key`` to each request.

    ``timeout``: seconds for one upstream answer (past it: 504); ``body_timeout``:
    seconds for a caller's body to arrive (408); ``rate_limit``: requests per minute
    per caller (address, or caller API key with ``caller_api_keys``);
    ``cors_origins``: the browser origins that may call it.
    """

    upstream: str
    api_key: str = field(repr=False)
    allow_http: bool = False
    timeout: float = 300.0
    body_timeout: float = 60.0
    rate_limit: int | None = None
    auth_failure_limit: int = 10
    caller_api_keys: tuple[str, ...] = field(default=(), repr=False)
    cors_origins: tuple[str, ...] = ()
    state: str = field(default="memory", repr=False)  # where the limits live (--state)

    def __post_init__(self) -> None:
        object.__setattr__(self, "upstream", check_upstream_url(self.upstream, self.allow_http))
        check_api_key(self.api_key)

    @classmethod
    def from_env(cls, upstream: str, **options: object) -> RelaySettings:
        """Settings whose API key is ``$NOMYO_API_KEY``; ValueError when it is not set."""
        key = os.environ.get(UPSTREAM_API_KEY_ENV, "")
        if not key:
            raise ValueError(f"the relay needs the upstream API key in ${UPSTREAM_API_KEY_ENV}")
        return cls(upstream, key, **options)  # type: ignore[arg-type]

    @classmethod
    def from_config(cls, config: RouterConfig) -> RelaySettings:
        """The relay the command line asked for (``--relay``, with $NOMYO_API_KEY read)."""
        if config.relay is None or config.relay_api_key is None:
            raise ValueError("not a relay configuration")
        return cls(
            config.relay,
            config.relay_api_key,
            allow_http=config.relay_http_for_development,
            timeout=config.upstream_timeout,
            body_timeout=config.body_timeout,
            rate_limit=config.rate_limit,
            auth_failure_limit=config.auth_failure_limit,
            caller_api_keys=tuple(config.api_keys),
            cors_origins=tuple(config.cors_origins),
            state=config.state or "memory",
        )
