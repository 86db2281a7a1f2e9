"""The one ``run_in_pyodide`` function of the suite: a case, run inside Pyodide.

    run_case(selenium, "crypto:backend_name", {})      # -> "webcrypto"

pytest-pyodide ships the function's source into the runtime of ``selenium`` (one
of its runners) and pickles the arguments in and the result (or the exception,
with its traceback) back. The cases are the package ``pyodide_cases`` there
(``tests/pyodide/cases``, copied in by ``interpreters.PyodideInterpreter``).
Import this module only once pytest-pyodide is configured (inside a fixture).
"""

from __future__ import annotations

from typing import Any

from pytest_pyodide import run_in_pyodide


# The cases assert where they run; this trampoline asserts nothing, so no rewriting, and
# it sends a failure's traceback as text (pytest-pyodide would load tblib on every call).
@run_in_pyodide(pytest_assert_rewrites=False)
async def run_case(selenium: Any, target: str, kwargs: dict[str, Any]) -> Any:
    import traceback

    from pyodide_cases import call

    try:
        return await call(target, kwargs)
    except Exception:
        raise AssertionError(f"{target} failed in Pyodide:\n{traceback.format_exc()}") from None
