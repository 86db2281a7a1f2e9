"""The WebCrypto call log: which ``crypto.subtle`` operations a runtime ran, and how.

``RECORDER_JS`` (run once, before the code under test) wraps every method of the
runtime's ``crypto.subtle`` so each call appends ``{"op", "algorithm", "format",
"extractable", "usages"}`` to ``globalThis.__nomyoWebCrypto`` — the shape of the
call only: never key material, data or results. ``calls(runner)`` reads the log;
``forget(runner)`` empties it. A test can then say, for example, that the client's
private key was generated non-extractable and never exported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RECORDER_JS", "calls", "forget"]

RECORDER_JS = """
if (globalThis.crypto && crypto.subtle && !globalThis.__nomyoWebCrypto) {
  const log = [];
  globalThis.__nomyoWebCrypto = log;
  const subtle = crypto.subtle;
  const nameOf = (algorithm) =>
    typeof algorithm === "string" ? algorithm : (algorithm && algorithm.name) || null;
  // Where each method takes its algorithm, format, extractable flag and usages.
  const shapes = {
    generateKey: { algorithm: 0, extractable: 1, usages: 2 },
    importKey: { format: 0, algorithm: 2, extractable: 3, usages: 4 },
    exportKey: { format: 0 },
    encrypt: { algorithm: 0 }, decrypt: { algorithm: 0 },
    sign: { algorithm: 0 }, verify: { algorithm: 0 }, digest: { algorithm: 0 },
    deriveKey: { algorithm: 0, extractable: 3, usages: 4 }, deriveBits: { algorithm: 0 },
    wrapKey: { format: 0, algorithm: 3 },
    unwrapKey: { format: 0, algorithm: 3, extractable: 5, usages: 6 },
  };
  for (const [op, at] of Object.entries(shapes)) {
    const real = subtle[op];
    if (typeof real !== "function") continue;
    subtle[op] = function (...args) {
      log.push({
        op,
        algorithm: at.algorithm === undefined ? null : nameOf(args[at.algorithm]),
        format: at.format === undefined ? null : String(args[at.format]),
        extractable: at.extractable === undefined ? null : Boolean(args[at.extractable]),
        usages: at.usages === undefined ? null : Array.from(args[at.usages] || [], String),
      });
      return real.apply(subtle, args);
    };
  }
}
"""


def calls(runner: Any) -> list[dict[str, Any]]:
    """Every ``crypto.subtle`` call the runtime made since the recorder (or ``forget``)."""
    return list(runner.run_js("return globalThis.__nomyoWebCrypto || [];"))


def forget(runner: Any) -> None:
    runner.run_js("if (globalThis.__nomyoWebCrypto) globalThis.__nomyoWebCrypto.length = 0;")
