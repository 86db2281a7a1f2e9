"""The production shape: a relay to an https:// upstream (no development flag), with the
upstream's certificate checked against the trusted CAs; and a relay of several workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.client.mitm import Mitm
from tests.relay.test_relay import PATH, PROTOCOL_HEADERS, ask, client
from tests.support.relay import RELAY_KEY, start_relay
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.test_examples import Tls, make_test_tls


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_test_tls(tmp_path_factory.mktemp("relay-tls"))


@pytest.fixture(scope="module")
def https_standin(stub_upstream_server: StubUpstream, tls: Tls) -> Iterator[RouterProcess]:
    flags = ["--upstream", stub_upstream_server.url, "--api-key", RELAY_KEY]
    with start_router(*flags, "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)) as router:
        assert router.url.startswith("https://")
        yield router


def https_relay(upstream: str, ca: Path | None) -> RouterProcess:
    env = {"NOMYO_API_KEY": RELAY_KEY, "SSL_CERT_FILE": str(ca) if ca else "/nonexistent"}
    return start_router("--relay", upstream, env=env)


async def test_a_relay_to_an_https_upstream_checks_its_certificate(
    https_standin: RouterProcess, tls: Tls, stub_upstream: StubUpstream
) -> None:
    with https_relay(https_standin.url, tls.ca) as relay:
        async with client(relay.url) as chat:
            answer = await chat.create(**ask("over https"))
    assert answer["choices"][0]["message"]["content"] == "over https"


def test_an_untrusted_upstream_certificate_is_refused(
    https_standin: RouterProcess, stub_upstream: StubUpstream
) -> None:
    with https_relay(https_standin.url, None) as relay:
        key = httpx.get(relay.url + "/pki/public_key")
        post = httpx.post(relay.url + PATH, content=b"{}", headers=PROTOCOL_HEADERS)
        logs = relay.logs()
    assert (key.status_code, post.status_code) == (502, 502)
    assert "SSLCertVerificationError" in logs and "Traceback" not in logs
    assert stub_upstream.calls == 0


async def test_a_relay_runs_with_several_workers(wire: Mitm) -> None:
    with start_relay(wire.url, "--workers", "2") as relay:
        async with client(relay.url) as chat:
            answers = [await chat.create(**ask(f"worker {n}")) for n in range(4)]
    assert [a["choices"][0]["message"]["content"] for a in answers] == [
        f"worker {n}" for n in range(4)
    ]
    assert {post.headers["Authorization"] for post in wire.posts()} == {f"Bearer {RELAY_KEY}"}
