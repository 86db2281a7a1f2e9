"""The router as a process: start-up line, key file, SIGHUP rotation, signals, --help."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.keys import fresh_key_file, private_copy
from tests.support.router import (
    REPO_ROOT,
    RouterProcess,
    checkout_environment,
    run_router,
    start_router,
)
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

DECRYPTION_FAILED = {"detail": "Payload decryption failed", "code": "decryption_failed"}


def _public_key(url: str) -> str:
    return httpx.get(url + "/pki/public_key").text


def test_the_listening_line_names_the_real_port(router_process: RouterProcess):
    line = router_process.wait_for_log(r"listening on http://")
    port = int(router_process.url.rsplit(":", 1)[1])
    assert port != 0
    assert line.strip().endswith(f"listening on http://127.0.0.1:{port}")
    assert httpx.get(router_process.url + "/healthz").status_code == 200


def _runs_uvloop(pid: int) -> bool:
    """Whether process ``pid`` has uvloop's event loop module mapped."""
    return "/uvloop/loop." in Path(f"/proc/{pid}/maps").read_text()


def test_the_router_runs_on_uvloop(router_process: RouterProcess):
    assert _runs_uvloop(router_process.proc.pid)


def test_a_missing_key_file_is_created_0600_and_reused(tmp_path: Path, stub_upstream_server):
    key_file = tmp_path / "keys" / "server.pem"
    key_file.parent.mkdir()
    with start_router("--upstream", stub_upstream_server.url, "--key-file", str(key_file)) as one:
        first = _public_key(one.url)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert [p.name for p in key_file.parent.iterdir()] == ["server.pem"]  # no temporary left
    with start_router("--upstream", stub_upstream_server.url, "--key-file", str(key_file)) as two:
        assert _public_key(two.url) == first
        assert "readable by group or others" not in two.logs()


def test_a_key_file_readable_by_others_is_warned_about(
    tmp_path: Path, server_key_file: Path, stub_upstream_server
):
    key_file = tmp_path / "open.pem"
    shutil.copyfile(server_key_file, key_file)
    key_file.chmod(0o644)
    with start_router(
        "--upstream", stub_upstream_server.url, "--key-file", str(key_file)
    ) as router:
        assert f"key file {key_file} is readable by group or others (mode 644)" in router.logs()


def test_an_unreadable_key_file_stops_the_start(tmp_path: Path):
    key_file = tmp_path / "bad.pem"
    key_file.write_text("not a key")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nomyo_router",
            "--upstream",
            "http://x",
            "--key-file",
            key_file,
        ],
        cwd=REPO_ROOT,
        env=checkout_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"key file {key_file} holds no usable unencrypted RSA key" in result.stderr
    assert "listening" not in result.stdout


def test_sighup_rotates_the_key_and_keeps_the_old_one_for_the_grace(
    tmp_path: Path, server_key_file: Path, stub_upstream: StubUpstream
):
    key_file = private_copy(server_key_file, tmp_path / "rotating.pem")
    flags = ("--upstream", stub_upstream.url, "--key-file", str(key_file), "--key-grace", "2")
    with start_router(*flags) as router:
        old = Caller.of(router.url)
        sealed_to_old = [old.seal(chat("sealed before the rotation")) for _ in range(2)]
        new_file = fresh_key_file(tmp_path, "next.pem")
        os.replace(new_file, key_file)
        router.signal(signal.SIGHUP)
        router.wait_for_log("server key rotated")
        new = Caller.of(router.url)
        assert new.server_pem != old.server_pem
        assert new.ask(chat()).status_code == 200
        assert old.post(sealed_to_old[0]).status_code == 200  # within the grace
        time.sleep(2.5)
        late = old.post(sealed_to_old[1])
        assert (late.status_code, late.json()) == (400, DECRYPTION_FAILED)
        router.signal(signal.SIGHUP)  # unchanged file: nothing rotates
        router.wait_for_log("the server key is unchanged")  # the re-read is done
        assert router.logs().count("server key rotated") == 1
        assert Caller.of(router.url).server_pem == new.server_pem


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_drains_the_request_in_flight_and_exits_0(
    sig: int, stub_upstream: StubUpstream
):
    stub_upstream.push(delay=1.0)
    router = start_router("--upstream", stub_upstream.url)
    caller = Caller.of(router.url)
    answers: list[httpx.Response] = []
    request = threading.Thread(target=lambda: answers.append(caller.ask(chat("in flight"))))
    request.start()
    deadline = time.monotonic() + 10
    while stub_upstream.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    router.signal(sig)
    request.join(30)
    assert router.proc.wait(30) == 0
    assert [answer.status_code for answer in answers] == [200]
    assert caller.open(answers[0])["choices"][0]["message"]["content"] == "in flight"
    with pytest.raises(httpx.ConnectError):
        httpx.get(router.url + "/healthz")
    router.stop()


def test_help_documents_every_flag():
    result = run_router("--help")
    assert result.returncode == 0
    for flag in (
        "--host", "--port", "--upstream", "--upstream-api-key", "--upstream-timeout", "--model",
        "--threads", "--api-key", "--tier-models", "--key-file", "--key-grace", "--rate-limit",
        "--cors-origin", "--tls-cert", "--tls-key", "--workers", "--log-level", "--trusted-proxy",
        "--auth-failure-limit",
        "NOMYO_ROUTER_API_KEYS", "12435", "127.0.0.1",
    ):  # fmt: skip
        assert flag in result.stdout


def test_workers_share_one_key_and_rotate_together(
    tmp_path: Path, server_key_file: Path, stub_upstream: StubUpstream
):
    key_file = private_copy(server_key_file, tmp_path / "shared.pem")
    flags = ("--upstream", stub_upstream.url, "--key-file", str(key_file), "--workers", "2")
    with start_router(*flags) as router:
        workers = psutil.Process(router.proc.pid).children()
        assert len([w for w in workers if "python" in w.name().lower()]) >= 2
        spawned = [w for w in workers if "spawn_main" in " ".join(w.cmdline())]
        assert len(spawned) == 2 and all(_runs_uvloop(worker.pid) for worker in spawned)
        caller = Caller.of(router.url)
        assert [caller.ask(chat()).status_code for _ in range(4)] == [200] * 4
        os.replace(fresh_key_file(tmp_path, "next.pem"), key_file)
        router.signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while router.logs().count("server key rotated") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert router.logs().count("server key rotated") == 2  # each worker
        fresh = Caller.of(router.url)
        assert fresh.server_pem != caller.server_pem
        assert [fresh.ask(chat()).status_code for _ in range(4)] == [200] * 4
        assert router.stop() == 0


def test_workers_need_a_key_file():
    result = subprocess.run(
        [sys.executable, "-m", "nomyo_router", "--upstream", "http://x", "--workers", "2"],
        cwd=REPO_ROOT,
        env=checkout_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--workers above 1 needs --key-file" in result.stderr
