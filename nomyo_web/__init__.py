"""nomyo_web: end-to-end encrypted, OpenAI-style chat completions, in CPython and Pyodide.

Code written for the official client ``nomyo`` 0.2.9 runs unchanged with only
the import switched::

    from nomyo_web import SecureChatCompletion

    client = SecureChatCompletion(api_key="...")
    response = await client.create(model="Qwen/Qwen3-0.6B", messages=[...])
    print(response["choices"][0]["message"]["content"])

Public names:

* ``SecureChatCompletion`` — the async client (any event loop);
* ``SyncSecureChatCompletion`` — the same, blocking (CPython any thread; Pyodide with JSPI);
* ``AsyncSecureTransport`` and ``SecureTransport`` — httpx2 transports that seal the
  OpenAI SDK's chat completions (``nomyo_web.openai``; the ``openai`` extra);
* the errors, all ``NomyoError``: ``APIError`` and one subclass per HTTP status,
  ``APIConnectionError``, ``APITimeoutError``, ``SecurityError``,
  ``InvalidParameterError``, ``UnsupportedEndpointError``, ``ClientDisposedError``,
  ``SyncUnsupportedError``;
* ``nomyo``'s memory helpers: ``get_memory_protection_info``,
  ``enable_secure_memory``, ``disable_secure_memory``, ``secure_bytearray``,
  ``secure_bytes``, ``SecureBuffer``;
* ``SecurityTier`` and ``ResponseAuth`` — the types of ``security_tier`` and
  ``response_auth``; ``__version__``.

The clients, the transports and the memory helpers are imported on first use, so importing
``nomyo_web.protocol`` (as the router does) stays light.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ClientDisposedError,
    ForbiddenError,
    InvalidParameterError,
    InvalidRequestError,
    NomyoError,
    RateLimitError,
    ResponseTooLargeError,
    SecurityError,
    ServerError,
    ServiceUnavailableError,
    SyncUnsupportedError,
    UnsupportedEndpointError,
)
from .protocol import ResponseAuth, SecurityTier

if TYPE_CHECKING:
    from .client import SecureChatCompletion
    from .memory import (
        SecureBuffer,
        disable_secure_memory,
        enable_secure_memory,
        get_memory_protection_info,
        secure_bytearray,
        secure_bytes,
    )
    from .openai import AsyncSecureTransport, SecureTransport
    from .sync import SyncSecureChatCompletion

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncSecureTransport",
    "AuthenticationError",
    "ClientDisposedError",
    "ForbiddenError",
    "InvalidParameterError",
    "InvalidRequestError",
    "NomyoError",
    "RateLimitError",
    "ResponseAuth",
    "ResponseTooLargeError",
    "SecureBuffer",
    "SecureChatCompletion",
    "SecureTransport",
    "SecurityError",
    "SecurityTier",
    "ServerError",
    "ServiceUnavailableError",
    "SyncSecureChatCompletion",
    "SyncUnsupportedError",
    "UnsupportedEndpointError",
    "__version__",
    "disable_secure_memory",
    "enable_secure_memory",
    "get_memory_protection_info",
    "secure_bytearray",
    "secure_bytes",
]

_LAZY = {
    "SecureChatCompletion": ".client",
    "SyncSecureChatCompletion": ".sync",
    "AsyncSecureTransport": ".openai",
    "SecureTransport": ".openai",
    "SecureBuffer": ".memory",
    "disable_secure_memory": ".memory",
    "enable_secure_memory": ".memory",
    "get_memory_protection_info": ".memory",
    "secure_bytearray": ".memory",
    "secure_bytes": ".memory",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals(), __all__)


logging.getLogger("nomyo_web").addHandler(logging.NullHandler())
