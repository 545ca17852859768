"""`echolab browse` in a real browser: Voila serves the widget, Playwright drives Debian's Chromium.

Run them alone with ``pytest -m browser``. They need ``/usr/bin/chromium`` (``apt-get install
chromium``; Playwright downloads nothing). Without it they are skipped — unless
``ECHOLAB_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns a missing browser into a failure.
Screenshots of every state are saved under a temporary folder printed at the end of the run.
"""

from __future__ import annotations

import os
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
from dataclasses import dataclass
from pathlib import Path

import pytest

from echolab.samples import sample

from ..conftest import package_file
from .conftest import write_undecodable_copy

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
#: The page width the app must fit (a laptop's, or a half screen).
WIDTH = 1024


def _require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} not found: apt-get install chromium"
        if os.environ.get("ECHOLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class App:
    """The running `echolab browse`: its address, what it printed, and its server's process id."""

    url: str
    output: list[str]
    server_pid: int


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """`echolab browse DIR` on a free loopback port, as a user starts it, on a folder whose first file
    no decoder here reads; stopped afterwards."""
    _require_chromium()
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("browse")
    write_undecodable_copy(package_file("color3d_jpeg_baseline.dcm"), folder / "a_jpeg_xl.dcm")
    shutil.copy(package_file("color3d_jpeg_baseline.dcm"), folder / "b_cine.dcm")
    shutil.copy(sample("synthetic-doppler.dcm"), folder / "c_doppler.dcm")
    process = subprocess.Popen(
        [sys.executable, "-m", "echolab.cli", "browse", str(folder), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output: list[str] = []
    printed = threading.Event()

    def drain() -> None:  # read every line, so that a full pipe never blocks the server
        assert process.stdout is not None
        for raw in process.stdout:
            output.append(raw.decode("utf-8", "replace"))
            printed.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        url = ""
        while not url and time.monotonic() < deadline and process.poll() is None:
            printed.wait(timeout=1)
            match = re.search(r"echolab browser for .*: (http://127\.0\.0\.1:\d+/\?token=\S+)", "".join(output))
            url = match.group(1) if match else ""
        assert url, f"echolab browse printed no address with a token: {output}"
        (server_pid,) = _children(process.pid)
        yield App(url, output, server_pid)
    finally:
        process.terminate()  # echolab browse stops its server on SIGTERM, like on Ctrl-C
        process.wait(timeout=60)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser-screenshots")
    print(f"\nbrowser test screenshots: {folder}")
    return folder


@pytest.fixture()
def page(server: App) -> Iterator[object]:
    """A fresh Chromium page on the app, 1024 px wide; fails the test on any console error or page
    exception. Leaving the page shuts its kernel down (Voila does so on ``beforeunload``), so that
    the tests never meet the server's cap of kernels."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    kernels_before = len(_children(server.server_pid))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            tab = browser.new_page(viewport={"width": WIDTH, "height": 1200})
            tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
            tab.goto(server.url)
            tab.wait_for_selector(".echolab-regions table", timeout=LOAD_TIMEOUT_MS)
            tab.wait_for_function(
                "document.querySelector('.echolab-picture') && document.querySelector('.echolab-picture').src",
                timeout=LOAD_TIMEOUT_MS,
            )
            yield tab
            tab.goto("about:blank")  # beforeunload: Voila asks the server to shut the kernel down
        finally:
            browser.close()
    deadline = time.monotonic() + 60
    while len(_children(server.server_pid)) > kernels_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert problems == [], f"console errors or page exceptions: {problems}"
    # the page's "close" request carried no _xsrf cookie and was refused: its kernel kept its place
    assert len(_children(server.server_pid)) == kernels_before, "leaving the page left its kernel running"


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


def _fits(tab, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Every element of ``selector`` lies within the page's width and shows its whole text (no
    ellipsis, nothing hidden by overflow)."""
    cut = tab.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((element) => {
            const box = element.getBoundingClientRect();
            const outside = box.right > document.documentElement.clientWidth + 0.5;
            return outside || element.scrollWidth > element.clientWidth + 1;
        }).map((element) => element.className + ': ' + element.textContent.trim())""",
        selector,
    )
    assert cut == [], f"cut or outside the {WIDTH} px page: {cut}"


def test_app_opens_the_first_file_that_shows_a_picture(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    """The folder's first file no decoder reads: the app opens the next one, the cine."""
    assert page.eval_on_selector(".echolab-file select", "(select) => select.selectedOptions[0].textContent") == (
        "b_cine.dcm"
    )
    assert "2D (tissue)" in page.inner_text(".echolab-regions") and "lateral distance [cm]" in page.inner_text(
        ".echolab-regions"
    )
    assert "SonoSite" in page.inner_text(".echolab-summary") and page.inner_text(".echolab-status").strip() == ""
    _wait_text(page, ".echolab-frame", "frame 1 of 120 · t = 0.000 s")
    box = page.locator(".echolab-picture").bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    page.screenshot(path=artefacts / "1-loaded.png", full_page=True)


def test_frame_slider_moves_the_picture_and_the_control_row_fits(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    """At 1400 px the control row overflowed: "t = 0.600" lost its "s"."""
    before = _picture(page)
    source_before = page.get_attribute(".echolab-picture", "src")
    handle = page.locator(".echolab-frame-slider .noUi-handle")
    handle.focus()
    for _ in range(30):
        handle.press("ArrowRight")
    _wait_text(page, ".echolab-frame", "frame 31 of 120 · t = 1.000 s")
    _wait_new_picture(page, source_before)
    after = _picture(page)
    assert after != before
    _fits(page, ".echolab-controls > *, .echolab-frame")
    assert page.inner_text(".echolab-frame").endswith("t = 1.000 s")
    page.screenshot(path=artefacts / "2-frame-31.png", full_page=True)


def test_switching_to_the_doppler_region_changes_the_units(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    _wait_text(page, ".echolab-axes", "x lateral distance [cm] · y depth [cm]")
    page.select_option(".echolab-file select", label="c_doppler.dcm")
    _wait_text(page, ".echolab-summary", "synthetic")
    _wait_text(page, ".echolab-frame", "frame 1 of 1")  # a still, counted like a cine
    page.screenshot(path=artefacts / "3-doppler-file.png", full_page=True)
    before, source_before = _picture(page), page.get_attribute(".echolab-picture", "src")
    page.select_option(".echolab-region select", index=1)
    _wait_text(page, ".echolab-axes", "region 1: x time [s] · y Doppler velocity [cm/s]")
    _wait_new_picture(page, source_before)
    assert _picture(page) != before
    page.screenshot(path=artefacts / "4-doppler-region.png", full_page=True)


def test_an_undecodable_file_says_why_once_and_lists_its_regions(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    """will-jxl.dcm: its error shown twice (orange and red), an empty region choice beside a table
    listing region 0, and "27 frames (not decodable he…" cut at the edge."""
    page.select_option(".echolab-file select", label="a_jpeg_xl.dcm")
    _wait_text(page, ".echolab-frame", "120 frames (not decodable here)")
    messages = page.locator(".echolab-status .widget-html-content > div")
    assert messages.count() == 1 and "no decoder exists" in messages.inner_text()
    assert messages.evaluate("(line) => getComputedStyle(line).color") == "rgb(176, 0, 32)"  # red: an error
    options = [text.replace("\xa0", " ") for text in page.locator(".echolab-region select option").all_inner_texts()]
    assert options == ["0: 2D (tissue) · not decodable here"]  # ipywidgets shows spaces as no-break spaces
    assert "(84, 31, 595, 414)" in page.inner_text(".echolab-regions")
    _fits(page, ".echolab-controls > *, .echolab-frame, .echolab-region select")
    page.screenshot(path=artefacts / "5-undecodable.png", full_page=True)


def test_the_region_table_reads_at_a_glance(page, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    """The region table was squeezed beside the summary, 3–5 lines per cell."""
    page.select_option(".echolab-file select", label="c_doppler.dcm")
    _wait_text(page, ".echolab-summary", "synthetic")
    tall = page.evaluate(
        """() => [...document.querySelectorAll('.echolab-regions td, .echolab-summary td')].filter((cell) => {
            const line = parseFloat(getComputedStyle(cell).lineHeight);
            return cell.getBoundingClientRect().height > 1.5 * line + 4;
        }).map((cell) => cell.textContent)"""
    )
    assert tall == [], f"cells on more than one line: {tall}"
    assert page.locator(".echolab-regions tbody tr").count() == 3
    _fits(page, ".echolab-regions td, .echolab-regions table")
    page.locator(".echolab-regions").screenshot(path=artefacts / "6-region-table.png")


def test_browse_says_one_address_and_nothing_else(server: App) -> None:
    """Voila printed its own `http://127.0.0.1:PORT/?token=...` (a literal ...) before echolab's, warned
    `Unrecognized alias: 'port_retries'`, and each page load added "not trusted" and "TCP without
    encryption" warnings. (Run after the page tests: their pages were loaded and left.)"""
    printed = "".join(server.output)
    assert re.findall(r"http://\S+", printed) == [server.url], printed
    assert server.output[0].startswith("echolab browser for ")
    for noise in ("Unrecognized", "token=...", "not trusted", "without encryption", "Traceback"):
        assert noise not in printed, printed


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


def test_a_request_without_the_token_is_refused(server: App) -> None:
    """`echolab browse` answered anyone on the machine, and every GET started a ~200 MB kernel."""
    bare = server.url.split("?")[0]
    status, location = _status(bare)
    assert status == 302 and location.startswith("/login"), (status, location)
    assert _status(bare + "?token=not-the-token")[0] == 302
    port = urllib.parse.urlsplit(server.url).port
    assert _status(f"http://127.0.0.1:{port}/voila/render/browse.ipynb")[0] in (302, 403, 404)


def test_a_foreign_host_is_refused_even_with_the_token(server: App) -> None:
    """A page whose DNS name rebinds to 127.0.0.1 sends its own name as Host: refused."""
    port = urllib.parse.urlsplit(server.url).port
    assert _status(server.url, host=f"rebind.attacker.example:{port}")[0] == 403
    assert _status(server.url.split("?")[0] + "voila/static/voila.js", host="rebind.attacker.example")[0] == 403
    assert _status(server.url.split("?")[0] + "voila/static/voila.js", host=f"localhost:{port}")[0] == 200


def test_a_legacy_websocket_client_is_refused(server: App) -> None:
    """A websocket client without the v1 subprotocol made Voila's event loop spin forever."""
    parts = urllib.parse.urlsplit(server.url)
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
    assert options == ["a_jpeg_xl.dcm", "b_cine.dcm", "c_doppler.dcm"]
