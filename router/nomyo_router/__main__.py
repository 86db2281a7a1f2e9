"""``python -m nomyo_router`` (also the ``nomyo-router`` command)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .config import RouterConfig, default_model_path
from .flags import API_KEYS_ENV, STATE_ENV, build_parser
from .policy.tiers import parse_tier_models
from .state import MEMORY, parse_state

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
    if args.workers > 1 and args.key_file is None:
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
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        workers=args.workers,
        log_level=args.log_level,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        state=state,
    )


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
