"""What the router answers to good, malformed, oversized and truncated requests."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from nomyo_web.protocol import MAX_ENVELOPE_BYTES, encode_public_key_header
from tests.support.keys import unknown_curve_pem
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

DECRYPTION_FAILED = {"detail": "Payload decryption failed", "code": "decryption_failed"}


@pytest.fixture(scope="module")
def caller(router_url: str) -> Caller:
    return Caller.of(router_url)


def _pem(key: Any) -> str:
    data: bytes = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data.decode()


def _envelope(caller: Caller, **changes: Any) -> bytes:
    value = json.loads(caller.seal(chat()))
    for name, change in changes.items():
        if name.startswith("payload_"):
            value["encrypted_payload"][name.removeprefix("payload_")] = change
        elif change is None:
            del value[name]
        else:
            value[name] = change
    return json.dumps(value).encode()


def _assert_still_serving(url: str) -> None:
    assert httpx.get(url + "/healthz", timeout=10).status_code == 200


def test_a_sealed_request_is_answered_with_metadata(caller: Caller, stub_upstream: StubUpstream):
    answer = caller.ask(
        chat("What is the capital of France?", temperature=0.7, seed=3, stream=True),
        extra={"X-Security-Tier": "high"},
        payload_id="id-answered-1",
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    completion = caller.open(answer)
    assert completion["choices"][0]["message"]["content"] == "What is the capital of France?"
    metadata = completion["_metadata"]
    assert metadata["payload_id"] == "id-answered-1"
    assert metadata["is_encrypted"] is True
    assert metadata["response_status"] == "success"
    assert metadata["security_tier"] == "high"
    assert isinstance(metadata["processed_at"], int)
    assert json.loads(answer.content)["processed_at"] == metadata["processed_at"]
    # stream is removed before the engine; every other parameter arrives untouched
    assert stub_upstream.requests == [
        chat("What is the capital of France?", temperature=0.7, seed=3)
    ]


def test_without_a_tier_the_answer_is_standard(caller: Caller, stub_upstream: StubUpstream):
    completion = caller.open(caller.ask(chat()))
    assert completion["_metadata"]["security_tier"] == "standard"


def test_the_public_key_and_health(router_url: str, caller: Caller):
    answer = httpx.get(router_url + "/pki/public_key")
    assert answer.status_code == 200
    assert answer.text.startswith("-----BEGIN PUBLIC KEY-----")
    assert serialization.load_pem_public_key(answer.content).key_size == 4096  # type: ignore[union-attr]
    health = httpx.get(router_url + "/healthz")
    assert (health.status_code, health.json()["ready"]) == (200, True)


def test_unknown_paths_are_json_404(router_url: str):
    answer = httpx.get(router_url + "/v1/models")
    assert (answer.status_code, answer.json()) == (404, {"detail": "Not Found"})


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "Invalid envelope: envelope is not valid UTF-8 JSON"),
        (b"[1, 2]", "Invalid envelope: envelope is not a JSON object"),
        (b"", "Invalid envelope: envelope is not valid UTF-8 JSON"),
    ],
)
def test_a_body_that_is_no_envelope_is_400(caller: Caller, body: bytes, detail: str):
    answer = caller.post(body)
    assert (answer.status_code, answer.json()) == (400, {"detail": detail})


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"version": "0.9"}, "unsupported envelope version"),
        ({"algorithm": "hybrid-aes128-rsa2048"}, "unsupported envelope algorithm"),
        ({"key_algorithm": "RSA-PKCS1"}, "unsupported key algorithm"),
        ({"encrypted_aes_key": None}, 'envelope field "encrypted_aes_key" is missing'),
        ({"payload_nonce": "AAAA"}, 'envelope field "nonce" must decode to 12 bytes'),
        ({"payload_tag": "not base64!"}, 'envelope field "tag" is not standard padded base64'),
        (
            {"encrypted_aes_key": "QUJD"},
            'envelope field "encrypted_aes_key" has an impossible length',
        ),
    ],
)
def test_a_malformed_envelope_is_400(caller: Caller, changes: dict[str, Any], detail: str):
    answer = caller.post(_envelope(caller, **changes))
    assert (answer.status_code, answer.json()) == (400, {"detail": f"Invalid envelope: {detail}"})


def test_a_tampered_tag_fails_opaquely(caller: Caller, stub_upstream: StubUpstream):
    value = json.loads(caller.seal(chat()))
    tag = bytearray(base64.b64decode(value["encrypted_payload"]["tag"]))
    tag[0] ^= 1
    value["encrypted_payload"]["tag"] = base64.b64encode(bytes(tag)).decode()
    answer = caller.post(json.dumps(value).encode())
    assert (answer.status_code, answer.json()) == (400, DECRYPTION_FAILED)
    assert stub_upstream.calls == 0


def test_a_request_sealed_for_another_key_fails_opaquely(caller: Caller):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = caller.post(caller.seal(chat(), server_pem=_pem(other)))
    assert (answer.status_code, answer.json()) == (400, DECRYPTION_FAILED)


@pytest.mark.parametrize(
    "plaintext",
    [b"not json at all", b'{"messages": []}', b'{"model": "m", "messages": "hi"}', b"\xff\xfe"],
)
def test_a_decrypted_payload_that_is_no_chat_request_is_400(caller: Caller, plaintext: bytes):
    answer = caller.post(caller.seal(plaintext))
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Decrypted payload is not a valid chat request"}


def _header_cases() -> Iterator[tuple[str, dict[str, str | None], str]]:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    curve = ec.generate_private_key(ec.SECP256R1())
    bad_key = "Invalid X-Public-Key header: expected an RSA public key of 2048 to 8192 bits"
    yield "no key", {"X-Public-Key": None}, "Missing X-Public-Key header"
    not_rsa = f"{bad_key}: not an RSA public key"
    yield "not a key", {"X-Public-Key": "hello"}, f"{bad_key}: not a PEM public key"
    weak_header = encode_public_key_header(_pem(weak))
    yield (
        "1024-bit RSA",
        {"X-Public-Key": weak_header},
        f"{bad_key}: RSA key size 1024 is outside 2048..8192",
    )
    yield "EC key", {"X-Public-Key": encode_public_key_header(_pem(curve))}, not_rsa
    unknown = encode_public_key_header(unknown_curve_pem())
    yield "EC key, unknown curve", {"X-Public-Key": unknown}, not_rsa
    yield "bad UTF-8", {"X-Public-Key": "%ff%fe"}, bad_key
    yield "no id", {"X-Payload-ID": None}, "Missing X-Payload-ID header"
    yield "empty id", {"X-Payload-ID": ""}, "Invalid X-Payload-ID header"
    yield "long id", {"X-Payload-ID": "a" * 129}, "Invalid X-Payload-ID header"
    yield "id with space", {"X-Payload-ID": "a b"}, "Invalid X-Payload-ID header"
    tier = "Invalid X-Security-Tier header: use standard, high or maximum"
    yield "bad tier", {"X-Security-Tier": "ultra"}, tier
    yield "tier case", {"X-Security-Tier": "High"}, tier


@pytest.mark.parametrize(("case", "changes", "detail"), list(_header_cases()))
def test_bad_headers_are_400(
    caller: Caller,
    stub_upstream: StubUpstream,
    case: str,
    changes: dict[str, str | None],
    detail: str,
):
    headers: dict[str, str] = caller.headers()
    for name, value in changes.items():
        headers.pop(name, None)
        if value is not None:
            headers[name] = value
    answer = caller.post(caller.seal(chat()), headers)
    assert (answer.status_code, answer.json()) == (400, {"detail": detail})
    assert stub_upstream.calls == 0


def _raw_exchange(url: str, head: bytes, body_parts: Iterator[bytes]) -> bytes:
    """Send ``head`` and the parts (ignoring a closed connection), return all that came back."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)

        def pump() -> None:
            try:
                for part in body_parts:
                    sock.sendall(part)
            except OSError:
                pass  # the router stopped reading: expected

        sender = threading.Thread(target=pump, daemon=True)
        sender.start()
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        sender.join(30)
        return received


