"""What the async and the sync client share: the constructor, the attributes, and
turning one ``create()`` call into what the core takes (plaintext, ``CallOptions``).

The constructor is ``nomyo`` 0.2.9's, in its order —
``(base_url, allow_http, api_key, secure_memory, key_dir, max_retries)`` —
followed by this package's own options, keyword-only.
"""

from __future__ import annotations

import logging
import os
import warnings
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from . import _options as options
from ._core import CallOptions, ClientCore
from ._request import check_parameters, serialise_request
from .crypto import CryptoBackend
from .protocol import ResponseAuth, SecurityTier
from .transport import AsyncTransport

__all__ = ["CREATE_DOC", "ClientBase"]

HTTP_WARNING = (
    "nomyo_web: allow_http=True sends to {url} over plain HTTP; the server key can be "
    "substituted and the API key read on the way. Use it for local development only."
)

CREATE_DOC = """Create a chat completion, sealed end to end{how}.

Works as ``nomyo``'s ``create()``: every keyword that is not a client option
below is an OpenAI chat-completions parameter and goes into the sealed payload
untouched (``temperature``, ``tools``, ``response_format``, ``service_tier``, ...).

Args:
    model: the model to use, e.g. ``"Qwen/Qwen3-0.6B"``.
    messages: the conversation: any sequence of message dicts
        (``{{"role": "user", "content": "..."}}``).
    security_tier: ``"standard"``, ``"high"`` or ``"maximum"``; sent as the
        ``X-Security-Tier`` header, never in the payload (None: the server's default).
    api_key: this call's API key instead of the client's.
    timeout: seconds per attempt for this call (None: no limit); the client's if left out.
    max_retries: retries for this call; the client's if None.
    base_url: another server for this call (its key is fetched and cached apart).
    response_auth: ``"auto"`` or ``"required"`` for this call; the client's if left out.
    extra_body: extra fields merged into the payload last, as in the OpenAI SDK.
    **params: OpenAI chat-completions parameters.

Returns:
    The decrypted ``chat.completion`` as a dict, with ``_metadata``
    (``payload_id``, ``processed_at``, ``security_tier``, ...).

Raises:
    InvalidParameterError: a bad argument, or a keyword that is a misspelt client
        option (``security_teir``): nothing was sent.
    AuthenticationError, ForbiddenError, InvalidRequestError, RateLimitError,
    ServerError, ServiceUnavailableError, APIError: the server's HTTP status.
    APIConnectionError, APITimeoutError: no usable answer after the retries.
    SecurityError: plain HTTP without ``allow_http``, a server key that fails its
        check or pin, or an answer that fails verification.
    ClientDisposedError: the client was disposed.{raises}
"""


