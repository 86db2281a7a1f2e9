"""Header-unsafe API keys and base URLs are InvalidParameterError, and no error holds the key.

Before the check, a non-ASCII API key escaped as UnicodeEncodeError whose
repr held ``Bearer <the key>``, and a base URL with CR/LF escaped as
httpx.InvalidURL -- both only once a request was under way.
"""

from __future__ import annotations

import traceback
import warnings

import pytest

from nomyo_web import InvalidParameterError, SecureChatCompletion

from .mitm import Mitm

MESSAGES = [{"role": "user", "content": "hello"}]
SECRET = "Zq7SECRETx9K"

BAD_API_KEYS = {
    "non-ASCII": f"sk-ünï-{SECRET}-çödé",
    "CR/LF": f"sk-{SECRET}\r\nX-Injected: 1",
    "LF": f"sk-{SECRET}\n",
    "NUL": f"sk-{SECRET}\x00tail",
    "tab": f"sk-{SECRET}\tx",
    "space": f"sk-{SECRET} x",
    "DEL": f"sk-{SECRET}\x7f",
    "escape": f"sk-\x1b[31m{SECRET}",
    "line separator": f"sk-{SECRET}\u2028x",
}

BAD_BASE_URLS = {
    "CR/LF inside": "https://api.nomyo.ai\r\nX-Injected: 1",
    "LF in the host": "https://api.no\nmyo.ai",
    "NUL": "https://api.nomyo.ai\x00.evil",
    "space in the path": "https://api.nomyo.ai/v 1",
    "tab in the host": "https://api.\tnomyo.ai",
    "control character": "https://api.nomyo.ai/\x1b",
    "port out of range": "https://api.nomyo.ai:99999",
    "non-ASCII host": "https://☃.net",
    "broken A-label": "https://xn--zz.com",
}


def _everything_said_about(error: BaseException) -> str:
    """Every text an error carries or leads to: message, str, repr, args, chain, traceback."""
    parts = [str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error))]
    parts += [repr(error.__cause__), repr(error.__context__)]
    parts.append(getattr(error, "message", ""))
    return "\n".join(parts)


def _assert_holds_no_part_of(text: str, key: str) -> None:
    assert SECRET not in text
    # No 6-character piece of the key either (its distinctive parts, not "sk-" and the like).
    pieces = {key[i : i + 6] for i in range(len(key) - 5)}
    leaked = sorted(piece for piece in pieces if piece in text and piece.strip() == piece)
    assert leaked == [], leaked


def _client(**options: object) -> SecureChatCompletion:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return SecureChatCompletion(key_rotation_interval=None, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", list(BAD_API_KEYS))
def test_a_header_unsafe_api_key_is_refused_at_construction(case: str) -> None:
    key = BAD_API_KEYS[case]
    with pytest.raises(InvalidParameterError) as caught:
        _client(api_key=key, base_url="https://127.0.0.1:9")
    assert type(caught.value) is InvalidParameterError
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    _assert_holds_no_part_of(_everything_said_about(caught.value), key)


@pytest.mark.parametrize("case", list(BAD_API_KEYS))
def test_a_header_unsafe_api_key_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    key = BAD_API_KEYS[case]
    if "\x00" in key:
        pytest.skip("an environment variable cannot hold NUL")
    monkeypatch.setenv("NOMYO_API_KEY", key)
    with pytest.raises(InvalidParameterError) as caught:
        _client(base_url="https://127.0.0.1:9")
    _assert_holds_no_part_of(_everything_said_about(caught.value), key)


@pytest.mark.parametrize("case", list(BAD_API_KEYS))
async def test_a_header_unsafe_per_call_api_key_is_refused_before_sending(
    make_client, mitm: Mitm, case: str
) -> None:
    key = BAD_API_KEYS[case]
    client = make_client(max_retries=0)
    with pytest.raises(InvalidParameterError) as caught:
        await client.create(model="m", messages=MESSAGES, api_key=key)
    assert type(caught.value) is InvalidParameterError
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    _assert_holds_no_part_of(_everything_said_about(caught.value), key)
    assert mitm.seen == []


@pytest.mark.parametrize("case", list(BAD_BASE_URLS))
def test_a_header_unsafe_base_url_is_refused_at_construction(case: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        _client(base_url=BAD_BASE_URLS[case], allow_http=True)
    assert type(caught.value) is InvalidParameterError
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("case", list(BAD_BASE_URLS))
async def test_a_header_unsafe_per_call_base_url_is_refused_before_sending(
    make_client, mitm: Mitm, case: str
) -> None:
    client = make_client(max_retries=0)
    with pytest.raises(InvalidParameterError) as caught:
        await client.create(model="m", messages=MESSAGES, base_url=BAD_BASE_URLS[case])
    assert type(caught.value) is InvalidParameterError
    assert mitm.seen == []


@pytest.mark.parametrize(
    "url", ["https://xn--bcher-kva.example", "https://[::1]:8443/v1", " https://h.example/ "]
)
def test_good_base_urls_still_pass(url: str) -> None:
    assert _client(base_url=url).base_url == url.strip().rstrip("/")


@pytest.mark.parametrize("key", ["sk-abc_DEF.123~+/=", "x" * 200, "!#$%&'*-^`|~"])
def test_visible_ascii_api_keys_still_pass(key: str) -> None:
    assert _client(api_key=key, base_url="https://127.0.0.1:9")._api_key == key


def test_a_key_pair_outside_pyodide_is_refused_at_construction() -> None:
    """``key_pair`` is a WebCrypto CryptoKeyPair; the cryptography backend cannot take one."""
    with pytest.raises(InvalidParameterError, match="key_pair is a WebCrypto CryptoKeyPair"):
        SecureChatCompletion(base_url="https://api.nomyo.ai", key_pair=object())
