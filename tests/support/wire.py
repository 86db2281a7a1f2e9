"""Hand-made protocol requests for router tests: seal a chat request, open the answer.

Built on the package's protocol and pyca backend, because these tests are
about the router's behaviour; the wire format itself is proven by the vectors.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    PATH_SECURE_COMPLETION,
    build_envelope,
    encode_public_key_header,
    parse_envelope,
)

from .keys import shared_private_key

__all__ = ["Caller", "chat"]

backend = PycaBackend()


def chat(text: str = "hello router", model: str = "test-model", **params: Any) -> dict[str, Any]:
    """A minimal chat request whose last user message is ``text``."""
    return {"model": model, "messages": [{"role": "user", "content": text}], **params}


@dataclass
class Caller:
    """A client of one router: its URL, the router's public key, and our key pair."""

    url: str
    key: PrivateKeyHandle
    server_pem: str

    @classmethod
    def of(cls, url: str, key: PrivateKeyHandle | None = None) -> Caller:
        pem = httpx.get(url + "/pki/public_key", timeout=10).text
        return cls(url, key or shared_private_key(), pem)

    def seal(self, payload: dict[str, Any] | bytes, server_pem: str | None = None) -> bytes:
        """The envelope of ``payload`` (a dict is JSON-encoded) for the router's key."""
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        server_key = backend.load_public_key_sync(server_pem or self.server_pem)
        return build_envelope(backend.seal_sync(data, server_key))

    def headers(
        self, payload_id: str | None = None, extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Payload-ID": payload_id or str(uuid.uuid4()),
            "X-Public-Key": encode_public_key_header(self.key.public.pem),
        }
        headers.update(extra or {})
        return headers

    def post(
        self, body: bytes, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> httpx.Response:
        return httpx.post(
            self.url + PATH_SECURE_COMPLETION,
            content=body,
            headers=headers if headers is not None else self.headers(),
            timeout=timeout,
        )

    def ask(
        self,
        payload: dict[str, Any],
        extra: dict[str, str] | None = None,
        payload_id: str | None = None,
    ) -> httpx.Response:
        """Seal ``payload``, post it with fresh headers (plus ``extra``), return the answer."""
        return self.post(self.seal(payload), self.headers(payload_id, extra))

    def open(self, answer: httpx.Response | bytes) -> dict[str, Any]:
        """The decrypted ``chat.completion`` in a 200 answer."""
        body = answer if isinstance(answer, bytes) else answer.content
        sealed = parse_envelope(body).sealed
        value: dict[str, Any] = json.loads(bytes(backend.open_sync(sealed, self.key)))
        return value
