"""How much of each measurement a run does: the full run and the quick smoke run."""

from __future__ import annotations

__all__ = ["SECTIONS", "plan_for"]

SECTIONS = (
    "cpython",
    "clients",
    "transports",
    "openai",
    "router",
    "relay",
    "payload",
    "memory",
    "engine",
    "browser",
)

_FULL: dict[str, dict[str, int]] = {
    "cpython": {"rounds": 6, "ours": 100, "official": 20, "rsa": 60, "trips": 200},
    "clients": {"rounds": 6, "calls": 100, "warm": 5},
    "transports": {"rounds": 6, "ours": 100, "trips": 200},
    "openai": {"rounds": 6, "per_block": 50, "ours": 100, "trips": 200, "browser_per_block": 30},
    "router": {
        "rounds": 3,
        "per_level": 300,
        "workers_rounds": 4,
        "state_rounds": 4,
        "rsa": 100,
        "spin": 40,
    },
    "relay": {"rounds": 4, "per_level": 300},
    "payload": {"repeats": 5},
    "memory": {"calls": 10_000, "checkpoints": 10},
    "engine": {"rounds": 4, "per_block": 3, "max_tokens": 64, "ttft": 3},
    "browser": {"rounds": 4, "per_block": 40, "loads": 3, "repeats": 3},
}
_QUICK: dict[str, dict[str, int]] = {
    "cpython": {"rounds": 2, "ours": 10, "official": 2, "rsa": 5, "trips": 20},
    "clients": {"rounds": 2, "calls": 10, "warm": 2},
    "transports": {"rounds": 2, "ours": 10, "trips": 20},
    "openai": {"rounds": 2, "per_block": 5, "ours": 10, "trips": 20, "browser_per_block": 3},
    "router": {
        "rounds": 1,
        "per_level": 40,
        "workers_rounds": 1,
        "state_rounds": 3,
        "rsa": 10,
        "spin": 5,
    },
    "relay": {"rounds": 2, "per_level": 40},
    "payload": {"repeats": 1},
    "memory": {"calls": 200, "checkpoints": 2},
    "engine": {"rounds": 1, "per_block": 1, "max_tokens": 8, "ttft": 1},
    "browser": {"rounds": 1, "per_block": 5, "loads": 1, "repeats": 1},
}


def plan_for(section: str, quick: bool) -> dict[str, int]:
    return dict((_QUICK if quick else _FULL)[section])
