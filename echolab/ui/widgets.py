"""Notebook widgets: a file and region browser, and a calibration panel.

Both are plain :mod:`ipywidgets` boxes: every control is a public attribute, so a test (or a
teacher preparing a class) can drive them from Python — set ``browser.frame.value = 10`` and the
picture follows. Figures are drawn with matplotlib's Agg renderer and shown as a JPEG
:class:`ipywidgets.Image`, which works the same in JupyterLab, Voila and on Binder without a
matplotlib widget extension. Frame scrubbing swaps the pixels of the existing image artists
(``set_data``) and redraws only them over a cached background (blitting); nothing is re-plotted.

Examples
--------
>>> from echolab.ui.widgets import Browser, CalibrationPanel
>>> Browser("exports/")            # pick a file, a region, scrub frames, press play
>>> CalibrationPanel("clip.dcm")   # boxes vs image, pixel aspect, timing, a two-point distance
"""

from __future__ import annotations

import html
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simplejpeg

from ..analysis.measure import distance
from ..archive.inventory import find_files
from ..checks import header_findings, pixel_findings, region_rows, timing_rows
from ..codes import RegionKind
from ..conventions import DOPPLER_POSITIVE_UP, REGION_KIND
from ..echofile import EchoFile, open_collecting
from ..echofile import open as open_file
from ..errors import (
    EcholabError,
    EcholabWarning,
    MeasurementError,
    MissingDecoderError,
    PixelDataError,
    missing_dependency,
)
from ..reading.problems import NO_IMAGE_RULES
from ..reading.regions import Region
from . import plot

try:  # the widgets need the "notebooks" extra: without it, importing this module says what to install
    import ipywidgets as widgets
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ModuleNotFoundError as exc:
    raise missing_dependency(exc, extra="notebooks", purpose="echolab.ui.widgets") from exc

if TYPE_CHECKING:
    from matplotlib.artist import Artist

__all__ = ["FigureView", "Browser", "CalibrationPanel", "find_dicom_files", "MAX_FILES"]

#: The browser lists at most this many files of a folder (the first ones in name order).
MAX_FILES = 5000
#: Play speed when the file has no timing: frames per second used for display only.
UNTIMED_DISPLAY_RATE = 10.0
#: Listing a folder tries at most this many files (headers only) for the first that shows a picture.
FIRST_FILE_SEARCH = 100


def find_dicom_files(folder: str | os.PathLike[str], limit: int = MAX_FILES, *, within: str | None = None) -> list[str]:
    """DICOM files under ``folder`` (recursively, by their first bytes, not their suffix), sorted;
    at most ``limit`` of them. ``within``: only those whose real path (symbolic links followed)
    lies inside this folder."""
    found = find_files([folder])
    if within is not None:
        within = os.path.realpath(within)
        found = [path for path in found if _inside(path, within)]
    return found[:limit]


class FigureView:
    """A matplotlib figure shown as a JPEG image widget, redrawn by blitting its moving artists.

    Attributes
    ----------
    figure
        The :class:`~matplotlib.figure.Figure` (Agg canvas).
    widget
        The :class:`ipywidgets.Image` holding the last rendering.
    renders
        How many times the image was published (tests use it to see an update happen).
    """

    def __init__(self, figsize: tuple[float, float], dpi: int = 80) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        width = int(figsize[0] * dpi)
        self.widget = widgets.Image(format="jpeg", layout=widgets.Layout(width=f"{width}px", max_width="100%"))
        self.renders = 0
        self._moving: list[Artist] = []
        self._background: Any = None

    def clear(self) -> None:
        """Remove every axes; the next :meth:`redraw` starts from an empty figure."""
        self.figure.clear()
        self._moving = []
        self._background = None

    def set_moving(self, artists: Iterable[Artist]) -> None:
        """Artists redrawn on every :meth:`blit` (drawn in this order, over the background)."""
        self._moving = list(artists)
        for artist in self._moving:
            artist.set_animated(True)

    def redraw(self) -> None:
        """Draw everything: the static background once, then the moving artists over it."""
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self.blit()

    def blit(self) -> None:
        """Redraw only the moving artists over the cached background and publish the picture."""
        if self._background is None:
            self.redraw()
            return
        self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self._moving:
            artist.draw(renderer)
        rgba = np.asarray(self.canvas.buffer_rgba())
        self.widget.value = simplejpeg.encode_jpeg(np.ascontiguousarray(rgba[..., :3]), quality=88, colorspace="RGB")
        self.renders += 1


