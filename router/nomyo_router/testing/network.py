"""The loopback-only network check: what a Pyodide runtime asked for, and what left loopback.

``RECORDER_JS`` is run once in a page or a Node.js context (before the code under
test): it wraps ``fetch``, ``XMLHttpRequest``, ``WebSocket``, ``EventSource`` and
``navigator.sendBeacon`` so each URL is kept in ``globalThis.__nomyoNetwork``
before the request starts (a request that then fails is still listed).
``NETWORK_JS`` returns those URLs plus every Resource Timing entry (scripts,
WebAssembly and anything fetched before the recorder was there).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = [
    "NETWORK_JS",
    "RECORDER_JS",
    "LoopbackViolation",
    "check_loopback_only",
    "is_loopback",
]

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

RECORDER_JS = """
if (!globalThis.__nomyoNetwork) {
  const seen = [];
  globalThis.__nomyoNetwork = seen;
  const urlOf = (input) => String(input && input.url !== undefined ? input.url : input);
  const realFetch = globalThis.fetch;
  if (realFetch) {
    globalThis.fetch = function (input, init) {
      seen.push(urlOf(input));
      return realFetch(input, init);
    };
  }
  if (globalThis.XMLHttpRequest) {
    const open = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (method, url, ...rest) {
      seen.push(String(url));
      return open.call(this, method, url, ...rest);
    };
  }
  for (const name of ["WebSocket", "EventSource"]) {
    const Real = globalThis[name];
    if (Real) {
      globalThis[name] = new Proxy(Real, {
        construct(target, args) { seen.push(String(args[0])); return new target(...args); },
      });
    }
  }
  if (globalThis.navigator && navigator.sendBeacon) {
    const beacon = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, data) => { seen.push(String(url)); return beacon(url, data); };
  }
  if (globalThis.performance && performance.setResourceTimingBufferSize) {
    performance.setResourceTimingBufferSize(100000);
  }
}
"""

NETWORK_JS = """
const timed = (globalThis.performance && performance.getEntriesByType)
  ? performance.getEntriesByType("resource").map((entry) => entry.name) : [];
return [...(globalThis.__nomyoNetwork || []), ...timed];
"""


class LoopbackViolation(AssertionError):
    """A runtime asked for something that is not on this machine's loopback."""


def is_loopback(url: str) -> bool:
    """True for http(s)/ws(s) URLs on a loopback host, and for data:, blob: and about: URLs."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    if parts.scheme in ("", "file"):  # a path: Node.js reads the local distribution
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in _LOOPBACK_HOSTS


def check_loopback_only(urls: Iterable[str], where: str = "the runtime") -> None:
    """Raise ``LoopbackViolation`` naming every URL that is not loopback."""
    outside = sorted({url for url in urls if not is_loopback(url)})
    if outside:
        raise LoopbackViolation(f"{where} made requests that left loopback: {', '.join(outside)}")
