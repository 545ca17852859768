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
from ..conventions import REGION_KIND
from ..echofile import EchoFile, open_collecting
from ..echofile import open as open_file
from ..errors import EcholabError, MeasurementError, MissingDecoderError, PixelDataError, missing_dependency
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


def find_dicom_files(folder: str | os.PathLike[str], limit: int = MAX_FILES) -> list[str]:
    """DICOM files under ``folder`` (recursively, by their first bytes, not their suffix), sorted;
    at most ``limit`` of them."""
    return find_files([folder])[:limit]


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
    return f"<div style='color:{colour}'>{html.escape(text)}</div>"


def _table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th style='text-align:left'>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>"
        for row in rows
    )
    return f"<table class='echolab-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _open_with_messages(path: str) -> tuple[EchoFile | None, list[str], str | None]:
    """Open a file, collecting echolab's warnings as text; an error is returned, not raised."""
    opened = open_collecting(path)
    error = None if opened.error is None else str(opened.error)
    return opened.echofile, [str(w) for w in opened.warnings], error


def _frames_present(echofile: EchoFile) -> int:
    """The frames the file really holds (fewer than (0028,0008) says when it was cut short)."""
    try:
        return echofile.pixels.number_of_frames
    except EcholabError:
        return echofile.number_of_frames


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
        Show only ``folder`` (or ``files``): no folder box, and :meth:`scan` refuses any other
        folder — for a web app whose users must not list or open the machine's other files.

    Attributes
    ----------
    folder_text, scan_button, file, region, frame, play
        The controls: folder path, rescan, file choice, region choice, frame slider, Play button.
    summary, regions_table, frame_label, axes_label, status
        HTML/Label outputs: header summary, region table, "frame 3 / 119 · t = 0.100 s" (or
        "27 frames (not decodable here)"), the region panel's axes as text ("region 1: x time [s]
        · y Doppler velocity [cm/s]"), messages.
    view
        The :class:`FigureView` with the whole frame (region boxes) beside the chosen region.
    echofile
        The open :class:`~echolab.EchoFile`, None when none could be opened.

    Notes
    -----
    Choosing a file first clears everything shown of the previous one, so a file that fails
    never leaves another file's header, regions, picture or frame range on screen.
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
        self.folder_text = widgets.Text(
            value=os.fspath(folder) if folder is not None else "",
            description="folder",
            placeholder="a folder of DICOM files (searched recursively)",
            layout=widgets.Layout(width="60%"),
        )
        self.scan_button = widgets.Button(description="Scan folder")
        self.file = widgets.Dropdown(description="file", layout=widgets.Layout(width="60%"))
        self.summary = widgets.HTML()
        self.regions_table = widgets.HTML()
        self.region = widgets.Dropdown(description="region", layout=widgets.Layout(width="40%"))
        self.frame = widgets.IntSlider(description="frame", min=0, max=0, continuous_update=True)
        self.play = widgets.Play(min=0, max=0, interval=100, description="play")
        # a kernel-side link: the Play button drives the same callback as the slider, and both
        # can be set from Python (a jslink would move the slider in the browser only)
        widgets.link((self.play, "value"), (self.frame, "value"))
        self.frame_label = widgets.Label()
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
        super().__init__(
            [
                widgets.HBox([self.folder_text, self.scan_button]),
                self.file,
                self.status,
                widgets.HBox([self.summary, self.regions_table]),
                widgets.HBox([self.region, self.play, self.frame, self.frame_label]),
                self.view.widget,
                self.axes_label,
            ]
        )
        self.add_class("echolab-browser")
        self.file.add_class("echolab-file")
        self.region.add_class("echolab-region")
        self.frame.add_class("echolab-frame-slider")
        self.summary.add_class("echolab-summary")
        self.regions_table.add_class("echolab-regions")
        if folder is not None:
            self.scan(folder)
        else:
            if files is None:
                from ..samples.data import sample_paths

                files = list(sample_paths().values())
            self.set_files(files)

    # --- choosing files ------------------------------------------------------------------

    def scan(self, folder: str | os.PathLike[str]) -> None:
        """List the DICOM files under ``folder`` and open the first (when confined, only the
        folder given at creation)."""
        if self.confined and (self.confined_to is None or os.path.realpath(folder) != self.confined_to):
            self.status.value = _message(f"{folder!s}: this browser shows only its own folder", "error")
            return
        if not folder or not os.path.isdir(folder):
            self.status.value = _message(f"{folder!s}: not a folder", "error")
            return
        files = find_dicom_files(folder)
        if not files:
            self.status.value = _message(f"{folder}: no DICOM files found", "warning")
        self.set_files(files, root=os.fspath(folder))

    def set_files(self, files: Sequence[str], root: str | None = None) -> None:
        """List ``files`` (labelled relative to ``root``) and open the first."""
        options = [(os.path.relpath(p, root) if root else os.path.basename(p), os.fspath(p)) for p in files]
        self.file.options = options
        if options:
            self.file.value = options[0][1]  # triggers _on_file when it differs
            if self.echofile is None or self.echofile.source != options[0][1]:
                self.load(options[0][1])

    def _on_file(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.load(change["new"])

    def load(self, path: str) -> None:
        """Open ``path`` and show its header, regions and first frame.

        Everything shown of the previous file is cleared first. Errors go to ``status``: a file
        whose header cannot be read shows only its error; one whose pixels cannot be decoded
        shows its header, its region table, the error and the frame count of its header.
        """
        self._forget_file()
        echofile, messages, error = _open_with_messages(path)
        if echofile is None:
            self.status.value = _message(error or "cannot open", "error")
            return
        self.echofile = echofile
        problems = [str(problem) for problem in echofile.problems]  # a cut file: fewer frames than promised
        self.status.value = "".join(_message(m, "warning") for m in [*messages, *problems])
        self.summary.value = _table([{"": k, "value": v} for k, v in echofile.summary().items() if v is not None])
        self.regions_table.value = _table(
            [
                {k: row[k] for k in ("index", "kind", "data type", "box (x0, y0, x1, y1)", "x axis", "y axis", "notes")}
                for row in echofile.region_table()
            ]
        )
        rate = echofile.frame_rate or UNTIMED_DISPLAY_RATE
        self.play.interval = max(10, round(1000 / rate))
        self._set_frame_range(_frames_present(echofile))
        options: list[tuple[str, int | None]] = [
            (f"{r.index}: {r.kind.value} ({r.data_type_name})", r.index) for r in echofile.regions if r.usable
        ]
        if not options:
            options = [("whole image (no usable region)", None)]
        self._set_region_options(options)
        try:
            self._draw_region(self.region.value)
        except PixelDataError as exc:  # the header reads, the pixels do not
            self._show_undecodable(exc)
        except EcholabError as exc:
            self._show_drawing_error(exc)

    def _forget_file(self) -> None:
        """Clear everything shown of the current file: messages, header, regions, frames, picture."""
        self.echofile = None
        for output in (self.status, self.summary, self.regions_table, self.frame_label):
            output.value = ""
        self._set_region_options([])
        self._set_frame_range(0)
        self._clear_picture()

    def _set_region_options(self, options: Sequence[tuple[str, int | None]]) -> None:
        """List ``options`` in the region choice, the first chosen, without drawing it."""
        self.region.unobserve(self._on_region, names="value")
        self.region.options = list(options)
        self.region.value = options[0][1] if options else None
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
        if self.echofile is None:
            self._clear_picture()
            return
        try:
            self._draw_region(index)
        except EcholabError as exc:
            self._show_drawing_error(exc)

    def _draw_region(self, index: int | None) -> None:
        """Draw the current frame of the whole image and of region ``index``.

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
        if index is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data = self.echofile.region(index)
            region_view = (
                plot.strip(data, frame=frame, ax=right)
                if RegionKind(data.attrs[REGION_KIND]).is_strip
                else plot.region(data, frame=frame, ax=right)
            )
            views.append(region_view)
            moving += [region_view.artist, *_overlays(right)]
        else:
            right.set_axis_off()
        self._views = views
        region_axes = views[-1].axes if index is not None else None
        self.axes_label.value = (
            f"region {index}: x {region_axes.get_xlabel()} · y {region_axes.get_ylabel()}" if region_axes else ""
        )
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
        self.status.value += _message(str(error), "error")
        self._clear_picture()

    def _show_undecodable(self, error: PixelDataError) -> None:
        """The header reads but the first frame does not: the error and the header's frame count, no picture."""
        assert self.echofile is not None
        self._show_drawing_error(error)
        self._set_region_options([])
        self._set_frame_range(0)
        frames = self.echofile.number_of_frames
        why = "not decodable here" if isinstance(error, MissingDecoderError) else "pixel data unreadable"
        self.frame_label.value = f"{frames} frame{'' if frames == 1 else 's'} ({why})"

    def _on_frame(self, change: dict[str, Any]) -> None:
        self.show_frame(int(change["new"]))

    def show_frame(self, frame: int) -> None:
        """Show ``frame`` in both panels: new pixels, same artists, one blit."""
        if self.echofile is None or not self._views:
            return
        try:
            for view in self._views:
                view.frame = frame
                view.artist.set_data(plot.frame_pixels(view.data, frame))
        except EcholabError as exc:
            self.status.value = _message(str(exc), "error")
            return
        self.view.blit()
        self._update_label()

    def _update_label(self) -> None:
        if self.echofile is None:
            self.frame_label.value = ""
            return
        frame, last = int(self.frame.value), max(_frames_present(self.echofile) - 1, 0)
        if self.echofile.timing.has_timing:
            self.frame_label.value = f"frame {frame} / {last} · t = {self.echofile.frame_times[frame]:.3f} s"
        else:
            self.frame_label.value = f"frame {frame} / {last} · no timing in the file"


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
