"""Hypothesis strategies for hostile input: envelopes, bodies, headers, sealed plaintexts.

Everything starts from a *template*, a real envelope sealed for the target's key,
and breaks it the ways an attacker or a broken network would: fields dropped,
retyped or resized, base64 bent, bytes flipped, the JSON re-encoded (BOM,
UTF-16, Latin-1, escapes), truncated or padded with garbage. Raw binary and
well-sealed but nonsensical plaintexts are mixed in, so every layer is reached.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "ENVELOPE_KEYS",
    "chat_plaintexts",
    "envelope_bodies",
    "header_values",
    "json_values",
]

ENVELOPE_KEYS = (
    "version",
    "algorithm",
    "encrypted_aes_key",
    "key_algorithm",
    "payload_algorithm",
    "processed_at",
)
PAYLOAD_KEYS = ("ciphertext", "nonce", "tag")

HOSTILE: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2**63,
    -(2**64),
    1e308,
    -0.0,
    0.5,
    "",
    " ",
    "=",
    "==",
    "AAAA",
    "AAA=",
    "A",
    "1.0",
    "1.0 ",
    "1",
    "hybrid-aes256-rsa4096",
    "RSA-OAEP-SHA256",
    "AES-256-GCM",
    "\u00e4",
    "\x00",
    "\ud800",
    "\u202e",
    "a" * 5000,
    "/" * 64,
    [],
    {},
    [None],
    {"": None},
    [[[[[]]]]],
    {"version": "1.0"},
    ["AAAA"],
    {"ciphertext": "AAAA"},
)
"""Values that have broken parsers before: wrong types, edge numbers, odd strings."""

_leaves = st.sampled_from(HOSTILE) | st.integers() | st.text(max_size=12)
json_values: st.SearchStrategy[Any] = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)
hostile_values = st.sampled_from(HOSTILE)


def _bent_base64(data: bytes) -> st.SearchStrategy[Any]:
    """Base64 of ``data`` bent: resized, re-alphabeted, unpadded, spaced, flipped."""
    text = base64.b64encode(data).decode()
    sizes = (0, 1, 11, 12, 13, 15, 16, 17, 31, 32, 255, 256, 511, 512, 513, 1025)
    return st.one_of(
        st.sampled_from(sizes).map(lambda n: base64.b64encode(data[:n].ljust(n, b"\0")).decode()),
        st.just(text.rstrip("=")),
        st.just(base64.urlsafe_b64encode(data).decode()),
        st.integers(0, max(0, len(text) - 1)).map(lambda i: text[:i]),
        st.integers(0, max(0, len(text) - 1)).map(lambda i: text[:i] + " " + text[i:]),
        st.integers(0, max(0, len(data) - 1)).map(lambda i: _flip(data, i)),
        hostile_values,
    )


def _flip(data: bytes, index: int) -> str:
    changed = bytearray(data)
    if changed:
        changed[index] ^= 0x01
    return base64.b64encode(bytes(changed)).decode()


def _mutated_envelopes(template: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    payload = template["encrypted_payload"]
    raw = {name: base64.b64decode(payload[name]) for name in PAYLOAD_KEYS}
    raw["encrypted_aes_key"] = base64.b64decode(template["encrypted_aes_key"])
    bent = {name: _bent_base64(data) for name, data in raw.items()}  # built once: cheap draws
    fields, keys, payload_keys = (
        sorted(raw),
        st.sampled_from(ENVELOPE_KEYS),
        st.sampled_from(PAYLOAD_KEYS),
    )
    wheres = st.sampled_from(("top", "payload", "bytes", "bytes", "drop", "extra", "retype"))

    @st.composite
    def mutate(draw: st.DrawFn) -> dict[str, Any]:
        envelope = dict(template)
        inner = envelope["encrypted_payload"] = dict(template["encrypted_payload"])
        for _ in range(draw(st.integers(1, 3))):
            where = draw(wheres)
            if where == "top":
                envelope[draw(keys)] = draw(hostile_values)
            elif where == "payload":
                inner[draw(payload_keys)] = draw(hostile_values)
            elif where == "bytes":
                name = draw(st.sampled_from(fields))
                (envelope if name == "encrypted_aes_key" else inner)[name] = draw(bent[name])
            elif where == "drop":
                container = draw(st.sampled_from((envelope, inner)))
                if container:
                    container.pop(draw(st.sampled_from(sorted(container))), None)
            elif where == "extra":
                envelope[draw(st.text(max_size=8))] = draw(hostile_values)
            else:
                envelope["encrypted_payload"] = draw(hostile_values)
                inner = {}
        return envelope

    return mutate()


_STYLES = st.sampled_from(("compact", "compact", "spaced", "ascii", "bom", "utf16", "latin1"))


def _encode(draw: st.DrawFn, value: Any) -> bytes:
    style = draw(_STYLES)
    if style == "compact":
        return json.dumps(value, separators=(",", ":")).encode()
    if style == "spaced":
        return json.dumps(value, indent=draw(st.integers(0, 3))).encode()
    text = json.dumps(value, ensure_ascii=style == "ascii")
    if style == "bom":
        return b"\xef\xbb\xbf" + text.encode(errors="surrogatepass")
    if style == "utf16":
        return text.encode("utf-16", errors="surrogatepass")
    return text.encode("latin-1", errors="replace")


def envelope_bodies(template: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """A request or response body derived from ``template`` (a valid envelope dict)."""
    mutated = _mutated_envelopes(template)
    kinds = st.sampled_from(("mutated", "mutated", "mutated", "cut", "binary", "json"))
    tails = st.sampled_from((b"", b"", b"", b" ", b"\x00", b"}", b"garbage"))

    @st.composite
    def body(draw: st.DrawFn) -> bytes:
        kind = draw(kinds)
        if kind == "binary":
            return draw(st.binary(max_size=512))
        if kind == "json":
            return _encode(draw, draw(json_values))
        value = template if kind == "cut" else draw(mutated)
        encoded = _encode(draw, value)
        if kind == "cut":
            return encoded[: draw(st.integers(0, max(0, len(encoded) - 1)))]
        return encoded + draw(tails)

    return body()


def chat_plaintexts(marker: str) -> st.SearchStrategy[bytes]:
    """Plaintexts to seal correctly: chat requests (some valid), other JSON, non-JSON bytes."""
    valid = st.builds(
        lambda text, extra: json.dumps(
            {"model": "m", "messages": [{"role": "user", "content": f"{marker} {text}"}], **extra}
        ).encode(),
        st.text(max_size=40),
        st.dictionaries(
            st.sampled_from(("temperature", "seed", "stream", "x")), json_values, max_size=2
        ),
    )
    broken = st.builds(
        lambda model, messages: json.dumps({"model": model, "messages": messages}).encode(),
        json_values,
        json_values,
    )
    return st.one_of(
        valid,
        broken,
        json_values.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=256),
        st.integers(1, 5000).map(lambda depth: b"[" * depth + b"]" * depth),
    )


def header_values(valid: str) -> st.SearchStrategy[bytes | None]:
    """A header value: absent, the valid one, cut, bent, or arbitrary bytes (no CR/LF)."""
    raw = valid.encode("latin-1")
    return st.one_of(
        st.none(),
        st.just(raw),
        st.just(raw),
        st.integers(0, max(0, len(raw) - 1)).map(lambda i: raw[:i]),
        st.binary(max_size=64).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
        st.text(max_size=40).map(lambda t: t.encode("utf-8")),
    )
