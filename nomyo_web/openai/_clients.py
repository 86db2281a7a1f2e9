"""Ready-made OpenAI SDK clients whose chat completions are sealed end to end.

``secure_async_openai()`` and ``secure_openai()`` return an unmodified
``openai.AsyncOpenAI`` / ``openai.OpenAI`` whose ``http_client`` carries our
transport, with NOMYO's defaults: the base URL ``https://api.nomyo.ai/v1``
(or ``$NOMYO_BASE_URL`` + ``/v1``) and the API key from ``NOMYO_API_KEY``.
``OPENAI_API_KEY`` is never read: an OpenAI key must not be sent to another
service by accident.
"""

from __future__ import annotations

import os
from typing import Any, Unpack

from ..errors import InvalidParameterError
from . import MISSING_EXTRA
from ._sealing import SealerOptions
from ._transports import AsyncSecureTransport, SecureTransport

try:
    import httpx2
    import openai
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(MISSING_EXTRA) from missing

__all__ = ["DEFAULT_OPENAI_BASE_URL", "secure_async_openai", "secure_openai"]

DEFAULT_OPENAI_BASE_URL = "https://api.nomyo.ai/v1"


def _base_url(base_url: str | None) -> str:
    if base_url is not None:
        return base_url
    origin = os.environ.get("NOMYO_BASE_URL")
    return origin.rstrip("/") + "/v1" if origin else DEFAULT_OPENAI_BASE_URL


def _api_key(api_key: str | None) -> str:
    key = api_key if api_key is not None else os.environ.get("NOMYO_API_KEY")
    if not key:
        raise InvalidParameterError(
            "no API key: pass api_key=... or set NOMYO_API_KEY (OPENAI_API_KEY is "
            "deliberately not read, so an OpenAI key is never sent to NOMYO)"
        )
    return key


def secure_async_openai(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    openai_options: dict[str, Any] | None = None,
    **options: Unpack[SealerOptions],
) -> openai.AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` whose chat completions are sealed (``AsyncSecureTransport``).

    Args:
        api_key: the NOMYO API key (default ``NOMYO_API_KEY``).
        base_url: the OpenAI-style base URL, with its ``/v1`` (default
            ``$NOMYO_BASE_URL/v1``, else ``https://api.nomyo.ai/v1``).
        openai_options: more ``openai.AsyncOpenAI`` arguments (``max_retries``,
            ``timeout``, ``default_headers`` ...; headers are not sent, only the
            protocol's own are).
        **options: the transport's (``SealerOptions``): ``security_tier``,
            ``allow_http``, ``server_key_fingerprint``, ``response_auth``, ...

    Raises:
        InvalidParameterError: no API key, or a bad transport option.
    """
    transport = AsyncSecureTransport(**options)
    return openai.AsyncOpenAI(
        api_key=_api_key(api_key),
        base_url=_base_url(base_url),
        http_client=httpx2.AsyncClient(transport=transport),
        **(openai_options or {}),
    )


def secure_openai(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    openai_options: dict[str, Any] | None = None,
    **options: Unpack[SealerOptions],
) -> openai.OpenAI:
    """An ``openai.OpenAI`` whose chat completions are sealed (``SecureTransport``);
    the arguments are ``secure_async_openai``'s."""
    transport = SecureTransport(**options)
    return openai.OpenAI(
        api_key=_api_key(api_key),
        base_url=_base_url(base_url),
        http_client=httpx2.Client(transport=transport),
        **(openai_options or {}),
    )