def _status_and_json(raw: bytes) -> tuple[int, Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def _head(caller: Caller, extra: str) -> bytes:
    lines = ["POST /v1/chat/secure_completion HTTP/1.1", f"Host: {urlsplit(caller.url).netloc}"]
    lines += [f"{name}: {value}" for name, value in caller.headers().items()]
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def test_a_declared_oversized_body_is_413_before_reading(
    caller: Caller, stub_upstream: StubUpstream
):
    head = _head(caller, f"Content-Length: {MAX_ENVELOPE_BYTES + 1}\r\n")
    raw = _raw_exchange(caller.url, head, iter([b"{" * 1024]))
    assert _status_and_json(raw) == (413, {"detail": "Request body too large"})
    _assert_still_serving(caller.url)
    assert caller.ask(chat()).status_code == 200


def test_a_streamed_oversized_body_is_413(caller: Caller, stub_upstream: StubUpstream):
    chunk = b" " * (1024 * 1024)

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_ENVELOPE_BYTES // len(chunk) + 2):
            yield b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        yield b"0\r\n\r\n"

    raw = _raw_exchange(caller.url, _head(caller, "Transfer-Encoding: chunked\r\n"), chunks())
    assert _status_and_json(raw) == (413, {"detail": "Request body too large"})
    _assert_still_serving(caller.url)


def test_a_decrypted_request_over_10_mib_is_413(caller: Caller, stub_upstream: StubUpstream):
    big = chat("x" * (10 * 1024 * 1024))
    answer = caller.post(caller.seal(big), timeout=60)
    assert (answer.status_code, answer.json()) == (413, {"detail": "Decrypted request too large"})
    assert stub_upstream.calls == 0
    _assert_still_serving(caller.url)


def test_a_truncated_envelope_is_400(caller: Caller):
    body = caller.seal(chat())
    answer = caller.post(body[: len(body) // 2])
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Invalid envelope: envelope is not valid UTF-8 JSON"}


@pytest.fixture(scope="module")
def impatient_router(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream", stub_upstream_server.url, "--body-timeout", "1", "--header-timeout", "1"
    ) as router:
        yield router


def test_a_body_that_stops_arriving_is_408(impatient_router: RouterProcess):
    caller = Caller.of(impatient_router.url)
    body = caller.seal(chat())
    head = _head(caller, f"Content-Length: {len(body)}\r\n")
    raw = _raw_exchange(caller.url, head + body[:100], iter([]))
    assert _status_and_json(raw) == (408, {"detail": "Request body not received in time"})
    _assert_still_serving(caller.url)


def test_headers_that_stop_arriving_close_the_connection(impatient_router: RouterProcess):
    raw = _raw_exchange(
        impatient_router.url, b"POST /v1/chat/secure_completion HTTP/1.1\r\n", iter([])
    )
    assert raw == b""
    _assert_still_serving(impatient_router.url)
