"""The router's command line: ``build_parser()``, its help text and the checks of flag values.

``__main__.parse_config`` turns the parsed flags into a ``RouterConfig``.
"""

from __future__ import annotations

import argparse
import ipaddress
from pathlib import Path

from .config import DEFAULT_AUTH_FAILURE_LIMIT, DEFAULT_HOST, DEFAULT_PORT, default_model_path

__all__ = ["API_KEYS_ENV", "STATE_ENV", "build_parser"]

API_KEYS_ENV = "NOMYO_ROUTER_API_KEYS"
STATE_ENV = "NOMYO_ROUTER_STATE"

DESCRIPTION = """\
The NOMYO secure-completion protocol's server side: serves GET /pki/public_key,
POST /v1/chat/secure_completion and GET /healthz; opens each envelope, asks the
engine (an OpenAI-compatible --upstream, else the embedded llama.cpp model) and
seals the answer to the caller's key.

With --relay URL it is a relay instead: it holds no key and opens nothing, but
forwards each sealed request to URL (NOMYO) with the API key from the
environment variable NOMYO_API_KEY, and returns the sealed answer unchanged.
"""

EPILOG = """\
behaviour:
  Errors are JSON {"detail": ...}. Bodies over ~13.4 MiB and decrypted requests
  over 10 MiB get 413; an envelope that does not decrypt gets 400 with
  "code": "decryption_failed". A request repeating an answered X-Payload-ID with
  the same body, key and tier gets the stored sealed answer (no second engine
  call); the same id with another request gets 409; failed attempts are not
  stored. A request head over 16 KiB gets 431; both Content-Length and
  Transfer-Encoding, or framing that does not parse (e.g. a bad chunk size),
  get 400 (501: a transfer coding other than chunked); each then closes the
  connection.
state:
  Rate limits, failed-authentication budgets and stored answers live in the
  state store (--state), so they hold across --workers and across routers that
  share a Redis: a request sent to two of them runs the engine once, and a
  limit of N admits N in all. A store that does not answer makes what needs it
  503 with Retry-After (never a skipped check) until it answers again; /healthz
  then says so too.
logging:
  One line per request on stderr (id, status, ms, tier, model), one per refused
  HTTP request (peer address, reason, status); never prompts, keys, API keys or
  tracebacks (an exception shows as its type). Prints "listening on
  http://HOST:PORT" once accepting.
signals:
  SIGTERM/SIGINT: finish in-flight requests, exit 0. SIGHUP: re-read
  --key-file; the previous key stays accepted for --key-grace seconds.
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be 0..65535")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip()))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an IP address or network: {error}") from None


def _add_server_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    add(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    add("--tls-cert", type=Path, metavar="PATH", help="serve HTTPS with this PEM certificate chain")
    add("--tls-key", type=Path, metavar="PATH", help="the PEM private key of --tls-cert")
    add(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help=(
            "worker processes sharing the port (default 1); more help only with free cores: "
            "on the 2-core machine the benchmark ran on, two served 0.95-1.54x of one"
        ),
    )
    add(
        "--header-timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="a request's headers must arrive within this (default 10); else the connection closes",
    )
    add(
        "--body-timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="a request's body must arrive within this (default 60); else 408",
    )
    add(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level on stderr (default info: one line per request)",
    )


def _add_engine_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "--upstream",
        metavar="URL",
        help="base URL of an OpenAI-compatible API (Ollama, llama.cpp server, vLLM); requests "
        "go to URL/chat/completions. Without it the embedded model answers",
    )
    add("--upstream-api-key", metavar="KEY", help="bearer key sent to the upstream")
    add(
        "--upstream-timeout",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="per-request upstream timeout (default 300); past it: 504",
    )
    add(
        "--model",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"GGUF file of the embedded engine (default {default_model_path()})",
    )
    add(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help=(
            "CPU threads of the embedded engine (default 1, with OMP_WAIT_POLICY=passive: on "
            "this class of 2-core machine two threads collapse whenever the router or another "
            "process wants a core; measured figures in engines/embedded.py)"
        ),
    )


def _add_relay_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "--relay",
        metavar="URL",
        help="run as a relay to the NOMYO API at URL (e.g. https://api.nomyo.ai): forward "
        "sealed requests as they are, with the API key from $NOMYO_API_KEY (never a flag); "
        "holds no private key. --upstream-timeout, --body-timeout, --rate-limit, --api-key "
        "(the callers' keys), --cors-origin and --trusted-proxy apply",
    )
    add(
        "--relay-http-for-development",
        action="store_true",
        help="allow an http:// --relay URL, which sends the API key unencrypted: only for a "
        "development upstream on this machine",
    )


def _add_policy_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help=f"accepted client API key (repeatable; also {API_KEYS_ENV}, comma-separated). "
        "When any is set, requests need 'Authorization: Bearer KEY' or get 401",
    )
    add(
        "--tier-models",
        action="append",
        default=[],
        metavar="TIER=MODEL[,MODEL...]",
        help="the models a security tier (standard, high, maximum) may use (repeatable); other "
        "models in that tier get 403. Tiers not named allow every model. A request without "
        "X-Security-Tier is in the standard tier",
    )
    add(
        "--key-file",
        type=Path,
        metavar="PATH",
        help="the server's RSA private key (PEM); created (RSA-4096, mode 0600) when missing and "
        "reused across restarts. Without it an ephemeral key is made at each start",
    )
    add(
        "--key-grace",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="after SIGHUP loads a changed key, the previous key stays accepted this long "
        "(default 300)",
    )
    add(
        "--rate-limit",
        type=_positive_int,
        metavar="N",
        help="requests per minute per API key, and per client address for requests without a "
        "valid key (failed authentications count there); over it: 429 with Retry-After",
    )
    add(
        "--auth-failure-limit",
        type=_positive_int,
        default=DEFAULT_AUTH_FAILURE_LIMIT,
        metavar="N",
        help=f"with --api-key: failed authentications (a wrong or missing key) per minute per "
        f"client address (default {DEFAULT_AUTH_FAILURE_LIMIT}); past it that address gets 429 "
        "with Retry-After, whatever key it sends, until the budget refills",
    )
    add(
        "--trusted-proxy",
        type=_network,
        action="append",
        default=[],
        metavar="ADDR",
        help="a reverse proxy (IP address or CIDR network; repeatable) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed: the client address is then the right-most "
        "X-Forwarded-For entry that is not a trusted proxy. None by default: the connecting "
        "address is the client and those headers are ignored. The client address is what "
        "--rate-limit and --auth-failure-limit count by",
    )
    add(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browser pages on ORIGIN call the API (repeatable; none by default)",
    )


def _add_state_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state",
        metavar="URL",
        help=f"where limits and stored answers live (also ${STATE_ENV}, better when the URL "
        "holds a password): memory (this process; the default with one worker), "
        "sqlite:///PATH (a file the processes on this machine share; the default with "
        "--workers above 1 is one in a private temporary folder), or redis://[:PASSWORD@]HOST"
        ":PORT/DB, rediss://... or unix://PATH (shared by routers on any machine; needs "
        "nomyo-router[redis])",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nomyo-router",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_server_flags(parser)
    _add_engine_flags(parser)
    _add_relay_flags(parser)
    _add_policy_flags(parser)
    _add_state_flags(parser)
    return parser
