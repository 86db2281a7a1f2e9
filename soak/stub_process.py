"""The stub upstream in its own process, so the client's memory figures are its own.

``python -m soak.stub_process [--port N]`` runs ``tests.support.stub_upstream.StubUpstream``
and speaks JSON lines on stdin/stdout: it prints ``{"url": ...}`` once bound, then answers
each command line with one JSON line:

* ``{"op": "push", ...}`` — ``StubUpstream.push(**rest)``
* ``{"op": "reset"}`` — clear the queue and the counters
* ``{"op": "stats", "marker": "NONCE-"}`` — ``{"calls": N, "nonces": {nonce: count}}``,
  counting every word of the last user message that starts with ``marker``.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from typing import Any

from tests.support.stub_upstream import StubUpstream


def _nonces(requests: list[dict[str, Any]], marker: str) -> dict[str, int]:
    counts: collections.Counter[str] = collections.Counter()
    for request in requests:
        for message in request.get("messages") or []:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                counts.update(word for word in content.split() if word.startswith(marker))
    return dict(counts)


def _answer(stub: StubUpstream, command: dict[str, Any]) -> dict[str, Any]:
    op = command.pop("op", None)
    if op == "push":
        stub.push(**command)
        return {"ok": True}
    if op == "reset":
        stub.reset()
        return {"ok": True}
    if op == "stats":
        requests = stub.requests
        return {"calls": len(requests), "nonces": _nonces(requests, command.get("marker", ""))}
    return {"error": f"unknown op {op!r}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with StubUpstream(args.port) as stub:
        print(json.dumps({"url": stub.url}), flush=True)
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(_answer(stub, json.loads(line))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
