"""nomyo_web: end-to-end encrypted, OpenAI-style chat completions, in CPython and Pyodide."""

import logging

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
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "ClientDisposedError",
    "ForbiddenError",
    "InvalidParameterError",
    "InvalidRequestError",
    "NomyoError",
    "RateLimitError",
    "ResponseTooLargeError",
    "SecureChatCompletion",
    "SecurityError",
    "ServerError",
    "ServiceUnavailableError",
    "__version__",
]


def __getattr__(name: str) -> object:
    # The client is imported lazily so `import nomyo_web.protocol` stays light.
    if name == "SecureChatCompletion":
        from .client import SecureChatCompletion

        return SecureChatCompletion
    raise AttributeError(f"module 'nomyo_web' has no attribute {name!r}")


logging.getLogger("nomyo_web").addHandler(logging.NullHandler())
