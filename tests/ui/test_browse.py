"""`echolab browse` in a real browser: Voila serves the widget, Playwright drives Debian's Chromium.

Run them alone with ``pytest -m browser``. They need ``/usr/bin/chromium`` (``apt-get install
chromium``; Playwright downloads nothing). Without it they are skipped — unless
``ECHOLAB_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns a missing browser into a failure.
Screenshots of every state are saved under a temporary folder printed at the end of the run.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from echolab.samples import sample

from ..conftest import package_file

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Voila starts a kernel and runs the app per page load; allow for a slow first import.
LOAD_TIMEOUT_MS = 90_000


def _require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} not found: apt-get install chromium"
        if os.environ.get("ECHOLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`echolab browse DIR` on a free loopback port, as a user starts it; stopped afterwards."""
    _require_chromium()
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("browse")
    shutil.copy(package_file("color3d_jpeg_baseline.dcm"), folder / "a_cine.dcm")
    shutil.copy(sample("synthetic-doppler.dcm"), folder / "b_doppler.dcm")
    process = subprocess.Popen(
        [sys.executable, "-m", "echolab.cli", "browse", str(folder), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:  # read every line, so that a full pipe never blocks the server
        assert process.stdout is not None
        for raw in process.stdout:
            lines.put(raw.decode("utf-8", "replace"))

    threading.Thread(target=drain, daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        url = ""
        while not url and time.monotonic() < deadline and process.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            match = re.search(r"echolab browser for .*: (http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            url = match.group(1) if match else ""
        assert url, "echolab browse printed no address with a token"
        yield url
    finally:
        process.terminate()  # echolab browse stops its server on SIGTERM, like on Ctrl-C
        process.wait(timeout=60)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser-screenshots")
    print(f"\nbrowser test screenshots: {folder}")
    return folder


@pytest.fixture()
def page(server: str) -> Iterator[object]:
    """A fresh Chromium page on the app; fails the test on any console error or page exception."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            tab = browser.new_page(viewport={"width": 1300, "height": 1200})
            tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
            tab.goto(server)
            tab.wait_for_selector(".echolab-regions table", timeout=LOAD_TIMEOUT_MS)
            tab.wait_for_function(
                "document.querySelector('.echolab-picture') && document.querySelector('.echolab-picture').src",
                timeout=LOAD_TIMEOUT_MS,
            )
            yield tab
        finally:
            browser.close()
    assert problems == [], f"console errors or page exceptions: {problems}"


def _picture(tab) -> bytes:  # type: ignore[no-untyped-def]
    return tab.locator(".echolab-picture").screenshot()


def _wait_text(tab, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    tab.wait_for_function(
        "([selector, text]) => (document.querySelector(selector)?.textContent || '').includes(text)",
        arg=[selector, text],
        timeout=30_000,
    )


def _wait_new_picture(tab, old_source: str | None) -> None:  # type: ignore[no-untyped-def]
    """Wait until the image widget shows a new picture (its blob URL changes)."""
    tab.wait_for_function(
        "(old) => document.querySelector('.echolab-picture').src !== old", arg=old_source, timeout=30_000
    )


def test_app_shows_the_region_table_and_the_image(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    assert "2D" in page.inner_text(".echolab-regions") and "lateral distance [cm]" in page.inner_text(
        ".echolab-regions"
    )
    assert "SonoSite" in page.inner_text(".echolab-summary")
    _wait_text(page, ".echolab-frame", "frame 0 / 119 · t = 0.000 s")
    box = page.locator(".echolab-picture").bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    page.screenshot(path=artefacts / "1-loaded.png", full_page=True)


def test_frame_slider_moves_the_picture(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    before = _picture(page)
    source_before = page.get_attribute(".echolab-picture", "src")
    handle = page.locator(".echolab-frame-slider .noUi-handle")
    handle.focus()
    for _ in range(30):
        handle.press("ArrowRight")
    _wait_text(page, ".echolab-frame", "frame 30 / 119 · t = 1.000 s")
    _wait_new_picture(page, source_before)
    after = _picture(page)
    assert after != before
    page.screenshot(path=artefacts / "2-frame-30.png", full_page=True)


def test_switching_to_the_doppler_region_changes_the_units(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    _wait_text(page, ".echolab-axes", "x lateral distance [cm] · y depth [cm]")
    page.select_option(".echolab-file select", label="b_doppler.dcm")
    _wait_text(page, ".echolab-summary", "synthetic")
    _wait_text(page, ".echolab-frame", "no timing in the file")
    page.screenshot(path=artefacts / "3-doppler-file.png", full_page=True)
    before, source_before = _picture(page), page.get_attribute(".echolab-picture", "src")
    page.select_option(".echolab-region select", index=1)
    _wait_text(page, ".echolab-axes", "region 1: x time [s] · y Doppler velocity [cm/s]")
    _wait_new_picture(page, source_before)
    assert _picture(page) != before
    page.screenshot(path=artefacts / "4-doppler-region.png", full_page=True)


# --- only its owner can reach it (issue 19) ------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _status(url: str, host: str | None = None) -> tuple[int, str]:
    """Status and Location of one GET of ``url`` (redirects not followed), optionally with a Host header."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def test_a_request_without_the_token_is_refused(server: str) -> None:
    """`echolab browse` answered anyone on the machine, and every GET started a ~200 MB kernel."""
    bare = server.split("?")[0]
    status, location = _status(bare)
    assert status == 302 and location.startswith("/login"), (status, location)
    assert _status(bare + "?token=not-the-token")[0] == 302
    port = urllib.parse.urlsplit(server).port
    assert _status(f"http://127.0.0.1:{port}/voila/render/browse.ipynb")[0] in (302, 403, 404)


def test_a_foreign_host_is_refused_even_with_the_token(server: str) -> None:
    """A page whose DNS name rebinds to 127.0.0.1 sends its own name as Host: refused."""
    port = urllib.parse.urlsplit(server).port
    assert _status(server, host=f"rebind.attacker.example:{port}")[0] == 403
    assert _status(server.split("?")[0] + "voila/static/voila.js", host="rebind.attacker.example")[0] == 403
    assert _status(server.split("?")[0] + "voila/static/voila.js", host=f"localhost:{port}")[0] == 200


def test_a_legacy_websocket_client_is_refused(server: str) -> None:
    """A websocket client without the v1 subprotocol made Voila's event loop spin forever."""
    parts = urllib.parse.urlsplit(server)
    kernel = "00000000-0000-0000-0000-000000000000"
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(
            (
                f"GET /api/kernels/{kernel}/channels?{parts.query} HTTP/1.1\r\nHost: 127.0.0.1:{parts.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        assert connection.recv(64).startswith(b"HTTP/1.1 400")


def test_the_page_offers_no_folder_box(page) -> None:  # type: ignore[no-untyped-def]
    """The folder text box scanned and showed any folder of the machine: the app shows DIR only."""
    assert page.locator(".echolab-browser input[type=text]:visible").count() == 0
    assert (
        page.get_by_role("button", name="Scan folder").count() == 0
        or not page.get_by_role("button", name="Scan folder").is_visible()
    )
    options = page.locator(".echolab-file select option").all_inner_texts()
    assert options == ["a_cine.dcm", "b_doppler.dcm"]
