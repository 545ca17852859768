"""The Voila server behind ``echolab browse``, hardened for a shared machine (run as
``python -m echolab.ui.browse_server``; :mod:`echolab.ui.browse` starts it).

Voila's standalone server answers anyone who can reach its port. This one, a subclass of
:class:`voila.app.Voila`, answers only its owner:

- the port: it serves the socket :func:`echolab.ui.browse.start` bound and handed over
  (``--EcholabVoila.listen_fd``), never a port of its own choosing, so the printed address is the
  one served; a port that was taken never becomes "the next free one";
- its life: it says ``ready`` on the control connection ``--EcholabVoila.control_fd`` once it
  serves, and stops as soon as the other end closes — when ``echolab browse`` ends, however it ends
  (``kill -9`` too) — shutting its kernels down and removing its private folder (connection files);
- a token: every page needs the random token of the printed URL (then a cookie); it is passed in
  the environment (``ECHOLAB_BROWSE_TOKEN``), never on a command line other users can read, removed
  from the environment before any kernel starts, and removed from what Voila tells each kernel about
  its request (``QUERY_STRING``, ``VOILA_REQUEST_URL``); logs never show it;
- the ``Host`` header must name this machine's loopback (``127.0.0.1``, ``localhost``, ``[::1]``),
  so a web page whose DNS name rebinds to 127.0.0.1 cannot drive the app; a refusal is one log line;
- at most :data:`MAX_KERNELS` kernels (each holds ~200 MB), kernels still starting included; one
  left idle without a page connected is shut down after :data:`IDLE_TIMEOUT` seconds;
- kernel websockets must speak Jupyter's ``v1.kernel.websocket.jupyter.org`` subprotocol (the
  legacy one made Voila's event loop spin forever on a bad client).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import sys
import urllib.parse
from collections.abc import Mapping
from typing import Any

from jupyter_server.log import log_request
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from traitlets import Integer, Unicode
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from .browse import READY

__all__ = [
    "MAX_KERNELS",
    "IDLE_TIMEOUT",
    "TOKEN_VARIABLE",
    "EcholabVoila",
    "CappedKernelManager",
    "kernel_environment",
    "kernel_transport",
    "local_host",
    "main",
]

#: Kernels alive at once (open pages): the next page load is refused until one ends.
MAX_KERNELS = 4
#: Seconds after which a kernel with no page connected and nothing running is shut down.
IDLE_TIMEOUT = 300
#: The environment variable that hands the token to the server.
TOKEN_VARIABLE = "ECHOLAB_BROWSE_TOKEN"
#: Host names a request may use (besides loopback IP addresses).
LOCAL_HOSTNAMES = ("localhost",)
#: The websocket subprotocol kernel connections must use.
KERNEL_PROTOCOL = "v1.kernel.websocket.jupyter.org"
#: The query parameter carrying the token.
TOKEN_PARAMETER = "token"
#: The longest Unix socket path: ``sun_path`` holds 108 bytes on Linux, 104 on macOS, the last a NUL.
SOCKET_PATH_MAX = 103
#: What a kernel's IPC socket adds to the private folder: Voila's connection folder, then jupyter_client's
#: ``kernel-<id>-ipc-<n>`` (five sockets, n from 1).
IPC_SUFFIX = "/voila_xxxxxxxx/kernel-00000000-0000-0000-0000-000000000000-ipc-99"


def _without_token_parameter(value: str, token: str) -> str:
    """``value`` (a URL or a query string) without query parameters named ``token`` or holding ``token``."""
    base, question, query = value.partition("?")
    if not question:  # a bare query string: QUERY_STRING
        base, query = "", value
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    kept = [(key, item) for key, item in pairs if key != TOKEN_PARAMETER and token not in item]
    query = urllib.parse.urlencode(kept)
    if not question:
        return query
    return f"{base}?{query}" if query else base


def kernel_environment(env: Mapping[str, str], token: str) -> dict[str, str]:
    """The environment of a kernel without the server's token.

    Voila tells each kernel about the request that started it: ``QUERY_STRING`` and
    ``VOILA_REQUEST_URL`` hold the page's query, ``?token=...`` included. Code in a kernel has no
    use for the token, and an environment is easily printed or logged: the ``token`` parameter is
    removed from every value holding the token, and a variable that still holds it is left out.

    Parameters
    ----------
    env
        The environment Voila prepared for the kernel.
    token
        The server's token (an empty token removes nothing).
    """
    cleaned: dict[str, str] = {}
    for name, value in env.items():
        if name == TOKEN_VARIABLE:
            continue
        if token and token in value:
            value = _without_token_parameter(value, token)
            if token in value:
                continue
        cleaned[name] = value
    return cleaned


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, refusing a kernel beyond ``max_kernels`` alive or starting at once,
    and starting kernels without the server's token in their environment."""

    max_kernels = Integer(MAX_KERNELS, config=True, help="Kernels alive at once; more are refused (HTTP 503).")
    server_token = Unicode("", help="The token kernels must not see (set by the server).")
    starting = Integer(
        0, help="Kernels being started: counted against the cap from the moment their start is accepted."
    )

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        if kwargs.get("kernel_id") is not None and kwargs["kernel_id"] in self:  # an existing kernel: no new one
            existing: str = await super().start_kernel(*args, **kwargs)
            return existing
        # check and count with no await in between: concurrent page loads run on one event loop, so
        # none can pass the check while another is still starting (checking alone, before the await
        # that starts the kernel, let 8 simultaneous loads start 8 kernels)
        if len(self.list_kernel_ids()) + self.starting >= self.max_kernels:
            raise web.HTTPError(
                503, f"{self.max_kernels} pages of this app are open already: close one, or wait until it times out"
            )
        self.starting += 1
        try:
            if "env" in kwargs:
                kwargs["env"] = kernel_environment(kwargs["env"], self.server_token)
            kernel_id: str = await super().start_kernel(*args, **kwargs)
        finally:
            self.starting -= 1
        return kernel_id


