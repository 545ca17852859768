"""``echolab browse``: the browser widget as a Voila web app on this machine.

Voila runs the small notebook ``echolab/apps/browse.ipynb`` — a :class:`echolab.widgets.Browser`
on the folder given — and shows only its widgets, no code. It listens on 127.0.0.1 only: the
files stay on this machine. The page loads nothing from the internet: the ``echolab`` template
is Voila's lab template without its Font Awesome links to a CDN.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from .errors import EcholabError

__all__ = ["APP", "free_port", "start", "stop", "wait_until_up"]

#: The notebook Voila serves.
APP = Path(__file__).resolve().parent / "apps" / "browse.ipynb"
#: Jupyter data folder holding the ``echolab`` Voila template (the lab template without CDN links).
DATA = APP.parent / "share" / "jupyter"


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(folder: str | os.PathLike[str] | None, port: int) -> subprocess.Popen[bytes]:
    """Start Voila serving the browser for ``folder`` (the sample files when None) on ``port``.

    Raises
    ------
    EcholabError
        When ``folder`` is not a folder or Voila is not installed.
    """
    try:
        import voila  # noqa: F401
    except ImportError:
        raise EcholabError('echolab browse needs Voila: pip install "echolab[app]"') from None
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(DATA), env.get("JUPYTER_PATH", "")) if p)
    if folder is not None:
        if not os.path.isdir(folder):
            raise EcholabError(f"{folder}: not a folder")
        env["ECHOLAB_BROWSE_DIR"] = os.path.abspath(folder)
    else:
        env.pop("ECHOLAB_BROWSE_DIR", None)
    command = [
        sys.executable,
        "-m",
        "voila",
        APP.name,
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--template=echolab",
        "--show_tracebacks=False",
    ]
    return subprocess.Popen(command, cwd=APP.parent, env=env, start_new_session=True)


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Wait until the server of ``url`` accepts connections (a page load would start a kernel);
    raise :class:`EcholabError` on timeout or when ``process`` exits first."""
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise EcholabError(f"Voila exited with status {process.returncode} before serving {url}")
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise EcholabError(f"Voila did not answer at {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop Voila and its kernels (its whole process group): politely, then by force."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue
