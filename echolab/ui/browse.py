"""``echolab browse``: the browser widget as a Voila web app on this machine, for its owner only.

Voila runs the small notebook ``echolab/ui/apps/browse.ipynb`` — a :class:`echolab.ui.widgets.Browser`
confined to the folder given (no folder box: only that folder's files can be listed) — and shows
only its widgets, no code. The server (:mod:`echolab.ui.browse_server`) answers only requests
carrying the random token of the printed URL and naming a loopback ``Host``, runs at most a few
kernels and shuts idle ones down. The page loads nothing from the internet: the ``echolab``
template is Voila's lab template without its Font Awesome links to a CDN.

Two things tie the server to the process that starts it (this module, in ``echolab browse``):

- the listening socket: :func:`start` binds 127.0.0.1:PORT itself and hands the bound socket to
  the server, so the address it prints is the one served — no other program can take the port
  between choosing and serving it, and a port already taken is refused, never replaced by another;
- a control connection (a socket pair): the server says ``ready`` on it once it serves, and stops
  — kernels, connection files and all — as soon as the other end closes, which happens however
  this process ends (``kill -9`` included).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import EcholabError, require

__all__ = ["APP", "READY", "BrowseServer", "listening_socket", "start", "stop", "wait_until_up"]

#: The notebook Voila serves.
APP = Path(__file__).resolve().parent / "apps" / "browse.ipynb"
#: Jupyter data folder holding the ``echolab`` Voila template (the lab template without CDN links).
DATA = APP.parent / "share" / "jupyter"
#: What the server sends on its control connection once it serves.
READY = b"ready\n"
#: The loopback address the app listens on.
LOOPBACK = "127.0.0.1"


def listening_socket(port: int) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:``port`` and listening (``port`` 0: one the system picks).

    Raises
    ------
    EcholabError
        When the port is in use (by anyone: the app never moves to another port) or not ours to bind.
    """
    if not 0 <= port <= 65535:
        raise EcholabError("not a TCP port; give 1 to 65535, or 0 for a free one", f"port {port}")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # SO_REUSEADDR lets a port whose last connections linger in TIME_WAIT be bound again; on Linux it
    # never lets two sockets listen on one port (that would need SO_REUSEPORT, which is not set)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((LOOPBACK, port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            why = f"in use on {LOOPBACK} by another program; choose another --port, or leave it out for a free one"
        elif exc.errno == errno.EACCES:
            why = "needs privileges to bind; choose a port above 1023"
        else:
            why = f"cannot be bound on {LOOPBACK} ({exc.strerror or exc})"
        raise EcholabError(why, f"port {port}") from None
    return listener


@dataclass(frozen=True)
class BrowseServer:
    """A running ``echolab browse`` server.

    Attributes
    ----------
    process
        The Voila server process (leader of its own process group).
    url
        The address to open, with the token: ``http://127.0.0.1:<port>/?token=<token>``.
    token
        The secret every request needs (in the URL once, then a cookie).
    runtime_dir
        The private temporary folder of the kernels' connection files, removed when the server stops
        (by the server itself, and by :func:`stop`).
    control
        This end of the control connection: the server stops when it closes.
    port
        The TCP port of 127.0.0.1 the server listens on.
    """

    process: subprocess.Popen[bytes]
    url: str
    token: str
    runtime_dir: str
    control: socket.socket
    port: int


