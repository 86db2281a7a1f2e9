"""The page, in headless Chromium, against a scripted NOMYO server on this machine."""

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def page(nomyo_page: Page, nomyo_site, nomyo_server) -> Page:
    """The app, pointed at the test's server (and pinned to its key), ready to ask."""
    settings = {
        "base_url": nomyo_server.base_url,
        "api_key": nomyo_server.api_key,
        "pin": nomyo_server.fingerprint,
    }
    nomyo_page.goto(f"{nomyo_site.url}/index.html?{urlencode(settings)}")
    expect(nomyo_page.locator("#answer")).to_have_attribute("data-state", "ready", timeout=60_000)
    return nomyo_page


def ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.click("#send")
    expect(page.locator("#answer")).not_to_have_attribute("data-state", "asking", timeout=30_000)


def test_the_answer_is_shown(page: Page, nomyo_server) -> None:
    nomyo_server.answer("Paris.")
    ask(page, "What is the capital of France?")
    expect(page.locator("#answer")).to_have_text("Paris.")
    [request] = nomyo_server.requests
    assert request.messages == [{"role": "user", "content": "What is the capital of France?"}]
    assert request.headers["authorization"] == f"Bearer {nomyo_server.api_key}"


def test_a_tool_call_is_named(page: Page, nomyo_server) -> None:
    nomyo_server.answer(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    ask(page, "Weather in Paris?")
    expect(page.locator("#answer")).to_have_text("The model wants to call: get_weather")


def test_a_failure_is_a_friendly_message(page: Page, nomyo_server) -> None:
    nomyo_server.answer(status=503, retry_after=0, times=None)
    ask(page, "Anyone there?")
    expect(page.locator("#answer")).to_have_attribute("data-state", "error")
    expect(page.locator("#answer")).to_contain_text("ServiceUnavailableError")
