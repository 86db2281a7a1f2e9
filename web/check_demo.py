"""Drive the demo page headless in Chromium against a running router; print the question and answer.

    python web/check_demo.py http://127.0.0.1:12435            # the router's origin
    python web/check_demo.py http://127.0.0.1:12435/demo/demo.html --screenshot out.png

It opens the page (``/demo/demo.html`` when given an origin), waits until
Pyodide, nomyo-web and the client's key are ready, sends the page's default
question (the capital of France at temperature 0), waits for the answer and
prints both. Exit status 0 when an answer arrived; 1 when the page failed,
showed an error, timed out, or anything was requested from another origin
(every request is intercepted: those are aborted and reported). Debian's
``chromium`` is launched through Python Playwright (never ``playwright
install``). Used by the one-shot ``demo --check`` and by tests/browser.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Run as `python web/check_demo.py`, this file's folder comes first on sys.path:
# add the repository root for the one Chromium launcher the test suites use too.
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from tests.support.browser import chromium

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 740}


@dataclass
class DemoRun:
    """What one run of the page saw."""

    question: str = ""
    answer: str = ""
    error: str = ""
    load_ms: int = 0
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.answer) and not self.error and not self.refused


def page_url(url: str) -> str:
    """The demo page's URL: ``url`` itself, or ``/demo/demo.html`` on a bare origin."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return f"{parts.scheme}://{parts.netloc}/demo/demo.html"
    return url


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def guard_network(context: Any, run: DemoRun, origins: set[str]) -> None:
    """Record every request; abort (and record) any that is not to ``origins``."""

    async def handle(route: Any) -> None:
        url = route.request.url
        run.requests.append(url)
        if urlsplit(url).scheme in ("data", "blob") or origin_of(url) in origins:
            await route.continue_()
        else:
            run.refused.append(url)
            await route.abort("blockedbyclient")

    await context.route("**/*", handle)


async def wait_ready(page: Any, timeout_ms: float) -> None:
    """Wait until the page says it is ready (or failed); raise if it failed."""
    await page.wait_for_selector("html[data-ready]", timeout=timeout_ms, state="attached")
    state = await page.get_attribute("html", "data-ready")
    if state != "true":
        reason = await page.text_content("#load-total")
        raise RuntimeError(f"the demo page failed to start: {reason}")


async def ask(page: Any, question: str | None, timeout_ms: float) -> tuple[str, str, str]:
    """Send ``question`` (or the page's default); returns (question, answer, error)."""
    if question is not None:
        await page.fill("#prompt", question)
    asked = (await page.input_value("#prompt")).strip()
    count = await page.locator(".msg.assistant").count()
    await page.click("#send")
    reply = page.locator(".msg.assistant").nth(count)
    await reply.and_(page.locator(".msg.assistant:not(.pending)")).wait_for(timeout=timeout_ms)
    if "error" in (await reply.get_attribute("class") or ""):
        return asked, "", (await reply.inner_text()).strip()
    # A tool round adds a second answer; the last one is the model's reply.
    last = page.locator(".msg.assistant").last
    await last.and_(page.locator(".msg.assistant:not(.pending)")).wait_for(timeout=timeout_ms)
    answer = await last.locator("[data-field=content]").all_text_contents()
    return asked, "".join(answer).strip(), ""


async def check_demo(
    url: str,
    *,
    question: str | None = None,
    timeout: float = 180.0,
    screenshot: Path | None = None,
    viewport: dict[str, int] | None = None,
) -> DemoRun:
    """Open the demo page at ``url`` in headless Chromium, ask once, return what happened."""
    target = page_url(url)
    run = DemoRun()
    async with chromium() as browser:
        context = await browser.new_context(viewport=viewport or DESKTOP)
        await guard_network(context, run, {origin_of(target)})
        page = await context.new_page()
        page.on("console", lambda m: m.type == "error" and run.console_errors.append(m.text))
        await page.goto(target)
        await wait_ready(page, timeout * 1000)
        run.load_ms = int(await page.get_attribute("html", "data-load-ms") or 0)
        run.question, run.answer, run.error = await ask(page, question, timeout * 1000)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(screenshot), full_page=True)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the router's origin, or the demo page's full URL")
    parser.add_argument("--question", help="ask this instead of the page's default question")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per step")
    parser.add_argument("--screenshot", type=Path, help="save a full-page screenshot here")
    parser.add_argument("--phone", action="store_true", help="use a 375 px wide viewport")
    args = parser.parse_args(argv)
    try:
        run = asyncio.run(
            check_demo(
                args.url,
                question=args.question,
                timeout=args.timeout,
                screenshot=args.screenshot,
                viewport=PHONE if args.phone else DESKTOP,
            )
        )
    except Exception as error:
        print(f"demo check failed: {error}", file=sys.stderr)
        return 1
    print(f"question: {run.question}")
    if run.answer:
        print(f"answer: {run.answer}")
    where = "all local" if not run.refused else f"{len(run.refused)} refused"
    print(f"page ready after {run.load_ms / 1000:.1f} s; {len(run.requests)} requests, {where}")
    if run.error:
        print(f"the page showed an error: {run.error}", file=sys.stderr)
    for url in run.refused:
        print(f"refused a request to another origin: {url}", file=sys.stderr)
    return 0 if run.ok else 1


if __name__ == "__main__":
    sys.exit(main())
