"""The OpenAI Python SDK, end-to-end encrypted: httpx2 transports and ready-made clients.

::

    import httpx2, openai, nomyo_web

    client = openai.AsyncOpenAI(
        base_url="https://api.nomyo.ai/v1",
        api_key=os.environ["NOMYO_API_KEY"],
        http_client=httpx2.AsyncClient(
            transport=nomyo_web.AsyncSecureTransport(security_tier="high")
        ),
    )
    completion = await client.chat.completions.create(model="Qwen/Qwen3-0.6B", messages=[...])

    # or, the same in one call:
    client = nomyo_web.openai.secure_async_openai(security_tier="high")

Public names:

* ``AsyncSecureTransport`` (``httpx2.AsyncBaseTransport``) and ``SecureTransport``
  (``httpx2.BaseTransport``), for ``openai.AsyncOpenAI`` and ``openai.OpenAI``;
* ``secure_async_openai()`` and ``secure_openai()``: those clients, ready-made;
* ``LegacyAsyncSecureTransport`` and ``LegacySecureTransport``: the same for a
  legacy ``httpx`` client (CPython only);
* ``SealerOptions``: the transports' keyword options, typed.

Only ``POST <base_url>/chat/completions`` is sealed; every other endpoint is
refused with ``UnsupportedEndpointError`` before anything is sent.
``stream=True`` works: the protocol answers whole, so the answer arrives at
once, replayed as a valid event stream of ``chat.completion.chunk`` events.
Retries are the SDK's (``max_retries``); a failed security check is raised as
``nomyo_web.SecurityError``, never answered as an HTTP status. Needs
``pip install "nomyo-web[openai]"`` (in Pyodide: ``micropip.install("openai")``).
The async transport needs an asyncio event loop (not trio).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

MISSING_EXTRA = (
    "nomyo_web.openai needs httpx2 and the openai SDK: "
    'pip install "nomyo-web[openai]"; in Pyodide, micropip.install("openai")'
)

if TYPE_CHECKING:
    from ._clients import secure_async_openai, secure_openai
    from ._legacy import LegacyAsyncSecureTransport, LegacySecureTransport
    from ._sealing import SealerOptions
    from ._transports import AsyncSecureTransport, SecureTransport

__all__ = [
    "AsyncSecureTransport",
    "LegacyAsyncSecureTransport",
    "LegacySecureTransport",
    "SealerOptions",
    "SecureTransport",
    "secure_async_openai",
    "secure_openai",
]

# Everything is imported on first use: the pure parts (``_call``, ``_sse``, ``_answers``)
# need neither httpx2 nor openai.
_LAZY = {
    "AsyncSecureTransport": "._transports",
    "SecureTransport": "._transports",
    "SealerOptions": "._sealing",
    "secure_async_openai": "._clients",
    "secure_openai": "._clients",
    "LegacyAsyncSecureTransport": "._legacy",
    "LegacySecureTransport": "._legacy",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals(), __all__)
