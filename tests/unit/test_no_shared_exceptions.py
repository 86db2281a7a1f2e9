"""No exception object is shared between raises, in the client or the router.

Raising one exception object again chains the new traceback onto the old one,
so every frame it passed through, and every request body in those frames, stays
alive as long as the object does. That was issue 19's leak: a module-level
``HTTPProblem`` raised for every envelope that did not decrypt. Two checks keep
it from coming back:

* every ``raise`` names a new exception (a call), or one the same function
  caught or made (a local name), never a module global or an attribute;
* no module and no class of ``nomyo_web`` holds an exception instance.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import nomyo_router
import nomyo_web
from tests.support.router import REPO_ROOT

PACKAGE = REPO_ROOT / "nomyo_web"
PACKAGES = (PACKAGE, REPO_ROOT / "router" / "nomyo_router")  # the client and the router
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _local_names(function: ast.AST) -> set[str]:
    """Names a function binds: assignments, loop targets and ``except ... as``."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _reraised_objects(node: ast.AST, local: set[str]) -> list[str]:
    """``raise X`` under ``node`` where ``X`` may be an object raised before."""
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _FUNCTIONS):
            found += _reraised_objects(child, _local_names(child))
            continue
        if isinstance(child, ast.Raise) and child.exc is not None:
            exc = child.exc
            fresh = isinstance(exc, ast.Call) or (isinstance(exc, ast.Name) and exc.id in local)
            if not fresh:
                found.append(f"line {child.lineno}: raise {ast.unparse(exc)}")
        found += _reraised_objects(child, local)
    return found


def test_every_raise_names_a_fresh_or_local_exception() -> None:
    found = {}
    for path in sorted(path for package in PACKAGES for path in package.rglob("*.py")):
        hits = _reraised_objects(ast.parse(path.read_text(), str(path)), set())
        if hits:
            found[str(path.relative_to(REPO_ROOT))] = hits
    assert not found, f"raise of a shared exception object (make a new one per raise): {found}"


def test_the_check_catches_a_module_level_exception_raised_again() -> None:
    source = (
        "FAILED = ValueError('x')\n"
        "def f():\n"
        "    try:\n"
        "        g()\n"
        "    except OSError as error:\n"
        "        raise FAILED from None\n"
        "def h(error):\n"
        "    raise self.stored\n"
        "def k():\n"
        "    failure = ValueError('y')\n"
        "    raise failure\n"
    )
    assert _reraised_objects(ast.parse(source), set()) == [
        "line 6: raise FAILED",
        "line 8: raise self.stored",
    ]


def _modules() -> list[str]:
    names = ["nomyo_web", "nomyo_router"]
    for package in (nomyo_web, nomyo_router):
        prefix = f"{package.__name__}."
        names += [info.name for info in pkgutil.walk_packages(package.__path__, prefix)]
    return names


def test_no_module_or_class_keeps_an_exception_instance() -> None:
    found, imported = [], 0
    for name in _modules():
        try:
            module = importlib.import_module(name)
        except ImportError:  # the Pyodide-only modules (js) and optional engines
            continue
        imported += 1
        holders = [(name, vars(module))]
        holders += [
            (f"{name}.{key}", vars(value))
            for key, value in vars(module).items()
            if isinstance(value, type) and value.__module__ == name
        ]
        for holder, namespace in holders:
            found += [
                f"{holder}.{key}"
                for key, value in namespace.items()
                if isinstance(value, BaseException)
            ]
    assert imported > 40 and Path(nomyo_web.__file__).is_relative_to(PACKAGE)
    assert Path(nomyo_router.__file__).is_relative_to(PACKAGES[1])
    assert not found, f"exception instances kept for reuse (make one per raise): {found}"
