"""Coverage-guided fuzzing, one target per process: ``python -m soak.atheris_worker T RUNS OUT``.

The hypothesis targets (``soak.fuzz_worker``) generate from a grammar of shapes
known to break parsers. Here libFuzzer (through atheris) mutates bytes instead.
It starts from valid seeds and a dictionary of the protocol's tokens, and keeps
every input that reaches a new branch of our Python code, so it finds the paths
no grammar thought of. Each target runs one pure-Python check per case, with no
RSA, so 100,000 cases take seconds:

- ``envelope-parser``: ``parse_envelope``, as the client and the router use it;
- ``completion-binding``: the client's checks after decryption (``bind_completion``):
  only a JSON object bound to this request's payload id is accepted, and the
  plaintext buffer is wiped either way;
- ``client-key-header``: the router's ``X-Public-Key`` parsing (``ClientKeyCache``):
  an RSA key of 2048..8192 bits or a 400, nothing else;
- ``chat-request``: the router's checks of a decrypted request: a chat request
  or a 400/413, with the plaintext buffer wiped either way.

The rest of argv goes to libFuzzer (``-runs``, ``-max_total_time``, a corpus
directory). ``OUT`` receives the outcome counts as JSON; ``soak.atheris_run``
writes the seeds and dictionary (``soak.atheris_inputs``), starts this and reads
libFuzzer's report.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["nomyo_web", "nomyo_router"]):
    from nomyo_router.client_keys import ClientKeyCache
    from nomyo_router.problem import HTTPProblem
    from nomyo_router.secure_completion import _load_chat_request
    from nomyo_web._exchange import REJECTED, bind_completion
    from nomyo_web.errors import SecurityError

from .atheris_inputs import PAYLOAD_ID
from .client_targets import check_parse

__all__ = ["CHECKS"]

_quiet = logging.getLogger("soak.atheris.quiet")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


def _wiped(buffer: bytearray) -> bool:
    return not any(buffer)


def check_binding(data: bytes) -> str:
    buffer = bytearray(data)
    try:
        completion = bind_completion(buffer, PAYLOAD_ID, None, _quiet)
    except SecurityError as error:
        assert error.message == REJECTED, "one opaque message for every rejection"
        outcome = "rejected"
    else:
        metadata = completion["_metadata"]
        assert metadata["payload_id"] == PAYLOAD_ID and metadata["is_encrypted"] is True
        outcome = "accepted"
    assert _wiped(buffer), "the opened plaintext is wiped"
    return outcome


def check_key_header(data: bytes) -> str:
    header = data.decode("latin-1")  # how an ASGI server hands header bytes to starlette
    try:
        key = ClientKeyCache().get(header)
    except HTTPProblem as problem:
        assert problem.status == 400, f"a bad key header is a 400, not {problem.status}"
        return "400"
    assert 2048 <= key.bits <= 8192, f"a {key.bits}-bit key was accepted"
    return "accepted"


def check_chat_request(data: bytes) -> str:
    buffer = bytearray(data)
    try:
        value = _load_chat_request(buffer)
    except HTTPProblem as problem:
        assert problem.status in (400, 413), f"a bad request is a 400/413, not {problem.status}"
        outcome = str(problem.status)
    else:
        assert isinstance(value["model"], str) and value["model"]
        assert isinstance(value["messages"], list)
        outcome = "accepted"
    assert _wiped(buffer), "the decrypted request is wiped"
    return outcome


@atheris.instrument_func
def check_canary(data: bytes) -> str:
    """Fails on one input the fuzzer must find by mutation: proves failures are reported."""
    if data[:6] == b"canary":
        raise AssertionError("the canary input was found")
    return "other"


CHECKS: dict[str, Callable[[bytes], str]] = {
    "canary": check_canary,
    "envelope-parser": check_parse,
    "completion-binding": check_binding,
    "client-key-header": check_key_header,
    "chat-request": check_chat_request,
}


def main(argv: list[str]) -> None:
    target, runs, out = argv[1], int(argv[2]), Path(argv[3])
    check = CHECKS[target]
    outcomes: Counter[str] = Counter()

    def save() -> None:
        out.write_text(json.dumps(dict(outcomes.most_common())))

    def one(data: bytes) -> None:
        outcomes[check(data)] += 1
        count = outcomes.total()
        if count % 1000 == 0 or count >= runs:
            save()  # libFuzzer ends the process itself; no atexit runs after it

    atheris.Setup([argv[0], f"-runs={runs}", *argv[4:]], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
