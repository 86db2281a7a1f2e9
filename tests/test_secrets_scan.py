"""The secrets scan itself: it finds what it must (so its zero hits mean something)."""

from __future__ import annotations

from tests.attacks import secrets


def test_scan_finds_prompts_api_keys_and_private_key_blocks() -> None:
    text = (
        "INFO request {...}\n-----BEGIN PRIVATE KEY-----\nsk-planted-key-1 said hello there friend"
    )
    hits = secrets.scan_text(text, {"sk-planted-key-1", "hello there friend"})
    assert "PRIVATE KEY-----" in hits and "sk-planted-key-1" in hits
    assert "hello there friend" in hits
    assert secrets.scan_text("INFO request ok", {"sk-planted-key-1"}) == []


def test_no_secret_in_any_log_so_far() -> None:
    # The full check runs at session end (tests/attacks/conftest.py); this catches it early.
    assert secrets.scan() == []
