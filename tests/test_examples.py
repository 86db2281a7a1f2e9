"""Every example in examples/ (and examples/sync/, the blocking client's) runs as written,
each in its own Python process, against a real router process in front of the
deterministic stub upstream.

The examples default to ``https://`` and refuse plain HTTP, so the router serves
TLS with a certificate from a test-only certificate authority made here; the
example process trusts that CA through ``SSL_CERT_FILE`` (httpx reads it with
``trust_env``), which keeps certificate and host-name verification fully on.
``NOMYO_BASE_URL`` and ``NOMYO_API_KEY`` point the unchanged files at it.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.router import REPO_ROOT, RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

EXAMPLES = REPO_ROOT / "examples"
API_KEY = "examples-test-key"
OVERRIDE_KEY = "override-key-for-this-request"  # the key 03_api_key.py sends per request


@dataclass(frozen=True)
class Tls:
    ca: Path
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_test_tls(directory: Path) -> Tls:
    """A throw-away CA and a localhost server certificate it signed (EC P-256)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("nomyo-web test CA"))
        .issuer_name(_name("nomyo-web test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    hosts = [x509.DNSName("localhost")] + [
        x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", "::1")
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(hosts), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Tls(
        ca=_write_pem(directory / "ca.pem", ca.public_bytes(pem)),
        cert=_write_pem(directory / "localhost-cert.pem", cert.public_bytes(pem)),
        key=_write_pem(directory / "localhost-key.pem", key_pem),
    )


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_test_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_router(stub_upstream_server: StubUpstream, tls: Tls) -> Iterator[RouterProcess]:
    flags = ["--upstream", stub_upstream_server.url, "--tls-cert", str(tls.cert)]
    flags += ["--tls-key", str(tls.key), "--api-key", API_KEY, "--api-key", OVERRIDE_KEY]
    with start_router(*flags) as router:
        assert router.url.startswith("https://"), router.url
        yield router


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def run_example(name: str, tls: Tls, **env: str) -> Run:
    """``python examples/NAME`` (``sync/NAME`` too) in a clean environment plus ``env``."""
    child_env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().endswith("_PROXY") and not k.startswith(("NOMYO_", "PYTHONWARNINGS"))
    }
    child_env.update({"SSL_CERT_FILE": str(tls.ca), **env})
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=EXAMPLES,
        env=child_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def run_over_tls(name: str, tls: Tls, router: RouterProcess, **env: str) -> Run:
    return run_example(name, tls, **{"NOMYO_BASE_URL": router.url, "NOMYO_API_KEY": API_KEY, **env})


# The stub answers with the last user message, verbatim; a tool call gets that
# text as its required argument.
EXPECTED_STDOUT = {
    "01_simple_chat.py": "Hello! How are you today?\n",
    "02_system_message.py": "What is the capital of France?\n",
    "03_api_key.py": "Hello!\n",
    "04_security_tiers.py": (
        "standard: General query\n"
        "high: Summarise this contract clause...\n"
        "maximum: Patient record summary...\n"
    ),
    "05_tools.py": (
        'Tool called: get_weather\nArguments: {"location": "What\'s the weather in Paris?"}\n'
    ),
    "06_error_handling.py": "Hello!\n",
    "07_resource_management.py": "Hello!\nHello again!\n",
    "08_acreate.py": "Hello!\n",
    "10_any_event_loop.py": "Hello!\nHello again!\n",
    # The blocking client's, in examples/sync/ (08_acreate is async by nature).
    "sync/01_simple_chat.py": "Hello! How are you today?\n",
    "sync/02_system_message.py": "What is the capital of France?\n",
    "sync/03_api_key.py": "Hello!\nHello again!\n",
    "sync/04_security_tiers.py": (
        "standard: General query\n"
        "high: Summarise this contract clause...\n"
        "maximum: Patient record summary...\n"
    ),
    "sync/05_tools.py": (
        'Tool called: get_weather\nArguments: {"location": "What\'s the weather in Paris?"}\n'
    ),
    "sync/06_error_handling.py": "Hello!\n",
    "sync/07_resource_management.py": "Hello!\nHello again!\n",
}
LOCAL_DEVELOPMENT = ["09_local_development.py", "sync/09_local_development.py"]
CALLS = {"04_security_tiers": 3, "07_resource_management": 2, "10_any_event_loop": 2}


# Example projects (a folder with its own tests) are run whole by tests/test_example_<name>.py.
PROJECTS = ("pyscript_app",)


def test_every_example_is_run_here() -> None:
    scripts = {
        str(path.relative_to(EXAMPLES))
        for path in EXAMPLES.rglob("*.py")
        if path.relative_to(EXAMPLES).parts[0] not in PROJECTS
    }
    assert scripts == {*EXPECTED_STDOUT, *LOCAL_DEVELOPMENT}
    for project in PROJECTS:
        assert (REPO_ROOT / "tests" / f"test_example_{project}.py").is_file(), project


@pytest.mark.parametrize("name", sorted(EXPECTED_STDOUT))
def test_example_runs_as_written_over_tls(
    name: str, tls: Tls, tls_router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    result = run_over_tls(name, tls, tls_router)
    assert (result.code, result.stderr) == (0, ""), result.stderr
    assert result.stdout == EXPECTED_STDOUT[name]
    calls = CALLS.get(Path(name).stem, 1) if name != "sync/03_api_key.py" else 2
    assert stub_upstream.calls == calls


def test_the_guide_parameters_arrive_sealed_and_untouched(
    tls: Tls, tls_router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    assert run_over_tls("05_tools.py", tls, tls_router).code == 0
    (sent,) = stub_upstream.requests
    assert sent["tool_choice"] == "auto" and sent["temperature"] == 0.7
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    assert sent["tools"][0]["function"]["parameters"]["required"] == ["location"]


def test_tiers_are_headers_never_payload(
    tls: Tls, tls_router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    assert run_over_tls("04_security_tiers.py", tls, tls_router).code == 0
    assert len(stub_upstream.requests) == 3
    for sent in stub_upstream.requests:
        assert "security_tier" not in json.dumps(sent)


@pytest.mark.parametrize("where", ["", "sync/"])
def test_the_override_key_is_what_authenticates(
    where: str, tls: Tls, stub_upstream: StubUpstream
) -> None:
    # A router that accepts only the override key: the constructor's key is refused,
    # so the example succeeds only if the per-request key is the one that was sent.
    flags = ["--upstream", stub_upstream.url, "--tls-cert", str(tls.cert), "--tls-key"]
    with start_router(*flags, str(tls.key), "--api-key", OVERRIDE_KEY) as only_override:
        name = f"{where}03_api_key.py"
        result = run_over_tls(name, tls, only_override, NOMYO_API_KEY="not-a-key")
        refused = run_over_tls(
            f"{where}06_error_handling.py", tls, only_override, NOMYO_API_KEY="nope"
        )
    assert (result.code, result.stdout, result.stderr) == (0, EXPECTED_STDOUT[name], "")
    assert refused.code == 0 and refused.stdout == ""
    assert refused.stderr.startswith("Bad API key: ") and "nope" not in refused.stderr


@pytest.mark.parametrize("name", ["06_error_handling.py", "sync/06_error_handling.py"])
def test_error_handling_takes_the_network_branch(name: str, tls: Tls) -> None:
    url = f"https://127.0.0.1:{refused_port()}"
    result = run_example(name, tls, NOMYO_BASE_URL=url)
    assert (result.code, result.stdout) == (0, "")
    assert result.stderr.startswith("Network error (retries exhausted): "), result.stderr


def test_the_certificate_is_really_checked(
    tls: Tls, tls_router: RouterProcess, tmp_path: Path
) -> None:
    # Trusting another CA, the same example must fail to connect, not skip verification.
    other_ca = make_test_tls(tmp_path).ca
    result = run_over_tls("01_simple_chat.py", tls, tls_router, SSL_CERT_FILE=str(other_ca))
    assert result.code != 0 and result.stdout == ""
    assert "APIConnectionError" in result.stderr, result.stderr


@pytest.mark.parametrize("name", LOCAL_DEVELOPMENT)
def test_local_development_over_http_warns_once(
    name: str, tls: Tls, router_process: RouterProcess, stub_upstream: StubUpstream
) -> None:
    assert router_process.url.startswith("http://")
    result = run_example(name, tls, NOMYO_BASE_URL=router_process.url)
    assert (result.code, result.stdout) == (0, "Hello!\n"), result.stderr
    assert result.stderr.count("Warning: ") == 1, result.stderr
    assert "allow_http=True" in result.stderr and "plain HTTP" in result.stderr
    assert stub_upstream.calls == 1


def refused_port() -> int:
    """A port that was bound and released, so a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
