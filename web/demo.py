"""The demo page's Python: one nomyo_web client, and what it put on the wire.

demo.js loads Pyodide with nomyo-web (from the local lock, while Pyodide
starts), then imports this module and calls ``start()`` once and ``ask()`` per
request. Everything
here uses the package's public seams, never its internals:

* ``WireRecorder`` wraps the page's transport (``transport=``): it sees each
  request exactly as it goes to ``fetch`` — sealed body, headers — and reports
  a description of it (sizes, protocol headers, whether any text the user
  typed appears in the body) to the page. It never reports the API key.
* ``KeyWatch`` wraps the crypto backend (``crypto=``): when the client's key
  pair is generated -- or taken from the page, which starts generating it
  before Pyodide loads (``key_pair=``) -- it checks what a page script could
  do with the private ``CryptoKey`` (read ``extractable``, try ``exportKey``)
  and keeps only that report, never a reference to the key.

Nothing is written to any browser storage.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import js

from nomyo_web import SecureChatCompletion
from nomyo_web.crypto.webcrypto import WebCryptoBackend
from nomyo_web.transport import Request, Response
from nomyo_web.transport.fetch import FetchTransport

PREVIEW_CHARS = 44
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def shorten(text: str) -> str:
    """``text`` cut to a readable preview, with its full length."""
    if len(text) <= PREVIEW_CHARS:
        return text
    return f"{text[:PREVIEW_CHARS]}… ({len(text):,} chars)"


def envelope_preview(body: bytes) -> dict[str, Any]:
    """The envelope's version and algorithm, and the envelope with long values shortened."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return {"summary": "not JSON", "preview": shorten(body[:200].decode(errors="replace"))}

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return shorten(value)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        return value

    summary = f"{envelope.get('algorithm', '?')} v{envelope.get('version', '?')}"
    return {"summary": summary, "preview": json.dumps(walk(envelope), indent=2)}


def text_forms(text: str) -> list[bytes]:
    """The byte forms ``text`` would take in a JSON body: raw, and JSON-escaped both ways."""
    forms = {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    return [form.encode() for form in forms if form]


def describe_request(number: int, request: Request, watched: list[str]) -> dict[str, Any]:
    """What the page shows about one request; headers are read, the API key is not shown."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    entry: dict[str, Any] = {
        "number": number,
        "method": request.method,
        "path": urlsplit(request.url).path,
        "payload_id": headers.get("x-payload-id"),
        "tier": headers.get("x-security-tier"),
        "authorization": "bearer" if "authorization" in headers else None,
        "public_key_chars": len(headers.get("x-public-key", "")) or None,
        "status": None,
    }
    body = request.content
    if body is not None:
        entry["bytes"] = len(body)
        entry["prompt_in_body"] = any(form in body for text in watched for form in text_forms(text))
        entry.update(envelope_preview(body))
    return entry


class WireRecorder:
    """An ``AsyncTransport`` around the page's real one that reports each request."""

    def __init__(self, inner: Any, report: Any) -> None:
        self.inner = inner
        self.report = report  # a JavaScript function taking one JSON string
        self.watched: list[str] = []
        self.count = 0

    async def handle_async_request(self, request: Request) -> Response:
        self.count += 1
        entry = describe_request(self.count, request, self.watched)
        self.report(json.dumps(entry))
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException as error:
            entry.update(status="failed", error=type(error).__name__)
            self.report(json.dumps(entry))
            raise
        entry.update(
            status=response.status_code,
            response_bytes=len(response.content),
            ms=round((time.perf_counter() - started) * 1000),
        )
        self.report(json.dumps(entry))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class KeyWatch(WebCryptoBackend):
    """The WebCrypto backend, plus a report of what a script could do with each private key."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[dict[str, Any]] = []
        self.first_key = asyncio.Event()

    async def generate_private_key(self, bits: int = 4096) -> Any:
        started = time.perf_counter()
        handle = await super().generate_private_key(bits)
        ms = round((time.perf_counter() - started) * 1000)
        return await self._report(handle, bits, ms)

    async def adopt_key_pair(self, key_pair: object, bits: int = 4096) -> Any:
        """The page's own pair, checked by the backend; its generation time is the page's."""
        return await self._report(await super().adopt_key_pair(key_pair, bits), bits, None)

    async def _report(self, handle: Any, bits: int, ms: int | None) -> Any:
        self.reports.append(await probe_private_key(handle.native, bits, ms))
        self.first_key.set()
        return handle


async def probe_private_key(key: Any, bits: int, ms: int | None) -> dict[str, Any]:
    """What this page can learn about a private ``CryptoKey``: its flags, and export attempts."""
    report: dict[str, Any] = {
        "type": key.type,
        "algorithm": key.algorithm.name,
        "bits": bits,
        "extractable": bool(key.extractable),
        "usages": list(key.usages),
        "generated_ms": ms,
    }
    for export_format in ("pkcs8", "jwk"):
        try:
            await js.crypto.subtle.exportKey(export_format, key)
            report[f"export_{export_format}"] = "exported"
        except Exception as error:  # a JsException carrying the DOMException
            report[f"export_{export_format}"] = getattr(error, "name", type(error).__name__)
    return report


class Demo:
    """The page's client and its two watchers."""

    def __init__(self, base_url: str, report_wire: Any, key_pair: Any = None) -> None:
        host = urlsplit(base_url).hostname or ""
        self.wire = WireRecorder(FetchTransport(), report_wire)
        self.keys = KeyWatch()
        self.client = SecureChatCompletion(
            base_url=base_url,
            # Plain HTTP only for a router on this machine; anywhere else https:// is required.
            allow_http=urlsplit(base_url).scheme == "http" and host in LOOPBACK,
            max_retries=1,
            transport=self.wire,
            crypto=self.keys,
            key_pair=key_pair,
        )

    async def key_report(self) -> str:
        """Waits for the client's first key pair; its report as JSON."""
        await self.keys.first_key.wait()
        return json.dumps(self.keys.reports[-1])

    async def ask(self, params_json: str, watched_json: str) -> str:
        """One ``create()`` call; the completion, or the error, as JSON."""
        params = json.loads(params_json)
        self.wire.watched = [text for text in json.loads(watched_json) if text]
        started = time.perf_counter()
        try:
            completion = await self.client.create(**params)
        except Exception as error:
            return json.dumps({"ok": False, "error": describe_error(error)})
        ms = round((time.perf_counter() - started) * 1000)
        return json.dumps({"ok": True, "completion": completion, "ms": ms})

    def dispose(self) -> None:
        self.client.dispose()


def describe_error(error: Exception) -> dict[str, Any]:
    """An error as the page shows it: class, message, status, details."""
    return {
        "name": type(error).__name__,
        "message": str(getattr(error, "message", None) or error),
        "status_code": getattr(error, "status_code", None),
        "error_details": getattr(error, "error_details", None),
        "classes": [cls.__name__ for cls in type(error).__mro__ if cls not in (object,)],
    }


def start(base_url: str, report_wire: Any, key_pair: Any = None) -> Demo:
    """The page's one client, talking to ``base_url``; ``key_pair``: the page's first pair
    (the promise of a WebCrypto ``CryptoKeyPair``), or None to generate one here."""
    return Demo(base_url, report_wire, key_pair)
