"""``echolab browse``: the browser widget as a Voila web app on this machine, for its owner only.

Voila runs the small notebook ``echolab/ui/apps/browse.ipynb`` — a :class:`echolab.ui.widgets.Browser`
confined to the folder given (no folder box: only that folder's files can be listed) — and shows
only its widgets, no code. The server (:mod:`echolab.ui.browse_server`) listens on 127.0.0.1 only,
answers only requests carrying the random token of the printed URL and naming a loopback
``Host``, runs at most a few kernels and shuts idle ones down. Its kernels' connection files live
in a private temporary folder removed when it stops. The page loads nothing from the internet:
the ``echolab`` template is Voila's lab template without its Font Awesome links to a CDN.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ..errors import EcholabError

__all__ = ["APP", "BrowseServer", "free_port", "start", "stop", "wait_until_up"]

#: The notebook Voila serves.
APP = Path(__file__).resolve().parent / "apps" / "browse.ipynb"
#: Jupyter data folder holding the ``echolab`` Voila template (the lab template without CDN links).
DATA = APP.parent / "share" / "jupyter"


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class BrowseServer:
    """A running ``echolab browse`` server.

    Attributes
    ----------
    process
        The Voila server process (leader of its own process group, with its kernels).
    url
        The address to open, with the token: ``http://127.0.0.1:<port>/?token=<token>``.
    token
        The secret every request needs (in the URL once, then a cookie).
    runtime_dir
        The private temporary folder of the kernels' connection files, removed by :func:`stop`.
    """

    process: subprocess.Popen[bytes]
    url: str
    token: str
    runtime_dir: str


def start(folder: str | os.PathLike[str] | None, port: int) -> BrowseServer:
    """Start Voila serving the browser for ``folder`` (the sample files when None) on ``port``
    of 127.0.0.1, with a new random token.

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
    # the server and its kernels run this very echolab (not another copy on the path)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p
    )
    if folder is not None:
        if not os.path.isdir(folder):
            raise EcholabError(f"{folder}: not a folder")
        env["ECHOLAB_BROWSE_DIR"] = os.path.abspath(folder)
    else:
        env.pop("ECHOLAB_BROWSE_DIR", None)
    token = secrets.token_urlsafe(32)
    env["ECHOLAB_BROWSE_TOKEN"] = token  # the environment, not argv: other users can read argv
    runtime_dir = tempfile.mkdtemp(prefix="echolab-browse-")  # mode 0700: connection files stay private
    env["JUPYTER_RUNTIME_DIR"] = runtime_dir
    command = [
        sys.executable,
        "-m",
        "echolab.ui.browse_server",
        APP.name,
        f"--port={port}",
        "--port_retries=0",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.connection_dir_root={runtime_dir}",
        "--template=echolab",
        "--show_tracebacks=False",
    ]
    try:
        process = subprocess.Popen(command, cwd=APP.parent, env=env, start_new_session=True)
    except BaseException:
        shutil.rmtree(runtime_dir, ignore_errors=True)
        raise
    return BrowseServer(process, f"http://127.0.0.1:{port}/?token={token}", token, runtime_dir)


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Wait until the server of ``url`` accepts connections (a page load would start a kernel);
    raise :class:`EcholabError` on timeout or when ``process`` exits first."""
    parts = urllib.parse.urlsplit(url)
    url = urllib.parse.urlunsplit(parts._replace(query=""))  # messages never show the token
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


def stop(server: BrowseServer | subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop Voila and its kernels (its whole process group): politely, then by force; then
    remove the kernels' connection files (the server's private runtime folder)."""
    process = server.process if isinstance(server, BrowseServer) else server
    try:
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
    finally:
        if isinstance(server, BrowseServer):
            shutil.rmtree(server.runtime_dir, ignore_errors=True)
