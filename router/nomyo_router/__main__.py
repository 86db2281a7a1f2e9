"""``python -m nomyo_router`` (also the ``nomyo-router`` command)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .config import RouterConfig, default_model_path
from .flags import API_KEYS_ENV, STATE_ENV, build_parser
from .policy.tiers import parse_tier_models
from .relay.settings import UPSTREAM_API_KEY_ENV, check_api_key, check_upstream_url
from .state import MEMORY, parse_state

# Flags of a router that opens envelopes; a relay holds no key and runs no engine.
_NOT_FOR_A_RELAY = ("upstream", "upstream_api_key", "model", "threads", "tier_models",
                    "key_file", "key_grace")  # fmt: skip

__all__ = ["build_parser", "config_from_args", "main", "parse_config"]


def _state(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The checked ``--state`` (or ``$NOMYO_ROUTER_STATE``); errors never echo the URL."""
    text = args.state or os.environ.get(STATE_ENV) or None
    if text is None:
        return None
    try:
        spec = parse_state(text)
    except ValueError as error:
        parser.error(f"--state: {error}")
    if spec == MEMORY and args.workers > 1:
        parser.error(
            "--state memory is per process: with --workers above 1 leave --state out "
            "(the workers then share a SQLite file) or name a shared store"
        )
    return spec


def parse_config(argv: Sequence[str] | None = None) -> RouterConfig:
    parser = build_parser()
    return config_from_args(parser, parser.parse_args(argv))


def config_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> RouterConfig:
    """The ``RouterConfig`` for flags ``build_parser()`` parsed; bad values end in
    ``parser.error`` (exit 2)."""
    env_keys = [key.strip() for key in os.environ.get(API_KEYS_ENV, "").split(",") if key.strip()]
    try:
        tier_models = parse_tier_models(args.tier_models)
    except ValueError as error:
        parser.error(str(error))
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    relay_api_key = _relay_api_key(parser, args)
    if args.workers > 1 and args.key_file is None and args.relay is None:
        parser.error("--workers above 1 needs --key-file (the workers share one key)")
    state = _state(parser, args)
    return RouterConfig(
        host=args.host,
        port=args.port,
        upstream=args.upstream,
        upstream_api_key=args.upstream_api_key,
        upstream_timeout=args.upstream_timeout,
        model=args.model or default_model_path(),
        threads=args.threads,
        api_keys=[*args.api_key, *env_keys],
        tier_models=tier_models,
        key_file=args.key_file,
        key_grace=max(0.0, args.key_grace),
        rate_limit=args.rate_limit,
        auth_failure_limit=args.auth_failure_limit,
        trusted_proxies=list(args.trusted_proxy),
        cors_origins=list(args.cors_origin),
        relay=args.relay,
        relay_http_for_development=args.relay_http_for_development,
        relay_api_key=relay_api_key,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        workers=args.workers,
        log_level=args.log_level,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        state=state,
    )


def _relay_api_key(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """With --relay: $NOMYO_API_KEY, after the relay's flags are checked; else None."""
    if args.relay is None:
        if args.relay_http_for_development:
            parser.error("--relay-http-for-development needs --relay")
        return None
    given = [name for name in _NOT_FOR_A_RELAY if getattr(args, name) != parser.get_default(name)]
    if given:
        flag = "--" + given[0].replace("_", "-")
        parser.error(f"{flag} does not apply to --relay (a relay holds no key and runs no engine)")
    try:
        args.relay = check_upstream_url(args.relay, args.relay_http_for_development)
    except ValueError as error:
        parser.error(f"--relay: {error}")
    key = os.environ.get(UPSTREAM_API_KEY_ENV, "").strip()
    if not key:
        parser.error(f"--relay needs the upstream API key in ${UPSTREAM_API_KEY_ENV}")
    try:
        return check_api_key(key)
    except ValueError as error:
        parser.error(str(error))


def _announce(url: str) -> None:
    sys.stdout.write(f"nomyo-router listening on {url}\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_config(argv)
    from .runner import configure_logging, run

    configure_logging(config.log_level)

    return run(config, _announce)


if __name__ == "__main__":
    sys.exit(main())