class V1KernelWebsocketHandler(VoilaKernelWebsocketHandler):  # type: ignore[misc]
    """Voila's kernel websocket, refusing clients without the v1 subprotocol (HTTP 400)."""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        offered = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if KERNEL_PROTOCOL not in offered:
            raise web.HTTPError(400, f"kernel websockets must offer the {KERNEL_PROTOCOL} subprotocol")
        await super().get(*args, **kwargs)


class PageHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """Voila's page, setting the ``_xsrf`` cookie the page needs to end its kernel when it closes.

    The page shuts its kernel down on ``beforeunload`` with a POST that must carry the cookie's
    ``_xsrf`` value; Voila's page never set that cookie, so every closed or reloaded page left its
    kernel running until culled, holding one of the :data:`MAX_KERNELS` places meanwhile.
    """

    @web.authenticated
    async def get(self, path: str | None = None) -> None:
        self.xsrf_token  # noqa: B018 - reading the token sets the cookie (tornado)
        await super().get(path)


class AppContentsManager(LargeFileManager):
    """The contents manager of a server that runs one notebook it was given: that notebook is
    trusted (it is the app; stored outputs, the only thing trust governs, it has none), instead of
    a warning that it is not on every page load."""

    def mark_trusted_cells(self, nb: Any, path: str = "") -> None:
        self.notary.mark_cells(nb, True)  # type: ignore[no-untyped-call]


def local_host(host: str) -> bool:
    """True when an HTTP ``Host`` header names this machine's loopback interface."""
    import ipaddress

    match = re.match(r"^(.*?)(:\d+)?$", host)
    name = (match.group(1) if match else host).lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name in LOCAL_HOSTNAMES


#: The attribute of a handler holding why its request was refused (logged in one line, see :func:`log_one_line`).
REFUSAL = "echolab_refusal"


