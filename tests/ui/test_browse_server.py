"""The server of `echolab browse` on a shared machine: its port, its life, its kernels, its token.

The live tests start the real server (:func:`echolab.ui.browse.start`) on a probe notebook that
prints its kernel's environment into the page, and talk to it over HTTP; no browser is needed.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from echolab import EcholabError
from echolab.ui.browse import BrowseServer, listening_socket, start, stop, wait_until_up

pytest.importorskip("voila")
from echolab.ui.browse_server import (  # noqa: E402
    MAX_KERNELS,
    SOCKET_PATH_MAX,
    TOKEN_VARIABLE,
    kernel_environment,
    kernel_transport,
    local_host,
)

#: A notebook whose page shows its kernel's environment (hex-encoded JSON: nothing escaped in HTML).
PROBE = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "probe",
            "metadata": {},
            "outputs": [],
            "source": "import json, os\nprint('ENV:' + json.dumps(dict(os.environ)).encode().hex() + ':END')",
        }
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
#: Seconds a live server gets to start or stop (Voila's imports are slow on a busy machine); not a speed goal.
PATIENCE = 120.0


# --- the token never reaches a kernel ----------------------------------------------------------------


def test_kernel_environment_drops_the_token_from_urls_and_query_strings() -> None:
    token = "T" * 43
    env = {
        "QUERY_STRING": f"token={token}&file=a.dcm",
        "VOILA_REQUEST_URL": f"http://127.0.0.1:8866/?token={token}",
        "SCRIPT_NAME": "/",
        "ODD": f"prefix {token} suffix",
        TOKEN_VARIABLE: token,
        "HOME": "/home/owner",
    }
    cleaned = kernel_environment(env, token)
    assert cleaned == {
        "QUERY_STRING": "file=a.dcm",
        "VOILA_REQUEST_URL": "http://127.0.0.1:8866/",
        "SCRIPT_NAME": "/",
        "HOME": "/home/owner",
    }
    assert kernel_environment({"QUERY_STRING": "a=1"}, "") == {"QUERY_STRING": "a=1"}


def test_kernels_use_unix_sockets_where_their_paths_fit() -> None:
    """Kernels listened on TCP ports of the loopback, which every local user can reach."""
    assert kernel_transport("/tmp/echolab-browse-abcd1234") == "ipc"
    long_folder = "/" + "x" * (SOCKET_PATH_MAX - 40)
    assert kernel_transport(long_folder) == "tcp"  # a socket path there would not fit: Jupyter's default


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1:8866", True),
        ("localhost", True),
        ("[::1]:80", True),
        ("127.1.2.3", True),
        ("LOCALHOST:1", True),
        ("rebind.attacker.example:8866", False),
        ("192.168.1.4", False),
        ("", False),
    ],
)
def test_local_host(host: str, local: bool) -> None:
    assert local_host(host) is local


# --- the port: bound first, never another -------------------------------------------------------------


def test_a_port_in_use_is_refused_and_the_squatter_hears_nothing(tmp_path: Path) -> None:
    """Voila ignored `--port_retries=0`, moved to the next port and echolab printed (and probed) the
    first one: another user listening there received the owner's browser, with the token."""
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    squatter.bind(("127.0.0.1", 0))
    squatter.listen(8)
    squatter.settimeout(0.5)
    port = squatter.getsockname()[1]
    try:
        with pytest.raises(EcholabError, match=f"port {port}: in use on 127.0.0.1 by another program"):
            start(tmp_path, port)
        result = subprocess.run(
            [sys.executable, "-m", "echolab.cli", "browse", str(tmp_path), "--port", str(port), "--no-browser"],
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
        assert result.returncode == 1, result
        assert (
            f"port {port}: in use on 127.0.0.1 by another program" in result.stderr
            and "token" not in result.stdout + result.stderr
        )
        with pytest.raises(TimeoutError):
            squatter.accept()  # nobody knocked: no probe, no browser, no token
    finally:
        squatter.close()
    assert not list(tmp_path.iterdir())


def test_the_listening_socket_is_the_port_asked_for_or_a_free_one() -> None:
    with listening_socket(0) as picked:
        port = picked.getsockname()[1]
        assert picked.getsockname()[0] == "127.0.0.1" and port > 0
        with pytest.raises(EcholabError, match="in use"):
            listening_socket(port)
    with pytest.raises(EcholabError, match="not a TCP port"):
        listening_socket(70000)


# --- a live server on a probe notebook ----------------------------------------------------------------


@dataclass
class Live:
    server: BrowseServer
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("probe")
    notebook = folder / "probe.ipynb"
    notebook.write_text(json.dumps(PROBE))
    log = folder / "server.log"
    with open(log, "wb") as output:
        server = start(folder, 0, notebook=notebook, log=output)
        try:
            wait_until_up(server, timeout=PATIENCE)
            yield Live(server, log)
        finally:
            stop(server)
    assert not os.path.exists(server.runtime_dir)


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _environment_shown(page: str) -> dict[str, str]:
    match = re.search(r"ENV:([0-9a-f]+):END", page)
    assert match, "the probe notebook's output is not in the page"
    environment: dict[str, str] = json.loads(bytes.fromhex(match.group(1)))
    return environment


def test_no_kernel_sees_the_token(live: Live) -> None:
    """Voila handed each kernel ``QUERY_STRING=token=...`` and ``VOILA_REQUEST_URL=...?token=...``."""
    status, page = _get(live.server.url)
    assert status == 200
    environment = _environment_shown(page)
    assert "QUERY_STRING" in environment and "VOILA_REQUEST_URL" in environment  # Voila's request info, kept
    assert environment["VOILA_REQUEST_URL"].startswith(f"http://127.0.0.1:{live.server.port}/")
    leaks = [name for name, value in environment.items() if live.server.token in name + value]
    assert leaks == [] and TOKEN_VARIABLE not in environment


def test_concurrent_page_loads_never_exceed_the_kernel_cap(live: Live) -> None:
    """The cap was checked before the await that starts a kernel: 8 simultaneous loads left 11 kernels."""
    before = len(_children(live.server.process.pid))
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for status, _ in pool.map(lambda _: _get(live.server.url), range(8))]
    kernels = _children(live.server.process.pid)
    assert len(kernels) <= MAX_KERNELS, (before, statuses, kernels)
    assert statuses.count(200) == MAX_KERNELS - before and statuses.count(503) == 8 - (MAX_KERNELS - before)
    assert "pages of this app are open already" in live.log_text()
    assert live.server.token not in live.log_text()