def _overlays(axes: Any) -> list[Artist]:
    """Artists drawn over the image in one axes (boxes, labels, lines), in drawing order."""
    return [*axes.patches, *axes.lines, *axes.texts]


def _message(text: str, kind: str = "info") -> str:
    colour = {"info": "#555", "warning": "#a15c00", "error": "#b00020"}[kind]
    return f"<div style='color:{colour}; line-height:1.35; margin:2px 0'>{html.escape(text)}</div>"


def _table(rows: Sequence[dict[str, Any]], *, one_line: bool = False, wrap: Sequence[str] = ()) -> str:
    """An HTML table of ``rows`` (dicts with the same keys). ``one_line``: every cell on one line,
    except those of the columns named in ``wrap`` (free text such as notes), so a row reads at a glance."""
    if not rows:
        return "<p>(none)</p>"

    def style(column: str) -> str:
        if not one_line:
            return "text-align:left"
        compact = "text-align:left; vertical-align:top; line-height:1.35; padding:1px 1em 1px 0"
        return f"{compact}; min-width:14em" if column in wrap else f"{compact}; white-space:nowrap"

    head = "".join(f"<th style='{style(str(k))}'>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td style='{style(str(k))}'>{html.escape(str(v))}</td>" for k, v in row.items()) + "</tr>"
        for row in rows
    )
    return f"<table class='echolab-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


#: Messages by gravity: of two saying the same thing, the graver one is shown.
_GRAVITY = {"info": 0, "warning": 1, "error": 2}


