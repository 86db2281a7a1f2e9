"""The router's settings, as parsed from the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_AUTH_FAILURE_LIMIT",
    "DEFAULT_HOST",
    "DEFAULT_MODEL_NAME",
    "DEFAULT_PORT",
    "MODEL_PATH_ENV",
    "RouterConfig",
    "default_model_path",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 12435
DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_AUTH_FAILURE_LIMIT = 10  # failed authentications per minute per client address
MODEL_PATH_ENV = "NOMYO_MODEL_PATH"


def default_model_path() -> Path:
    """``$NOMYO_MODEL_PATH``; else ``models/<SmolLM2 GGUF>`` in the working directory,
    else in the source checkout (where its ``python -m devtools.model`` puts it)."""
    configured = os.environ.get(MODEL_PATH_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    candidates = [
        Path.cwd() / "models" / DEFAULT_MODEL_NAME,
        Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL_NAME,
    ]
    return next((path for path in candidates if path.exists()), candidates[0])


@dataclass
class RouterConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    upstream: str | None = None
    upstream_api_key: str | None = None
    upstream_timeout: float = 300.0
    model: Path = field(default_factory=default_model_path)
    threads: int | None = None  # None: the embedded engine's measured default
    api_keys: list[str] = field(default_factory=list)
    tier_models: dict[str, frozenset[str]] = field(default_factory=dict)
    key_file: Path | None = None
    key_grace: float = 300.0
    rate_limit: int | None = None
    auth_failure_limit: int = DEFAULT_AUTH_FAILURE_LIMIT
    trusted_proxies: list[str] = field(default_factory=list)  # addresses or CIDR networks
    cors_origins: list[str] = field(default_factory=list)
    relay: str | None = None  # a relay to this NOMYO base URL instead of a router
    relay_http_for_development: bool = False
    relay_api_key: str | None = field(default=None, repr=False)  # from $NOMYO_API_KEY only
    tls_cert: Path | None = None
    tls_key: Path | None = None
    workers: int = 1
    log_level: str = "info"
    body_timeout: float = 60.0
    header_timeout: float = 10.0
    keep_alive_timeout: float = 5.0
    drain_timeout: float = 30.0
    replay_entries: int = 4096
    replay_bytes: int = 64 * 1024 * 1024
    replay_ttl: float = 600.0
    # memory, sqlite:///PATH or redis://...; None: memory with one worker, else a SQLite
    # file in a private temporary folder the parent makes (runner.py)
    state: str | None = None