def test_a_refused_host_is_one_line_in_the_log(live: Live) -> None:
    """A refused Host logged a 40-line traceback (Jupyter's error page needs a user: there was none)."""
    lines_before = live.log_text().splitlines()
    status, body = _get(live.server.url, host=f"rebind.attacker.example:{live.server.port}")
    assert status == 403 and "127.0.0.1" in body
    deadline = time.monotonic() + 10
    while len(live.log_text().splitlines()) == len(lines_before) and time.monotonic() < deadline:
        time.sleep(0.1)
    new = live.log_text().splitlines()[len(lines_before) :]
    assert len(new) == 1 and "rebind.attacker.example" in new[0] and "403" in new[0], new
    assert live.server.token not in live.log_text() and "Traceback" not in live.log_text()


# --- the server ends with `echolab browse`, however it ends -------------------------------------------


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_killing_echolab_browse_takes_the_server_and_its_kernels_with_it(tmp_path: Path) -> None:
    """After SIGKILL of `echolab browse` the server kept serving with the same token, and its
    connection folder stayed."""
    temporary = Path(tempfile.mkdtemp(prefix="t", dir="/tmp" if os.path.isdir("/tmp") else None))  # short: IPC
    folder = tmp_path / "empty"
    folder.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "echolab.cli", "browse", str(folder), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TMPDIR": str(temporary)},
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            lines.put(raw.decode("utf-8", "replace"))

    threading.Thread(target=drain, daemon=True).start()
    started: list[int] = []  # the server and its kernels, ended here should the test fail
    try:
        url = ""
        deadline = time.monotonic() + PATIENCE
        while not url and time.monotonic() < deadline and process.poll() is None:
            try:
                match = re.search(r": (http://127\.0\.0\.1:\d+/\?token=\S+)", lines.get(timeout=1))
            except queue.Empty:
                continue
            url = match.group(1) if match else ""
        assert url, "echolab browse printed no address"
        (server,) = _children(process.pid)
        started.append(server)
        runtime = list(temporary.glob("echolab-browse-*"))
        assert len(runtime) == 1
        assert _get(url)[0] == 200  # a page: a kernel runs
        kernels = _children(server)
        started += kernels
        assert kernels and list(runtime[0].rglob("kernel-*.json"))
        if kernel_transport(str(runtime[0])) == "ipc":  # its sockets too: Unix sockets in the private folder
            assert list(runtime[0].rglob("kernel-*-ipc-*"))

        process.kill()
        process.wait()
        deadline = time.monotonic() + PATIENCE
        while any(_alive(pid) for pid in [server, *kernels]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in [server, *kernels])
        assert not runtime[0].exists()
        with pytest.raises(OSError):
            urllib.request.urlopen(url, timeout=5)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for pid in started:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