def _guarded(handler: Any) -> Any:
    """``handler`` refusing (HTTP 403) a request whose ``Host`` is not loopback, before anything else,
    and logging a refusal (any :class:`tornado.web.HTTPError`) in one line without the URL's token."""

    def prepare(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not local_host(self.request.host or ""):
            # answered here, not raised: Jupyter's error page needs a user, and there is none yet
            setattr(self, REFUSAL, f"Host {self.request.host!r} is not this machine's loopback (127.0.0.1, localhost)")
            self.clear()
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish("this server answers only requests to 127.0.0.1 or localhost\n")
            return None
        return handler.prepare(self, *args, **kwargs)

    def log_exception(self: Any, typ: Any, value: BaseException | None, tb: Any) -> None:
        if isinstance(value, web.HTTPError):  # tornado's line shows the whole URL, token included
            setattr(self, REFUSAL, value.log_message or value.reason or "")
            return
        handler.log_exception(self, typ, value, tb)

    return type(f"Guarded{handler.__name__}", (handler,), {"prepare": prepare, "log_exception": log_exception})


def log_one_line(handler: web.RequestHandler) -> None:
    """The server's access log: Jupyter's (which hides tokens), and one line for a refused request."""
    refusal = getattr(handler, REFUSAL, None)
    if refusal is None:
        log_request(handler, record_prometheus_metrics=False)  # type: ignore[no-untyped-call]
        return
    logger = getattr(handler, "log", None) or logging.getLogger("tornado.access")
    request = handler.request
    logger.warning(
        "refused %s %s (%s): %d %s", request.method, request.path, request.remote_ip, handler.get_status(), refusal
    )


class EcholabVoila(Voila):  # type: ignore[misc]
    """Voila for one owner: the handed-over socket, token, loopback ``Host`` only, capped and culled
    kernels, v1 websockets, and an end with the process that started it."""

    listen_fd = Integer(-1, config=True, help="File descriptor of the bound, listening socket to serve.")
    control_fd = Integer(-1, config=True, help="File descriptor of the control connection to the starter.")
    private_dir = Unicode(
        "", config=True, help="Private folder of the connection files, removed when the server stops."
    )

    def initialize(self, argv: list[str] | None = None) -> None:
        token = os.environ.pop(TOKEN_VARIABLE, "")  # kernels inherit the environment: not the token
        if len(token) < 32:
            raise SystemExit(f"echolab.ui.browse_server needs a token of 32 characters or more in ${TOKEN_VARIABLE}")
        super().initialize(argv)
        if self.listen_fd < 0 or self.control_fd < 0:
            raise SystemExit(
                "echolab.ui.browse_server serves only the socket echolab browse hands it: run echolab browse"
            )
        self.token = token
        self.auto_token = False
        if self.private_dir:
            self.connection_dir_root = self.private_dir
            self.config.KernelManager.transport = kernel_transport(self.private_dir)

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        settings["allow_remote_access"] = False  # Jupyter's own Host check, on its handlers
        settings["local_hostnames"] = list(LOCAL_HOSTNAMES)
        settings["log_function"] = log_one_line
        self.contents_manager = settings["contents_manager"] = AppContentsManager(parent=self)
        self.kernel_manager.server_token = self.token
        return settings

    def init_handlers(self) -> list[Any]:
        handlers = []
        replaced = {VoilaKernelWebsocketHandler: V1KernelWebsocketHandler, TornadoVoilaHandler: PageHandler}
        for pattern, handler, *rest in super().init_handlers():
            handler = replaced.get(handler, handler)
            handlers.append((pattern, _guarded(handler), *rest))
        return handlers

    def listen(self) -> None:
        """Serve the socket handed over (Voila's own would bind a port, or the next free one),
        say ``ready`` on the control connection, and run until it closes or a signal stops the server."""
        listener = socket.socket(fileno=self.listen_fd)
        control = socket.socket(fileno=self.control_fd)
        for handed_over in (listener, control):
            handed_over.set_inheritable(False)  # kernels must not hold the port or the control connection
        self.port = int(listener.getsockname()[1])
        listener.setblocking(False)
        HTTPServer(self.app).add_sockets([listener])
        self.ioloop = IOLoop.current()

        def on_control(fd: Any, events: int) -> None:
            try:
                data = control.recv(64)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:  # the starter is gone (ended, killed): so is the server
                self.ioloop.stop()

        control.sendall(READY)
        control.setblocking(False)
        self.ioloop.add_handler(control, on_control, IOLoop.READ)
        try:
            self.ioloop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Shut the kernels down and remove the connection files and the private folder."""
        try:
            super().stop()
        finally:
            if self.private_dir:
                shutil.rmtree(self.private_dir, ignore_errors=True)


def kernel_transport(private_dir: str) -> str:
    """How kernels talk to the server: ``"ipc"`` (Unix sockets beside their connection files in the
    private folder, which no other local user can reach, unlike TCP ports of the loopback) when the
    sockets' paths fit the system's limit, else ``"tcp"`` (Jupyter's default, guarded by the
    connection files' keys)."""
    return "ipc" if len(os.path.abspath(private_dir)) + len(IPC_SUFFIX) <= SOCKET_PATH_MAX else "tcp"


def main(argv: list[str] | None = None) -> None:
    """Run the server with Voila's command-line options (see :func:`echolab.ui.browse.start`)."""
    arguments = sys.argv[1:] if argv is None else argv
    defaults = [
        "--VoilaConfiguration.multi_kernel_manager_class=echolab.ui.browse_server.CappedKernelManager",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_TIMEOUT}",
        "--MappingKernelManager.cull_interval=30",
        "--MappingKernelManager.cull_connected=False",
        "--Voila.log_level=WARN",  # the terminal shows echolab's address line, then only what goes wrong
    ]
    EcholabVoila.launch_instance(argv=defaults + arguments)


if __name__ == "__main__":
    main()
