"""Who the caller is: forwarded addresses (``--trusted-proxy``) and failed authentications.

Every loopback address is this host on Linux, so a client bound to 127.0.0.2
is a second, real caller address; nothing is simulated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from nomyo_web.protocol import PATH_SECURE_COMPLETION
from tests.support.router import RouterProcess, run_router, start_router
from tests.support.stub_upstream import StubUpstream
from tests.support.wire import Caller, chat

OTHER_ADDRESS = "127.0.0.2"
WRONG = {"Authorization": "Bearer wrong-key"}
RIGHT = {"Authorization": "Bearer right-key"}


def _ask_from(caller: Caller, source: str, extra: dict[str, str]) -> httpx.Response:
    """Caller.ask, sent from the local address ``source``."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.post(
            caller.url + PATH_SECURE_COMPLETION,
            content=caller.seal(chat()),
            headers=caller.headers(extra=extra),
        )


def _forged(index: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{index}"}


def test_a_forged_forwarded_for_is_ignored_by_default(stub_upstream_server: StubUpstream) -> None:
    with start_router("--upstream", stub_upstream_server.url, "--rate-limit", "2") as router:
        caller = Caller.of(router.url)
        statuses = [caller.ask(chat(), _forged(index)).status_code for index in range(6)]
    assert statuses == [200, 200, 429, 429, 429, 429]


@pytest.fixture
def behind_a_proxy(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    """Trusts forwarded headers from 127.0.0.2 only; the tests' default address is 127.0.0.1."""
    flags = ("--rate-limit", "2", "--trusted-proxy", OTHER_ADDRESS)
    with start_router("--upstream", stub_upstream_server.url, *flags) as router:
        yield router


def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(
    behind_a_proxy: RouterProcess,
) -> None:
    caller = Caller.of(behind_a_proxy.url)
    via_proxy = [_ask_from(caller, OTHER_ADDRESS, _forged(i)).status_code for i in range(6)]
    assert via_proxy == [200] * 6  # six clients behind the proxy, one request each
    same_client = [_ask_from(caller, OTHER_ADDRESS, _forged(0)).status_code for _ in range(2)]
    assert same_client == [200, 429]  # the forwarded client's own limit
    direct = [caller.ask(chat(), _forged(100 + i)).status_code for i in range(3)]
    assert direct == [200, 200, 429]  # 127.0.0.1 is no proxy: its header is ignored


def test_trusted_proxy_takes_addresses_and_networks_only() -> None:
    for value in ("*", "proxy.example", "10.0.0.1/8"):
        result = run_router("--upstream", "http://127.0.0.1:9", "--trusted-proxy", value)
        assert result.returncode == 2
        assert "argument --trusted-proxy: not an IP address or network" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.fixture
def keyed(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    """API keys and the default limit of failed authentications."""
    with start_router("--upstream", stub_upstream_server.url, "--api-key", "right-key") as r:
        yield r


def test_wrong_keys_are_slowed_down_by_default(keyed: RouterProcess) -> None:
    caller = Caller.of(keyed.url)
    started = time.monotonic()
    answers = [caller.ask(chat(), WRONG) for _ in range(40)]
    refills = int((time.monotonic() - started) / 6)  # the default: 10 a minute, one per 6 s
    statuses = [answer.status_code for answer in answers]
    assert statuses[:11] == [401] * 10 + [429]
    assert statuses.count(401) <= 10 + refills
    assert answers[10].json() == {"detail": "Too many failed authentications"}
    assert 1 <= int(answers[10].headers["retry-after"]) <= 6
    assert _ask_from(caller, OTHER_ADDRESS, RIGHT).status_code == 200
    assert "wrong-key" not in keyed.logs() and "right-key" not in keyed.logs()


def test_the_failure_limit_is_a_flag_and_locks_out_only_its_address(
    stub_upstream_server: StubUpstream,
) -> None:
    flags = ("--api-key", "right-key", "--auth-failure-limit", "3")  # one more every 20 s
    with start_router("--upstream", stub_upstream_server.url, *flags) as router:
        caller = Caller.of(router.url)
        statuses = [caller.ask(chat(), WRONG).status_code for _ in range(5)]
        missing = caller.ask(chat())
        right_here = caller.ask(chat(), RIGHT).status_code
        right_elsewhere = _ask_from(caller, OTHER_ADDRESS, RIGHT).status_code
        wrong_elsewhere = _ask_from(caller, OTHER_ADDRESS, WRONG).status_code
        logs = router.logs()
    assert statuses == [401, 401, 401, 429, 429]
    assert missing.status_code == 429  # no key at all is a failed authentication too
    assert 15 <= int(missing.headers["retry-after"]) <= 20
    assert right_here == 429  # no oracle: the address waits, whatever key it sends
    assert (right_elsewhere, wrong_elsewhere) == (200, 401)  # others are not locked out
    lockouts = [line for line in logs.splitlines() if "failed authentications" in line]
    assert len(lockouts) == 1
    assert lockouts[0].startswith("WARNING nomyo_web.router: 127.0.0.1 ")
    assert "wrong-key" not in logs and "right-key" not in logs


def test_failures_count_against_the_address_rate_limit(stub_upstream_server: StubUpstream) -> None:
    flags = ("--api-key", "right-key", "--rate-limit", "2", "--auth-failure-limit", "100")
    with start_router("--upstream", stub_upstream_server.url, *flags) as router:
        caller = Caller.of(router.url)
        statuses = [caller.ask(chat(), WRONG).status_code for _ in range(3)]
        right = caller.ask(chat(), RIGHT).status_code
    assert statuses == [401, 401, 429]
    assert right == 200  # a right key has its own bucket
