"""Cases for ``key_pair=``: a client whose first key pair the page made with WebCrypto.

The page's pair is built from the suite's one shared RSA-4096 key (imported, so no
new 4096-bit key is generated): the host passes its PKCS#8 and SPKI, and a variant
name says what to get wrong. A wrong size needs another key: a 2048-bit pair is
generated (fast) for that variant only.
"""

from __future__ import annotations

import base64
import warnings
from typing import Any

from nomyo_web import SecureChatCompletion

from .client import _CLIENTS

# variant -> (private key extractable, hash, private usages)
_VARIANTS: dict[str, tuple[bool, str, list[str]]] = {
    "good": (False, "SHA-256", ["decrypt", "unwrapKey"]),
    "extractable": (True, "SHA-256", ["decrypt", "unwrapKey"]),
    "sha1": (False, "SHA-1", ["decrypt", "unwrapKey"]),
    "no-unwrap": (False, "SHA-256", ["decrypt"]),
}


async def _imported_pair(pkcs8_b64: str, spki_b64: str, variant: str) -> Any:
    import js
    from pyodide.ffi import to_js

    extractable, hash_name, usages = _VARIANTS[variant]
    subtle = js.crypto.subtle
    algorithm = to_js({"name": "RSA-OAEP", "hash": hash_name}, dict_converter=js.Object.fromEntries)
    private = await subtle.importKey(
        "pkcs8", to_js(base64.b64decode(pkcs8_b64)), algorithm, extractable, to_js(usages)
    )
    public = await subtle.importKey(
        "spki", to_js(base64.b64decode(spki_b64)), algorithm, True, to_js(["encrypt"])
    )
    return js.Object.fromEntries(to_js([["privateKey", private], ["publicKey", public]]))


async def _small_pair() -> Any:
    import js
    from pyodide.ffi import to_js

    algorithm = to_js(
        {
            "name": "RSA-OAEP",
            "modulusLength": 2048,
            "publicExponent": to_js(b"\x01\x00\x01"),
            "hash": "SHA-256",
        },
        dict_converter=js.Object.fromEntries,
    )
    return await js.crypto.subtle.generateKey(algorithm, False, to_js(["decrypt", "unwrapKey"]))


async def make_client(
    client_id: str, base_url: str, pkcs8_b64: str, spki_b64: str, variant: str, promise: bool
) -> str:
    """A client under ``client_id`` whose ``key_pair`` is the page's (or the promise of it)."""
    import js

    if variant == "rejected":
        given = js.Promise.reject(js.Error.new("the page's generateKey failed"))
    else:
        if variant == "2048-bit":
            pair = await _small_pair()
        elif variant == "not-a-pair":
            pair = js.Object.new()
        else:
            pair = await _imported_pair(pkcs8_b64, spki_b64, variant)
        given = js.Promise.resolve(pair) if promise else pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _CLIENTS[client_id] = SecureChatCompletion(
            base_url=base_url, allow_http=True, key_pair=given
        )
    return "made"


def client_public_pem(client_id: str) -> str | None:
    """The PEM of the pair the client seals its requests' answers to (None before the first)."""
    current = _CLIENTS[client_id]._core.keys._current
    return None if current is None else current.public.pem
