"""The Voila server behind ``echolab browse``, hardened for a shared machine (run as
``python -m echolab.ui.browse_server``; :mod:`echolab.ui.browse` starts it).

Voila's standalone server answers anyone who can reach its port. This one, a subclass of
:class:`voila.app.Voila`, answers only its owner:

- a token: every page needs the random token of the printed URL (then a cookie); it is passed in
  the environment (``ECHOLAB_BROWSE_TOKEN``), never on a command line other users can read, and
  removed from the environment before any kernel starts;
- the ``Host`` header must name this machine's loopback (``127.0.0.1``, ``localhost``, ``[::1]``),
  so a web page whose DNS name rebinds to 127.0.0.1 cannot drive the app;
- at most :data:`MAX_KERNELS` kernels (each holds ~200 MB); one left idle without a page
  connected is shut down after :data:`IDLE_TIMEOUT` seconds;
- kernel websockets must speak Jupyter's ``v1.kernel.websocket.jupyter.org`` subprotocol (the
  legacy one made Voila's event loop spin forever on a bad client).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer
from voila.app import Voila
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

__all__ = ["MAX_KERNELS", "IDLE_TIMEOUT", "TOKEN_VARIABLE", "EcholabVoila", "CappedKernelManager", "main"]

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


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, refusing a kernel beyond ``max_kernels`` alive at once."""

    max_kernels = Integer(MAX_KERNELS, config=True, help="Kernels alive at once; more are refused (HTTP 503).")

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        if len(self.list_kernel_ids()) >= self.max_kernels:
            raise web.HTTPError(
                503, f"{self.max_kernels} pages of this app are open already: close one, or wait until it times out"
            )
        kernel_id: str = await super().start_kernel(*args, **kwargs)
        return kernel_id


class V1KernelWebsocketHandler(VoilaKernelWebsocketHandler):  # type: ignore[misc]
    """Voila's kernel websocket, refusing clients without the v1 subprotocol (HTTP 400)."""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        offered = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if KERNEL_PROTOCOL not in offered:
            raise web.HTTPError(400, f"kernel websockets must offer the {KERNEL_PROTOCOL} subprotocol")
        await super().get(*args, **kwargs)


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


def _host_checked(handler: Any) -> Any:
    """``handler`` refusing (HTTP 403) a request whose ``Host`` is not loopback, before anything else."""

    def prepare(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not local_host(self.request.host or ""):
            raise web.HTTPError(403, "this server answers only requests to 127.0.0.1 or localhost")
        return handler.prepare(self, *args, **kwargs)

    return type(f"HostChecked{handler.__name__}", (handler,), {"prepare": prepare})


class EcholabVoila(Voila):  # type: ignore[misc]
    """Voila for one owner: token, loopback ``Host`` only, capped and culled kernels, v1 websockets."""

    def initialize(self, argv: list[str] | None = None) -> None:
        token = os.environ.pop(TOKEN_VARIABLE, "")  # kernels inherit the environment: not the token
        if len(token) < 32:
            raise SystemExit(f"echolab.ui.browse_server needs a token of 32 characters or more in ${TOKEN_VARIABLE}")
        super().initialize(argv)
        self.token = token
        self.auto_token = False

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        settings["allow_remote_access"] = False  # Jupyter's own Host check, on its handlers
        settings["local_hostnames"] = list(LOCAL_HOSTNAMES)
        return settings

    def init_handlers(self) -> list[Any]:
        handlers = []
        for pattern, handler, *rest in super().init_handlers():
            if handler is VoilaKernelWebsocketHandler:
                handler = V1KernelWebsocketHandler
            handlers.append((pattern, _host_checked(handler), *rest))
        return handlers


def main(argv: list[str] | None = None) -> None:
    """Run the server with Voila's command-line options (see :func:`echolab.ui.browse.start`)."""
    arguments = sys.argv[1:] if argv is None else argv
    defaults = [
        "--VoilaConfiguration.multi_kernel_manager_class=echolab.ui.browse_server.CappedKernelManager",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_TIMEOUT}",
        "--MappingKernelManager.cull_interval=30",
        "--MappingKernelManager.cull_connected=False",
    ]
    EcholabVoila.launch_instance(argv=defaults + arguments)


if __name__ == "__main__":
    main()