class _Messages:
    """What the browser says about one file, each thing once and at its gravest.

    Opening a file, its header's pixel checks and the decoder can each report the same fault (a
    missing decoder is a ``no-decoder`` problem of the header and a :class:`MissingDecoderError` of
    the first frame); a message that contains another, or is contained in it, is one message: the
    longer text at the graver kind is kept.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.said: list[tuple[str, str]] = []

    def add(self, kind: str, reason: str) -> None:
        """Say ``reason`` (no file name: :meth:`html` names the file) as ``kind``: info, warning or error."""
        reason = reason.strip()
        if not reason:
            return
        for position, (said_kind, said) in enumerate(self.said):
            if reason in said or said in reason:
                self.said[position] = (max(kind, said_kind, key=_GRAVITY.__getitem__), max(reason, said, key=len))
                return
        self.said.append((kind, reason))

    def html(self) -> str:
        """One coloured line per message: ``"<file>: <reason>"``."""
        return "".join(_message(f"{self.source}: {reason}", kind) for kind, reason in self.said)


def _pixels_error(echofile: EchoFile) -> PixelDataError | None:
    """Why ``echofile`` gives no frame here (no pixel data, no decoder, not one whole frame), found
    without decoding one; None when its frames can be decoded."""
    try:
        with warnings.catch_warnings():
            # the file's problems, found from the same header and fragment table, are the report
            # (as in echolab.reading.problems): no warning of locating the frames repeats them
            warnings.simplefilter("ignore", EcholabWarning)
            echofile.pixels  # noqa: B018 - locating the frames is the check
    except PixelDataError as exc:
        return exc
    return None


def _inside(path: str | os.PathLike[str], folder: str) -> bool:
    """True when ``path``, symbolic links followed, lies inside ``folder`` (a real path)."""
    real = os.path.realpath(path)
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


class Browser(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped: VBox is Any
    """Browse a folder of ultrasound DICOM files: header, regions, and a cine player.

    Parameters
    ----------
    folder
        Folder to list (searched recursively for DICOM files); None lists ``files``, or the
        sample files of :func:`echolab.samples.sample_paths` when ``files`` is None too.
    files
        Explicit file paths to list instead of a folder.
    confine
        Show only ``folder`` (or ``files``): no folder box; :meth:`scan` refuses any other folder,
        and a file whose real path (symbolic links followed) lies outside ``folder`` is neither
        listed nor opened — for a web app whose users must not list or open the machine's other files.

    Attributes
    ----------
    folder_text, scan_button, file, region, frame, play
        The controls: folder path, rescan, file choice, region choice, frame slider, Play button.
        ``frame.value`` is the frame's 0-based index, as in ``region.isel(time=...)``.
    summary, regions_table, frame_label, axes_label, status
        HTML/Label outputs: header summary, region table, "frame 4 of 120 · t = 0.100 s" (counted
        from 1; a still says "frame 1 of 1", a file without a decoder "27 frames (not decodable
        here)"), the region panel's axes as text ("region 1: x time [s] · y Doppler velocity
        [cm/s]"), messages (each once, at its gravest: an error is red, a warning orange).
    view
        The :class:`FigureView` with the whole frame (region boxes) beside the chosen region.
    echofile
        The open :class:`~echolab.EchoFile`, None when none could be opened.

    Notes
    -----
    Listing a folder selects its first file that shows a picture (its header reads and a decoder
    here reads its pixels; :data:`FIRST_FILE_SEARCH` files are tried at most). The region choice
    lists every region of the header, those that cannot be drawn with the reason. Choosing a file
    first clears everything shown of the previous one, so a file that fails never leaves another
    file's header, regions, picture or frame range on screen.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str] | None = None,
        *,
        files: Sequence[str] | None = None,
        confine: bool = False,
    ) -> None:
        self.echofile: EchoFile | None = None
        #: The only folder :meth:`scan` lists when confined (None: only the files given).
        self.confined_to: str | None = os.path.realpath(folder) if confine and folder is not None else None
        self.confined = confine
        self._views: list[plot.FramePlot] = []
        self._messages = _Messages("")
        self._pixels_error: PixelDataError | None = None
        self.folder_text = widgets.Text(
            value=os.fspath(folder) if folder is not None else "",
            description="folder",
            placeholder="a folder of DICOM files (searched recursively)",
            layout=widgets.Layout(width="60%"),
        )
        self.scan_button = widgets.Button(description="Scan folder")
        self.file = widgets.Dropdown(description="file", layout=widgets.Layout(width="60%", min_width="320px"))
        self.summary = widgets.HTML(layout=widgets.Layout(margin="0 2em 0 0"))
        self.regions_table = widgets.HTML()
        self.region = widgets.Dropdown(
            description="region", style={"description_width": "48px"}, layout=widgets.Layout(width="340px")
        )
        # no readout: the slider's value is a 0-based index, the label beside it counts frames from 1
        self.frame = widgets.IntSlider(
            min=0, max=0, continuous_update=True, readout=False, layout=widgets.Layout(width="220px")
        )
        self.play = widgets.Play(min=0, max=0, interval=100, description="play", layout=widgets.Layout(width="auto"))
        # a kernel-side link: the Play button drives the same callback as the slider, and both
        # can be set from Python (a jslink would move the slider in the browser only)
        widgets.link((self.play, "value"), (self.frame, "value"))
        self.frame_label = widgets.Label(layout=widgets.Layout(width="auto", flex="0 0 auto", margin="0 0 0 8px"))
        self.axes_label = widgets.Label()
        self.status = widgets.HTML()
        self.view = FigureView(figsize=(11, 4.4))
        for name, control in (("frame", self.frame_label), ("axes", self.axes_label), ("picture", self.view.widget)):
            control.add_class(f"echolab-{name}")

        if confine:  # no folder box: no way to name another folder from the page
            self.folder_text.disabled = self.scan_button.disabled = True
            self.folder_text.layout.display = self.scan_button.layout.display = "none"
        else:
            self.scan_button.on_click(lambda _: self.scan(self.folder_text.value))
        self.file.observe(self._on_file, names="value")
        self.region.observe(self._on_region, names="value")
        self.frame.observe(self._on_frame, names="value")
        wrapping = widgets.Layout(flex_flow="row wrap", align_items="center")  # narrow pages: wrap, never cut
        self.controls = widgets.HBox([self.region, self.play, self.frame, self.frame_label], layout=wrapping)
        super().__init__(
            [
                widgets.HBox([self.folder_text, self.scan_button]),
                self.file,
                self.status,
                widgets.HBox(
                    [self.summary, self.regions_table],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
                ),
                self.controls,
                self.view.widget,
                self.axes_label,
            ]
        )
        self.add_class("echolab-browser")
        self.file.add_class("echolab-file")
        self.region.add_class("echolab-region")
        self.frame.add_class("echolab-frame-slider")
        self.controls.add_class("echolab-controls")
        self.summary.add_class("echolab-summary")
        self.regions_table.add_class("echolab-regions")
        self.status.add_class("echolab-status")
        if folder is not None:
            self.scan(folder)
        else:
            if files is None:
                from ..samples.data import sample_paths

                files = list(sample_paths().values())
            self.set_files(files)

    # --- choosing files ------------------------------------------------------------------

    def scan(self, folder: str | os.PathLike[str]) -> None:
        """List the DICOM files under ``folder`` and open the first that shows a picture (when
        confined, only the folder given at creation, and only files whose real path lies in it)."""
        if self.confined and (self.confined_to is None or os.path.realpath(folder) != self.confined_to):
            self.status.value = _message(f"{folder!s}: this browser shows only its own folder", "error")
            return
        if not folder or not os.path.isdir(folder):
            self.status.value = _message(f"{folder!s}: not a folder", "error")
            return
        files = find_dicom_files(folder, within=self.confined_to)
        self.set_files(files, root=os.fspath(folder))
        if not files:
            self.status.value = _message(f"{folder}: no DICOM files found", "warning")

    def set_files(self, files: Sequence[str], root: str | None = None) -> None:
        """List ``files`` (labelled relative to ``root``) and open the first that shows a picture
        (the first of all when none of the first :data:`FIRST_FILE_SEARCH` does)."""
        options = [(os.path.relpath(p, root) if root else os.path.basename(p), os.fspath(p)) for p in files]
        chosen = _first_with_picture([path for _, path in options]) if options else None
        self.file.unobserve(self._on_file, names="value")  # set the list and the choice, then open once
        try:
            self.file.options = options
            self.file.value = chosen
        finally:
            self.file.observe(self._on_file, names="value")
        if chosen is None:
            self._forget_file()
        else:
            self.load(chosen)

    def _on_file(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.load(change["new"])

    def load(self, path: str) -> None:
        """Open ``path`` and show its header, regions and first frame.

        Everything shown of the previous file is cleared first. Messages go to ``status``, each
        once: a file whose header cannot be read shows only its error; one whose pixels cannot be
        decoded shows its header, its regions, why, and the frame count of its header.
        """
        self._forget_file()
        self._messages = _Messages(path)
        if self.confined_to is not None and not _inside(path, self.confined_to):
            self._messages.add("error", "outside the folder this browser shows: not opened")
            self._show_messages()
            return
        opened = open_collecting(path)
        for warning in opened.warnings:
            self._messages.add("warning", warning.reason)
        if opened.echofile is None:
            self._messages.add("error", opened.error.reason if opened.error is not None else "cannot be opened")
            self._show_messages()
            return
        echofile = self.echofile = opened.echofile
        for problem in echofile.problems:  # a cut file: fewer frames than promised; no decoder: none
            self._messages.add("error" if problem.rule in NO_IMAGE_RULES else "warning", problem.message)
        self.summary.value = _table(
            [{"": k, "value": v} for k, v in echofile.summary().items() if v is not None], one_line=True
        )
        self.regions_table.value = _regions_html(echofile)
        rate = echofile.frame_rate or UNTIMED_DISPLAY_RATE
        self.play.interval = max(10, round(1000 / rate))
        self._pixels_error = _pixels_error(echofile)
        options, first = _region_options(echofile, self._pixels_error)
        self._set_region_options(options, first)
        if self._pixels_error is not None:  # the header reads, the pixels do not
            self._show_undecodable(self._pixels_error)
        else:
            self._set_frame_range(echofile.pixels.number_of_frames)
            try:
                self._draw_region(self.region.value)
            except EcholabError as exc:
                self._show_drawing_error(exc)
        self._show_messages()

    def _forget_file(self) -> None:
        """Clear everything shown of the current file: messages, header, regions, frames, picture."""
        self.echofile = None
        self._pixels_error = None
        self._messages = _Messages("")
        for output in (self.status, self.summary, self.regions_table, self.frame_label):
            output.value = ""
        self._set_region_options([], None)
        self._set_frame_range(0)
        self._clear_picture()

    def _show_messages(self) -> None:
        self.status.value = self._messages.html()

    def _set_region_options(self, options: Sequence[tuple[str, int | None]], chosen: int | None) -> None:
        """List ``options`` in the region choice with ``chosen`` selected, without drawing it."""
        self.region.unobserve(self._on_region, names="value")
        try:
            self.region.options = list(options)
            self.region.value = chosen if options else None
        finally:
            self.region.observe(self._on_region, names="value")

    def _set_frame_range(self, frames: int) -> None:
        """Stop playing and put the slider and Play button at frame 0 of ``frames`` (disabled for 0)."""
        self.play.playing = False
        last = max(frames - 1, 0)
        with self.frame.hold_trait_notifications():
            self.frame.value = 0
            self.frame.max = last
        self.play.max = last
        self.play.value = 0
        self.frame.disabled = self.play.disabled = frames == 0

    # --- regions and frames --------------------------------------------------------------

    def _on_region(self, change: dict[str, Any]) -> None:
        self.show_region(change["new"])

    def show_region(self, index: int | None) -> None:
        """Draw the whole frame with region ``index`` highlighted beside the region in its own axes."""
        if self.echofile is None or self._pixels_error is not None:  # nothing to draw: the picture stays empty
            self._clear_picture()
            return
        try:
            self._draw_region(index)
        except EcholabError as exc:
            self._show_drawing_error(exc)
            self._show_messages()

    def _draw_region(self, index: int | None) -> None:
        """Draw the current frame of the whole image and of region ``index`` (its reason in its
        place when the region cannot be drawn).

        Raises
        ------
        EcholabError
            When the frame or the region cannot be read; the caller reports it.
        """
        assert self.echofile is not None
        self.view.clear()
        self._views = []
        left, right = self.view.figure.subplots(1, 2, width_ratios=[1, 1.15])
        frame = int(self.frame.value)
        whole = plot.image_with_regions(self.echofile, frame=frame, ax=left, highlight=index)
        views = [whole]
        moving: list[Artist] = [whole.artist, *_overlays(left)]
        chosen = next((r for r in self.echofile.regions if r.index == index), None)
        if chosen is not None and chosen.usable:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data = self.echofile.region(chosen.index)
            region_view = (
                plot.strip(data, frame=frame, ax=right)
                if RegionKind(data.attrs[REGION_KIND]).is_strip
                else plot.region(data, frame=frame, ax=right)
            )
            views.append(region_view)
            moving += [region_view.artist, *_overlays(right)]
            axes = region_view.axes
            self.axes_label.value = f"region {chosen.index}: x {axes.get_xlabel()} · y {axes.get_ylabel()}"
        else:
            right.set_axis_off()
            if chosen is not None:
                why = "; ".join(chosen.problems)
                right.text(
                    0.5,
                    0.5,
                    f"region {chosen.index} cannot be drawn:\n{why}",
                    ha="center",
                    va="center",
                    wrap=True,
                    transform=right.transAxes,
                )
                self.axes_label.value = f"region {chosen.index}: unusable ({why})"
            else:
                self.axes_label.value = ""
        self._views = views
        self.view.set_moving(moving)
        self.view.redraw()
        self._update_label()

    def _clear_picture(self) -> None:
        """Publish an empty picture and forget the frame views and the region's axes caption."""
        self._views = []
        self.axes_label.value = ""
        self.view.clear()
        self.view.redraw()

    def _show_drawing_error(self, error: EcholabError) -> None:
        """Add ``error`` to the messages and leave the picture empty."""
        self._messages.add("error", error.reason)
        self._clear_picture()

    def _show_undecodable(self, error: PixelDataError) -> None:
        """The header reads but no frame does: why, the header's frame count, no picture."""
        assert self.echofile is not None
        self._show_drawing_error(error)
        self._set_frame_range(0)
        frames = self.echofile.number_of_frames
        why = "not decodable here" if isinstance(error, MissingDecoderError) else "pixel data unreadable"
        self.frame_label.value = f"{frames} frame{'' if frames == 1 else 's'} ({why})"

    def _on_frame(self, change: dict[str, Any]) -> None:
        self.show_frame(int(change["new"]))

    def show_frame(self, frame: int) -> None:
        """Show ``frame`` (0-based) in both panels: new pixels, same artists, one blit."""
        if self.echofile is None or not self._views:
            return
        try:
            for view in self._views:
                view.frame = frame
                view.artist.set_data(plot.frame_pixels(view.data, frame))
        except EcholabError as exc:
            self._messages.add("error", exc.reason)
            self._show_messages()
            return
        self.view.blit()
        self._update_label()

    def _update_label(self) -> None:
        if self.echofile is None or self._pixels_error is not None:
            return
        frame, frames = int(self.frame.value), self.echofile.pixels.number_of_frames
        counted = f"frame {frame + 1} of {frames}"
        if frames == 1:  # a still: nothing to time
            self.frame_label.value = counted
        elif self.echofile.timing.has_timing:
            self.frame_label.value = f"{counted} · t = {self.echofile.frame_times[frame]:.3f} s"
        else:
            self.frame_label.value = f"{counted} · no timing in the file"


def _first_with_picture(paths: Sequence[str]) -> str:
    """The first of ``paths`` whose header opens and whose frames a decoder here reads (located,
    not decoded), trying :data:`FIRST_FILE_SEARCH` at most; else the first path."""
    for path in paths[:FIRST_FILE_SEARCH]:
        opened = open_collecting(path)
        if opened.echofile is not None and _pixels_error(opened.echofile) is None:
            return path
    return paths[0]


def _kind_name(region: Region) -> str:
    """A region's kind in few words: "2D (tissue)", "colour flow", "PW spectral Doppler", "ECG trace"."""
    kind, data_type = region.kind.value, region.data_type_name
    return data_type if kind in data_type else f"{kind} ({data_type})"


def _region_options(
    echofile: EchoFile, pixels_error: PixelDataError | None
) -> tuple[list[tuple[str, int | None]], int | None]:
    """The region choice: every region of the header, those that cannot be drawn with why; and the
    one chosen first (the first usable region, else the first). No region: the whole image."""
    if not echofile.regions:
        return [("whole image (no region in the header)", None)], None
    options: list[tuple[str, int | None]] = []
    for r in echofile.regions:
        label = f"{r.index}: {_kind_name(r)}"
        if not r.usable:
            label += " · unusable (see notes)"
        elif pixels_error is not None:
            label += " · " + (
                "not decodable here" if isinstance(pixels_error, MissingDecoderError) else "pixel data unreadable"
            )
        options.append((label, r.index))
    first = next((r.index for r in echofile.regions if r.usable), echofile.regions[0].index)
    return options, first


def _axis_text(region: Region, axis_name: str) -> str:
    """One axis of a region in one short line: "depth [cm], 0.1083 cm/px" ("positive up" or "down"
    for a Doppler velocity)."""
    axis = region.x if axis_name == "x" else region.y
    if axis is None:
        return "invalid"
    text = f"{axis.long_name} [{axis.unit}]"
    if axis.calibrated and axis.delta:
        text += f", {abs(axis.delta):.4g} {axis.unit}/px"
    direction = region.doppler_positive_direction if axis_name == "y" else None
    if direction is not None:
        text += ", positive " + ("up" if direction == DOPPLER_POSITIVE_UP else "down")
    return text


def _regions_html(echofile: EchoFile) -> str:
    """The browser's region table, one line per region (index and kind, box, axes), and each
    region's notes below it as sentences (a table column of notes made every row 3–5 lines tall)."""
    rows = [
        {
            "region": f"{r.index}: {_kind_name(r)}",
            "box (x0, y0, x1, y1)": r.box,
            "x axis": _axis_text(r, "x"),
            "y axis": _axis_text(r, "y"),
        }
        for r in echofile.regions
    ]
    notes = [
        (r.index, "; ".join([*r.problems, *(note for _, note in r.notes), *(c for _, c in r.corrections)]))
        for r in echofile.regions
    ]
    said = "".join(
        f"<div style='color:#555; line-height:1.35'>region {index}: {html.escape(text)}</div>"
        for index, text in notes
        if text
    )
    return f"<div style='overflow-x:auto'>{_table(rows, one_line=True)}</div>{said}"


class CalibrationPanel(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped: VBox is Any
    """Check a file's calibration before trusting a measurement.

    Shows the region boxes against the image bounds, each region's pixel aspect (ΔX vs ΔY), where
    its reference point lies (the header's origin of a 2D region, Doppler baseline, strip time zero),
    how the timing elements agree, and a two-point distance placed with sliders next to the pixel
    arithmetic it replaces.

    Attributes
    ----------
    regions_table, timing_table
        HTML tables of the checks.
    measure_region
        Dropdown of the regions whose x and y share a unit (2D regions in cm).
    column_1, row_1, column_2, row_2
        Sliders placing the two points, in image pixels.
    result
        HTML with the distance and its arithmetic.
    view
        :class:`FigureView` of the frame with boxes, reference points and the measured segment.
    """

    def __init__(self, source: str | os.PathLike[str] | EchoFile, *, frame: int = 0) -> None:
        self.echofile = source if isinstance(source, EchoFile) else open_file(source)
        self.frame_index = frame
        self.regions_table = widgets.HTML(_table(self.region_checks()))
        self.timing_table = widgets.HTML(_table(self.timing_checks()))
        #: What echolab check says of this file (header and pixel rules), one row per finding.
        self.findings = header_findings(self.echofile) + pixel_findings(self.echofile)
        self.findings_table = widgets.HTML(
            _table([{k: v for k, v in f.to_dict().items() if k != "file"} for f in self.findings])
            if self.findings
            else _message("no finding: echolab check has nothing to say about this file")
        )
        options = [
            (f"{r.index}: {r.kind.value}", r.index)
            for r in self.echofile.regions
            if r.usable and r.x and r.y and r.x.calibrated and r.x.units is r.y.units
        ]
        self.measure_region = widgets.Dropdown(options=options, description="measure in")
        slider = {"continuous_update": True, "layout": widgets.Layout(width="48%")}
        self.column_1 = widgets.IntSlider(description="point 1 column", **slider)
        self.row_1 = widgets.IntSlider(description="point 1 row", **slider)
        self.column_2 = widgets.IntSlider(description="point 2 column", **slider)
        self.row_2 = widgets.IntSlider(description="point 2 row", **slider)
        self.result = widgets.HTML()
        self.view = FigureView(figsize=(7.5, 5.4))
        self._draw_figure()
        for control in (self.column_1, self.row_1, self.column_2, self.row_2):
            control.observe(lambda _: self._update_measurement(), names="value")
        self.measure_region.observe(lambda change: self._reset_points(), names="value")
        super().__init__(
            [
                widgets.HTML("<b>Regions against the image</b>"),
                self.regions_table,
                widgets.HTML("<b>Timing sources</b>"),
                self.timing_table,
                widgets.HTML("<b>Findings (echolab check)</b>"),
                self.findings_table,
                widgets.HTML("<b>Two-point distance</b>"),
                self.measure_region,
                widgets.HBox([self.column_1, self.row_1]),
                widgets.HBox([self.column_2, self.row_2]),
                self.result,
                self.view.widget,
            ]
        )
        self.add_class("echolab-calibration")
        if options:
            self._reset_points()
        else:
            self.result.value = _message("no region with x and y in one unit: nothing to measure a distance in")

    # --- checks --------------------------------------------------------------------------

    def region_checks(self) -> list[dict[str, Any]]:
        """One row per region: box vs image, pixel aspect, reference point (:func:`echolab.checks.region_rows`)."""
        return region_rows(self.echofile)

    def timing_checks(self) -> list[dict[str, Any]]:
        """Every timing element, the frame rate and loop length it implies, and whether it agrees
        (:func:`echolab.checks.timing_rows`)."""
        return timing_rows(self.echofile)

    # --- figure and measurement ----------------------------------------------------------

    def _draw_figure(self) -> None:
        ax = self.view.figure.add_subplot()
        whole = plot.image_with_regions(self.echofile, frame=self.frame_index, ax=ax)
        for r in self.echofile.regions:
            if r.usable and r.x is not None and r.y is not None and r.x.calibrated and r.y.calibrated:
                colour = plot.KIND_COLOURS.get(r.kind, "white")
                if r.kind is RegionKind.SPECTRAL_DOPPLER:
                    row = float(r.y.pixels(0.0))
                    assert r.clipped_box is not None
                    ax.plot([r.clipped_box[0], r.clipped_box[2]], [row, row], color=colour, linestyle=":", linewidth=1)
                else:
                    ax.plot([r.x.reference_index], [r.y.reference_index], marker="+", color=colour, markersize=10)
        (self._segment,) = ax.plot([], [], color="#00e5ff", marker="o", markersize=4, linewidth=1.5)
        self.view.set_moving([whole.artist, *_overlays(ax)])
        self.view.redraw()

    def _reset_points(self) -> None:
        index = self.measure_region.value
        region = self.echofile.regions[index]
        assert region.clipped_box is not None
        x0, y0, x1, y1 = region.clipped_box
        sliders = [
            (self.column_1, x0, x1, 1 / 3),
            (self.column_2, x0, x1, 2 / 3),
            (self.row_1, y0, y1, 1 / 2),
            (self.row_2, y0, y1, 1 / 2),
        ]
        for slider, low, high, fraction in sliders:
            with slider.hold_trait_notifications():
                slider.min, slider.max = -(10**9), 10**9
                slider.value = round(low + fraction * (high - low))
                slider.min, slider.max = low, high
        self._update_measurement()

    def set_points(self, first: tuple[int, int], second: tuple[int, int]) -> None:
        """Place both points at image (column, row) pixels at once."""
        self.column_1.value, self.row_1.value = first
        self.column_2.value, self.row_2.value = second

    def _update_measurement(self) -> None:
        if self.measure_region.value is None:
            return
        region = self.echofile.regions[self.measure_region.value]
        first = (self.column_1.value, self.row_1.value)
        second = (self.column_2.value, self.row_2.value)
        try:
            result = distance(region, first, second, pixels=True)
        except MeasurementError as exc:
            self.result.value = _message(exc.reason, "error")
            return
        assert region.x is not None and region.y is not None and region.x.delta and region.y.delta
        d_col, d_row = round(result.where["columns"]), round(result.where["rows"])
        dx, dy = abs(result.where["dx"]), abs(result.where["dy"])
        unit = result.units
        self.result.value = (
            f"<b>distance = {result.value:.3f} {unit}</b> &nbsp; "
            f"= √(({abs(d_col)} px × {abs(region.x.delta):.5g} {unit}/px)² + "
            f"({abs(d_row)} px × {abs(region.y.delta):.5g} {unit}/px)²) = √({dx:.4f}² + {dy:.4f}²)"
            f"<br><span style='color:#555'>in pixels alone: {math.hypot(d_col, d_row):.1f} px — "
            "meaningless without (0018,602C/602E) Physical Delta X/Y</span>"
        )
        self._segment.set_data([first[0], second[0]], [first[1], second[1]])
        self.view.blit()
