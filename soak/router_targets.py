"""Fuzz target on the router's endpoint: hostile headers and bodies, in process or over HTTP.

``RouterTarget`` drives the real Starlette app through ``httpx.ASGITransport``
(volume) or a real router process over loopback HTTP (a sample), with the real
``UpstreamEngine`` in front of a real stub upstream. A case must get 200 (only
a well-sealed valid chat request can) or a 4xx with a JSON ``detail``; any 5xx,
any exception out of the app and any error logged by the router fail it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import strategies as st

from nomyo_router.app import build_app
from nomyo_router.config import RouterConfig
from nomyo_router.engines.upstream import UpstreamEngine
from nomyo_router.server_key import ServerKeys
from nomyo_web.crypto import PrivateKeyHandle, PublicKeyHandle
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import (
    PATH_SECURE_COMPLETION,
    build_envelope,
    encode_public_key_header,
    parse_envelope,
)

from .strategies import chat_plaintexts, envelope_bodies, header_values

__all__ = ["MARKER", "RouterTarget"]

MARKER = "FUZZ-MARK"
_backend = PycaBackend()


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@dataclass
class _Keys:
    server: PublicKeyHandle
    client: PrivateKeyHandle
    weak_pem: str


class RouterTarget:
    """One router (in-process app, or a process at ``url``) and the hostile requests for it."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        keys: _Keys,
        http: httpx.AsyncClient,
        engine: UpstreamEngine | None = None,
    ) -> None:
        self.loop, self.keys, self.http, self._engine = loop, keys, http, engine
        self.errors = _Errors()
        logging.getLogger("nomyo_web.router").addHandler(self.errors)
        envelope = build_envelope(_backend.seal_sync(self._chat("template"), keys.server))
        self.template = json.loads(envelope)

    @classmethod
    def in_process(
        cls,
        loop: asyncio.AbstractEventLoop,
        server_key: PrivateKeyHandle,
        client_key: PrivateKeyHandle,
        weak_pem: str,
        upstream: str,
    ) -> RouterTarget:
        config = RouterConfig(upstream=upstream, body_timeout=10.0)
        engine = UpstreamEngine(upstream, None, 10.0)
        loop.run_until_complete(engine.start())
        app = build_app(config, ServerKeys(server_key, None, 300.0), engine)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        http = httpx.AsyncClient(transport=transport, base_url="http://router.test", timeout=30)
        return cls(loop, _Keys(server_key.public, client_key, weak_pem), http, engine)

    @classmethod
    def over_http(
        cls,
        loop: asyncio.AbstractEventLoop,
        url: str,
        server_pem: str,
        client_key: PrivateKeyHandle,
        weak_pem: str,
    ) -> RouterTarget:
        http = httpx.AsyncClient(base_url=url, timeout=30, trust_env=False)
        server = _backend.load_public_key_sync(server_pem)
        return cls(loop, _Keys(server, client_key, weak_pem), http)

    def close(self) -> None:
        logging.getLogger("nomyo_web.router").removeHandler(self.errors)
        self.loop.run_until_complete(self.http.aclose())
        if self._engine is not None:
            self.loop.run_until_complete(self._engine.aclose())

    @staticmethod
    def _chat(text: str) -> bytes:
        chat = {"model": "m", "messages": [{"role": "user", "content": f"{MARKER} {text}"}]}
        return json.dumps(chat).encode()

    def cases(self) -> st.SearchStrategy[tuple[dict[str, bytes | None], bytes]]:
        good_key = encode_public_key_header(self.keys.client.public.pem)
        key_header = st.one_of(
            header_values(good_key),
            st.just(encode_public_key_header(self.keys.weak_pem).encode()),
            st.just(self.keys.client.public.pem.replace("\n", " ").encode()),
        )
        valid = st.builds(
            lambda u: {
                "x-payload-id": str(u).encode(),
                "x-public-key": good_key.encode(),
                "content-type": b"application/octet-stream",
            },
            st.uuids(),
        )
        fuzzed = st.fixed_dictionaries(
            {
                "x-payload-id": st.one_of(
                    st.uuids().map(lambda u: str(u).encode()), header_values(str(uuid.uuid4()))
                ),
                "x-public-key": key_header,
                "x-security-tier": st.one_of(
                    st.none(), st.sampled_from((b"standard", b"high")), header_values("maximum")
                ),
                "content-type": header_values("application/octet-stream"),
                "authorization": st.one_of(st.none(), header_values("Bearer k")),
            }
        )
        sealed = chat_plaintexts(MARKER).map(
            lambda plain: build_envelope(_backend.seal_sync(plain, self.keys.server))
        )
        headers = st.one_of(valid, valid, fuzzed)
        bodies = st.one_of(envelope_bodies(self.template), sealed)
        return st.tuples(headers, bodies)

    async def _post(self, headers: dict[str, bytes | None], body: bytes) -> httpx.Response:
        sent = {name: value for name, value in headers.items() if value is not None}
        return await self.http.post(PATH_SECURE_COMPLETION, headers=sent, content=body)

    def check(self, case: tuple[dict[str, bytes | None], bytes]) -> str:
        headers, body = case
        before = len(self.errors.records)
        try:
            response = self.loop.run_until_complete(self._post(headers, body))
        except (httpx.LocalProtocolError, UnicodeEncodeError):
            return "unsendable"  # our HTTP client refused the header bytes before sending
        assert len(self.errors.records) == before, f"router logged {self.errors.records[before:]}"
        status = response.status_code
        assert status == 200 or 400 <= status < 500, f"status {status}: {response.text[:200]}"
        if status != 200:
            detail = response.json()["detail"]
            assert isinstance(detail, str) and MARKER not in detail
            return f"{status}"
        parse_envelope(response.content)
        return "200"

    def check_normal_request(self) -> None:
        """A well-formed request gets its own answer: the router is still serving."""
        nonce = uuid.uuid4().hex
        payload_id = str(uuid.uuid4())
        headers = {
            "x-payload-id": payload_id.encode(),
            "x-public-key": encode_public_key_header(self.keys.client.public.pem).encode(),
            "content-type": b"application/octet-stream",
        }
        body = build_envelope(_backend.seal_sync(self._chat(nonce), self.keys.server))
        response = self.loop.run_until_complete(self._post(dict(headers), body))
        assert response.status_code == 200, f"normal request got {response.status_code}"
        sealed = parse_envelope(response.content).sealed
        answer: dict[str, Any] = json.loads(_backend.open_sync(sealed, self.keys.client))
        assert answer["_metadata"]["payload_id"] == payload_id
        assert answer["choices"][0]["message"]["content"] == f"{MARKER} {nonce}"
