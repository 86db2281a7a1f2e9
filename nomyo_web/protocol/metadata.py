"""The ``_metadata`` object inside a sealed answer: what the router writes, what the client checks.

The router seals ``_metadata`` into every answer; its ``payload_id`` repeats the
request's ``X-Payload-ID``. Because it is inside the ciphertext, it binds the
answer to its request: the client refuses an opened answer whose
``_metadata.payload_id`` is not the one it sent (an answer swapped from another
request). After the check the client adds what ``nomyo`` adds
(``is_encrypted``, ``encryption_algorithm``, the envelope's ``processed_at``).
"""

from __future__ import annotations

from typing import Any

from .envelope import ENVELOPE_ALGORITHM

__all__ = ["annotate_opened", "is_bound_to", "response_metadata"]


def response_metadata(payload_id: str, processed_at: int, security_tier: str) -> dict[str, Any]:
    """The ``_metadata`` the router seals into an answer to request ``payload_id``."""
    return {
        "payload_id": payload_id,
        "processed_at": processed_at,
        "is_encrypted": True,
        "response_status": "success",
        "security_tier": security_tier,
    }


def is_bound_to(completion: Any, payload_id: str) -> bool:
    """True when ``completion`` is an object whose ``_metadata.payload_id`` is ``payload_id``."""
    if not isinstance(completion, dict):
        return False
    metadata = completion.get("_metadata")
    return isinstance(metadata, dict) and metadata.get("payload_id") == payload_id


def annotate_opened(
    completion: dict[str, Any], payload_id: str, processed_at: int | float | None
) -> None:
    """Add to a checked answer's ``_metadata`` what the client knows about how it travelled."""
    completion["_metadata"].update(
        payload_id=payload_id,
        processed_at=processed_at,
        is_encrypted=True,
        encryption_algorithm=ENVELOPE_ALGORITHM,
    )
