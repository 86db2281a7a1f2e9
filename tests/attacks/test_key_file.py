"""The router's key file: created 0600, reused, and an insecure mode reported at start."""

from __future__ import annotations

import stat

from tests.support.router import start_router


def test_missing_key_file_is_created_0600_and_reused(stub_upstream_server, tmp_path) -> None:
    key_file = tmp_path / "server.pem"
    with start_router("--upstream", stub_upstream_server.url, "--key-file", str(key_file)) as r:
        first = r.wait_for_log("fingerprint")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in first
    with start_router("--upstream", stub_upstream_server.url, "--key-file", str(key_file)) as r:
        again = r.wait_for_log("fingerprint")
    assert first.split("fingerprint")[1].split()[0] == again.split("fingerprint")[1].split()[0]


def test_group_or_world_readable_key_file_is_reported(stub_upstream_server, tmp_path) -> None:
    key_file = tmp_path / "server.pem"
    with start_router("--upstream", stub_upstream_server.url, "--key-file", str(key_file)):
        pass
    key_file.chmod(0o644)
    with start_router("--upstream", stub_upstream_server.url, "--key-file", str(key_file)) as r:
        line = r.wait_for_log("readable by group or others")
    assert "644" in line and "PRIVATE" not in r.logs()
