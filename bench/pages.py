"""Cold loads of the browser pages: bare ``loadPyodide()``, the bench client page, the demo.

Each load gets a fresh browser context (nothing cached between loads); times are
``performance.now()`` in the page, i.e. milliseconds since its navigation started.

The demo is driven as a user would drive it, with no think time: an init script
(added by the bench, the page is unchanged) submits the page's default question
the moment its Send button is enabled, and notes when the first sealed answer is
on screen (the frame after the answer's element is added). The demo server runs
in front of the stub upstream, which answers at once: the figure is the page's
cost (start-up, key pair, sealing, the round trip, opening, rendering), not a
model's. Its yardstick is bare ``loadPyodide()`` plus one plain-JavaScript call
of the same protocol, both measured in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TIMEOUT_MS", "DemoLoad", "PageTree", "load_demo", "load_page"]

TIMEOUT_MS = 180_000

# The bench's user of the demo page (see the module docstring).
DEMO_USER_JS = """
(() => {
  const html = () => document.documentElement;
  const watch = () => {
    const send = document.getElementById("send");
    const messages = document.getElementById("messages");
    new MutationObserver(() => {
      if (!send.disabled && !html().dataset.benchAsked) {
        html().dataset.benchAsked = String(performance.now());
        document.getElementById("composer").requestSubmit();
      }
    }).observe(send, { attributes: true, attributeFilter: ["disabled"] });
    new MutationObserver(() => {
      if (html().dataset.benchFirstAnswerMs || html().dataset.benchFailed) return;
      if (messages.querySelector(".msg.assistant.error")) html().dataset.benchFailed = "error";
      if (messages.querySelector(".msg.assistant:not(.pending) [data-field=content]")) {
        const shown = () => { html().dataset.benchFirstAnswerMs = String(performance.now()); };
        requestAnimationFrame(shown);
      }
    }).observe(messages, { childList: true, subtree: true });
  };
  document.addEventListener("DOMContentLoaded", watch, { once: true });
})();
"""


@dataclass(frozen=True)
class PageTree:
    """Where one checkout keeps what its pages load."""

    root: Path

    @property
    def pyodide(self) -> Path:
        return self.root / "build" / "pyodide"

    @property
    def bench_pages(self) -> Path:
        return self.root / "bench" / "web"

    @property
    def web(self) -> Path:
        return self.root / "web"

    def demo_flags(self) -> list[str]:
        """The demo server's flags serving this checkout's pages and Pyodide build."""
        return ["--web", str(self.web), "--web-pyodide", str(self.pyodide)]


@dataclass(frozen=True)
class DemoLoad:
    """One cold load of the demo: ready, first answer on screen (ms since navigation), bytes."""

    ready_ms: float
    first_answer_ms: float
    page_bytes: int


async def load_page(browser: Any, url: str) -> tuple[Any, Any, float, int]:
    """A fresh context and page at ``url``; (context, page, ``benchReady`` ms, bytes downloaded)."""
    context, page, finished = await _open(browser)
    await page.goto(url)
    ready = float(await page.evaluate("window.benchReady", None))
    return context, page, ready, await _downloaded(finished)


async def load_demo(browser: Any, url: str) -> DemoLoad:
    """One cold load of the demo page, asked its default question at once."""
    context, page, finished = await _open(browser)
    try:
        await context.add_init_script(DEMO_USER_JS)
        await page.goto(url)
        await page.wait_for_function(
            "() => { const d = document.documentElement.dataset;"
            " return d.benchFirstAnswerMs || d.benchFailed || d.ready === 'failed'; }",
            polling=50,
        )
        data = await page.evaluate("() => ({...document.documentElement.dataset})")
        if "benchFirstAnswerMs" not in data:
            raise RuntimeError(f"the demo page gave no answer: {data}")
        return DemoLoad(
            float(data["loadMs"]), float(data["benchFirstAnswerMs"]), await _downloaded(finished)
        )
    finally:
        await context.close()


async def _open(browser: Any) -> tuple[Any, Any, list[Any]]:
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    return context, page, finished


async def _downloaded(finished: list[Any]) -> int:
    total = 0
    for request in finished:
        sizes = await request.sizes()
        total += int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
    return total