class ClientBase:
    """An end-to-end encrypted chat-completion client for NOMYO endpoints.

    Every request is sealed with a fresh AES-256-GCM key wrapped for the
    server's RSA key; the answer comes back sealed to this client's own RSA-4096
    key pair, which lives in memory only and is rotated. The constructor takes
    ``nomyo``'s arguments in ``nomyo``'s order, then this package's own options
    (keyword-only).
    """

    def __init__(
        self,
        base_url: str | None = None,
        allow_http: bool = False,
        api_key: str | None = None,
        secure_memory: bool = True,
        key_dir: str | None = None,
        max_retries: int = options.DEFAULT_MAX_RETRIES,
        *,
        timeout: float | None = options.DEFAULT_TIMEOUT,
        key_rotation_interval: float | None = options.DEFAULT_KEY_ROTATION_INTERVAL,
        server_key_fingerprint: str | None = None,
        transport: AsyncTransport | None = None,
        logger: logging.Logger | None = None,
        crypto: CryptoBackend | None = None,
        response_auth: ResponseAuth = "auto",
        key_pair: object | None = None,
    ) -> None:
        """Check the options and start generating the client key pair.

        Args:
            base_url: the server (``https://`` unless ``allow_http``); default
                ``NOMYO_BASE_URL`` from the environment, else ``https://api.nomyo.ai``.
            allow_http: allow ``http://`` (local development only; warns once per URL).
            api_key: sent as ``Authorization: Bearer``; default ``NOMYO_API_KEY`` from
                the environment. Also a settable attribute.
            secure_memory: accepted for ``nomyo`` compatibility. This client always
                overwrites the buffers Python lets it overwrite (the serialised request,
                the opened answer, AES keys); Python cannot lock pages or zero ``str``.
            key_dir: must be None: keys never touch the disk, by design.
            max_retries: retries of 429, 500, 502, 503, 504 and network failures.
            timeout: seconds per attempt (None: no limit).
            key_rotation_interval: seconds between client key pairs; None or 0: never.
            server_key_fingerprint: pin: the SHA-256 hex of the server key's
                SubjectPublicKeyInfo; any other key is refused.
            transport: an ``AsyncTransport`` used on every event loop and closed by its
                owner; default: one of the runtime's per loop (httpx, or ``fetch``).
            logger: where diagnostics go; default the silent ``nomyo_web`` logger.
            crypto: a ``CryptoBackend``; default the runtime's (``cryptography`` or
                WebCrypto).
            response_auth: answers without a ``response_mac`` (the extension that binds
                an answer to its request's AES key): ``"auto"`` accepts them, as servers
                without the extension send today; ``"required"`` refuses them with
                SecurityError, which closes the forged-answer hole against an
                intermediary. A MAC that is present is always checked.
            key_pair: Pyodide only: the first client key pair, which the page began
                generating in JavaScript before Pyodide had loaded (a WebCrypto
                ``CryptoKeyPair``, or the promise ``crypto.subtle.generateKey``
                returned). It must be RSA-OAEP, SHA-256, 4096 bits, exponent 65537,
                its private key non-extractable with the ``unwrapKey`` usage; it is
                checked before its first use, never exported, and rotated like a
                pair of the client's own. A refused pair fails every call with
                SecurityError saying why.

        Raises:
            InvalidParameterError: a bad option, a ``key_dir``, or a ``key_pair`` outside
                Pyodide (the ``cryptography`` backend cannot take one).
            SecurityError: an ``http://`` base URL without ``allow_http``.
            APIConnectionError: the TLS set-up (the CA bundle) cannot be read.
        """
        options.check_key_dir(key_dir)
        self._allow_http = bool(allow_http)
        self._secure_memory = bool(secure_memory)
        self._base = options.check_base_url(base_url, self._allow_http)
        self._api_key = options.check_api_key(
            os.environ.get("NOMYO_API_KEY") if api_key is None else api_key
        )
        self._max_retries = options.check_max_retries(max_retries)
        self._timeout = options.check_timeout(timeout)
        self._response_auth = options.check_response_auth(response_auth)
        self._core = ClientCore(
            crypto=crypto,
            transport=transport,
            key_rotation_interval=options.check_rotation_interval(key_rotation_interval),
            server_key_fingerprint=server_key_fingerprint,
            logger=logger,
            key_pair=key_pair,
        )
        # Closes the client's own loop thread, if it started one, when the client goes.
        weakref.finalize(self, self._core.shutdown)
        self._warned_http: set[str] = set()
        self._warn_if_http(self._base, stacklevel=3)
        self._start()

    def _start(self) -> None:
        """Begin generating the key pair where this front end runs its calls."""
        self._core.start()

    def __repr__(self) -> str:
        state = "disposed" if self._core.disposed else "open"
        return f"<{type(self).__name__} base_url={self._base.url!r} {state}>"

    # -- attributes ----------------------------------------------------------

    @property
    def api_key(self) -> str | None:
        """The API key of later calls (settable, as in ``nomyo``); None sends none."""
        return self._api_key

    @api_key.setter
    def api_key(self, value: str | None) -> None:
        self._api_key = options.check_api_key(value)

    @property
    def max_retries(self) -> int:
        """Retries of later calls (settable)."""
        return self._max_retries

    @max_retries.setter
    def max_retries(self, value: int) -> None:
        self._max_retries = options.check_max_retries(value)

    @property
    def timeout(self) -> float | None:
        """Seconds per attempt of later calls (settable; None: no limit)."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._timeout = options.check_timeout(value)

    @property
    def base_url(self) -> str:
        """The server, without a trailing slash."""
        return self._base.url

    @property
    def allow_http(self) -> bool:
        """Whether ``http://`` base URLs are allowed."""
        return self._allow_http

    @property
    def secure_memory(self) -> bool:
        """As given; buffers are overwritten either way (see the constructor)."""
        return self._secure_memory

    # -- one call -------------------------------------------------------------

    def _warn_if_http(self, base: options.BaseUrl, stacklevel: int) -> None:
        if not base.is_https and base.url not in self._warned_http:
            self._warned_http.add(base.url)
            warnings.warn(HTTP_WARNING.format(url=base.url), UserWarning, stacklevel=stacklevel)

    def _prepare(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        params: dict[str, Any],
        *,
        security_tier: SecurityTier | None,
        api_key: str | None,
        timeout: float | options.NotGiven | None,
        max_retries: int | None,
        base_url: str | None,
        response_auth: ResponseAuth | options.NotGiven,
        extra_body: Mapping[str, Any] | None,
    ) -> tuple[bytearray, CallOptions]:
        """This call's plaintext (the caller wipes it) and options; nothing is sent yet."""
        self._core.check_open()
        check_parameters(params)
        base = self._base
        if base_url is not None:
            base = options.check_base_url(base_url, self._allow_http)
            self._warn_if_http(base, stacklevel=5)
        call = CallOptions(
            base.url,
            self._api_key if api_key is None else options.check_api_key(api_key),
            options.check_tier(security_tier),
            self._timeout if timeout is options.NOT_GIVEN else options.check_timeout(timeout),
            self._max_retries if max_retries is None else options.check_max_retries(max_retries),
            self._response_auth
            if response_auth is options.NOT_GIVEN
            else options.check_response_auth(response_auth),
        )
        return serialise_request(model, messages, params, extra_body), call