def start(
    folder: str | os.PathLike[str] | None,
    port: int = 0,
    *,
    notebook: str | os.PathLike[str] = APP,
    log: IO[bytes] | None = None,
) -> BrowseServer:
    """Start Voila serving the browser for ``folder`` (the sample files when None) on ``port`` of
    127.0.0.1 (0: a free one), with a new random token.

    The port is bound here, before the server starts, and the bound socket is handed to it; see
    :func:`wait_until_up` for when it serves.

    Parameters
    ----------
    folder
        The folder the page lists (recursively); None lists the sample files.
    port
        TCP port of 127.0.0.1; 0 lets the system pick a free one.
    notebook
        The notebook Voila runs (the browser app; tests run others through the same server).
    log
        Where the server's output goes (its warnings: refused requests, errors); None: this
        process's standard error.

    Raises
    ------
    EcholabError
        When ``folder`` is not a folder or the port is taken; a
        :class:`~echolab.errors.MissingDependencyError` when Voila is not installed.
    """
    require("voila", extra="app", purpose="echolab browse")
    notebook = Path(notebook).resolve()
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(DATA), env.get("JUPYTER_PATH", "")) if p)
    # the server and its kernels run this very echolab (not another copy on the path)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")) if p
    )
    if folder is not None:
        if not os.path.isdir(folder):
            raise EcholabError("not a folder", folder)
        env["ECHOLAB_BROWSE_DIR"] = os.path.abspath(folder)
    else:
        env.pop("ECHOLAB_BROWSE_DIR", None)
    listener = listening_socket(port)
    token = secrets.token_urlsafe(32)
    env["ECHOLAB_BROWSE_TOKEN"] = token  # the environment, not argv: other users can read argv
    control, server_end = socket.socketpair()
    runtime_dir = tempfile.mkdtemp(prefix="echolab-browse-")  # mode 0700: connection files stay private
    env["JUPYTER_RUNTIME_DIR"] = runtime_dir
    command = [
        sys.executable,
        "-m",
        "echolab.ui.browse_server",
        notebook.name,
        f"--EcholabVoila.listen_fd={listener.fileno()}",
        f"--EcholabVoila.control_fd={server_end.fileno()}",
        "--no-browser",
        f"--EcholabVoila.private_dir={runtime_dir}",
        "--template=echolab",
        "--show_tracebacks=False",
    ]
    try:
        process = subprocess.Popen(
            command,
            cwd=notebook.parent,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal reaches echolab browse, which stops the server
            pass_fds=(listener.fileno(), server_end.fileno()),
            stdout=log,
            stderr=log,
        )
    except BaseException:
        control.close()
        shutil.rmtree(runtime_dir, ignore_errors=True)
        raise
    finally:  # the server holds its own copies; ours would keep the port (and the pair) open after it ends
        listener_port = int(listener.getsockname()[1])
        listener.close()
        server_end.close()
    url = f"http://{LOOPBACK}:{listener_port}/?token={token}"
    return BrowseServer(process, url, token, runtime_dir, control, listener_port)


def wait_until_up(server: BrowseServer, timeout: float = 60.0) -> None:
    """Wait until ``server`` says on its control connection that it serves.

    Nothing is sent to the port: the socket is ours, and the server says itself when it is up.

    Raises
    ------
    EcholabError
        When the server exits first, or is not up within ``timeout`` seconds.
    """
    where = f"http://{LOOPBACK}:{server.port}/"  # messages never show the token
    deadline = time.monotonic() + timeout
    received = b""
    while time.monotonic() < deadline:
        readable, _, _ = select.select([server.control], [], [], min(0.5, max(deadline - time.monotonic(), 0)))
        if readable:
            chunk = server.control.recv(64)
            if not chunk:
                server.process.wait()
                raise EcholabError(f"the server exited with status {server.process.returncode}", where)
            received += chunk
            if READY in received:
                return
        if server.process.poll() is not None:
            raise EcholabError(f"the server exited with status {server.process.returncode}", where)
    raise EcholabError(f"the server was not up within {timeout:.0f} s", where)


def stop(server: BrowseServer, timeout: float = 10.0) -> None:
    """Stop the server: close the control connection (it then shuts its kernels down and removes its
    connection files), signal its process group politely, then by force; then remove the runtime
    folder in case it could not."""
    process = server.process
    try:
        server.control.close()
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
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)  # no zombie: the server is gone by now (SIGKILL at the latest)
        shutil.rmtree(server.runtime_dir, ignore_errors=True)
