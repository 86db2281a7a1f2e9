"""JavaScript promises started, chained and joined without Pyodide's per-promise cost.

When Python calls a JavaScript function that returns a promise, Pyodide wraps
the promise in an asyncio ``Future`` at once, whether or not it is awaited;
each ``Future`` later costs the event loop one or two turns (its done
callbacks, each a ``MessageChannel`` task that enters Python). An await costs
its own turn too. So a sealed exchange written as one await per WebCrypto call
spent more of its time in that machinery than in the crypto.

Here the calls are made *by JavaScript*: ``Array.prototype.map`` runs
``Reflect.apply`` on a one-row table, and Python reads the promise out of the
array it returns (reading an element wraps nothing). A step that needs an
earlier step's result is chained in JavaScript too: ``Promise.all`` of its
arguments, then ``Reflect.apply`` of the function on what they resolved to.
Python then awaits one promise for a whole chain (``gather``).

Only JavaScript's own functions are used, composed with ``bind``: no code is
evaluated (a page's Content Security Policy need not allow ``unsafe-eval``) and
no Python function is handed to JavaScript, so nothing needs a ``destroy()``.
Imported only under Pyodide.
"""

from __future__ import annotations

from typing import Any

import js
from pyodide.ffi import to_js

__all__ = ["after", "gather", "later", "start", "then"]

# apply_row([f, self, args]) is Reflect.apply(f, self, args); a map callback's extra
# arguments (index, array) are ignored by Function.prototype.apply.
_APPLY_ROW = js.Function.prototype.apply.bind(js.Reflect.apply, None)
# map_rows(rows, callback) is rows.map(callback).
_MAP_ROWS = js.Function.prototype.call.bind(js.Array.prototype.map)
# Read with Reflect.get: on a thenable, Pyodide's attribute ``then`` is its own Python method.
_THEN = js.Reflect.get(js.Promise.prototype, "then")
# bind_apply(None, f, self, ...) is Reflect.apply.bind(null, f, self, ...).
_BIND_APPLY = js.Function.prototype.bind.bind(js.Reflect.apply)
_ALL = js.Promise.all.bind(js.Promise)
# Every JavaScript value Python names costs a crossing to look up: the ones used on every
# call are looked up once, here.


def start(function: Any, this: Any, *args: Any) -> Any:
    """``function.apply(this, args)`` called from JavaScript; its promise, with no ``Future``.

    ``args`` are JavaScript values, or Python ones converted in the same one
    crossing: str, int, bool, bytes (a ``Uint8Array`` copy), lists (arrays) and
    dicts (plain objects, as WebCrypto and ``fetch`` read them). A synchronous
    throw raises ``JsException`` here.
    """
    row = [[function, this, list(args)]]
    return _MAP_ROWS(_js(row), _APPLY_ROW)[0]


def later(function: Any, this: Any, *args: Any) -> Any:
    """The promise of ``function.apply(this, args)`` called from a microtask: a shallow stack.

    Called straight from Python, a function runs above every frame of the Python
    interpreter; a browser that records a request's initiator stack (DevTools, or
    automation such as Playwright) walks them all for each ``fetch``. From a
    microtask there is nothing beneath. A throw rejects the promise.
    """
    return start(_THEN, _RESOLVED, _BIND_APPLY(None, function, this, _js(list(args))))


def then(promise: Any, function: Any) -> Any:
    """``promise.then(function)``, called from JavaScript: the promise of ``function(value)``."""
    return start(_THEN, promise, function)


def after(function: Any, this: Any, *args: Any) -> Any:
    """The promise of ``function.apply(this, values)``, once every promise in ``args`` has
    resolved and ``values`` are ``args`` with each promise replaced by its value.

    It rejects, without calling ``function``, if one of those promises rejects.
    """
    resolved = start(_ALL, None, list(args))
    return start(_THEN, resolved, _BIND_APPLY(None, function, this))


def gather(*promises: Any) -> Any:
    """One promise (to await) of every value of ``promises``, as a JavaScript array.

    It rejects with the first rejection; the others' outcomes are still handled,
    so none is reported as unhandled.
    """
    return _ALL(_js(list(promises)))


def _js(values: list[Any]) -> Any:
    """``values`` as a JavaScript array, converted deeply: dicts become plain objects
    (Pyodide's default; ``dict_converter=Object.fromEntries`` gives the same, slower), and
    anything without a conversion raises instead of crossing as a ``PyProxy``."""
    return to_js(values, create_pyproxies=False)


# A promise resolved once; each ``then`` on it is a fresh microtask (``later``).
_RESOLVED = start(js.Promise.resolve.bind(js.Promise), None)
