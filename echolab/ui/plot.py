"""Small matplotlib helpers: a region in physical axes, region boxes over the image, strips.

Each helper draws once and returns a :class:`FramePlot` whose :meth:`FramePlot.show_frame`
swaps the pixels of the existing image artist (``set_data`` + ``draw_idle``) — scrubbing a cine
never re-plots. Axis labels come from the coordinates' ``long_name`` and ``units``.

Examples
--------
>>> view = plot.region(f.region(0))            # lateral distance [cm] × depth [cm]
>>> view.show_frame(10)
>>> plot.image_with_regions(f)                 # the whole frame with numbered region boxes
>>> plot.strip(f.region(2), envelope=doppler.envelope(f.region(2)))
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..codes import RegionKind
from ..conventions import LONG_NAME, REGION_INDEX, REGION_KIND, UNITS, source_of
from ..errors import require
from ..reading.regions import Region

if TYPE_CHECKING:  # matplotlib is optional (the "notebooks" extra): imported where used
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage
    from matplotlib.patches import Rectangle

__all__ = [
    "FramePlot",
    "frame_pixels",
    "region",
    "image_with_regions",
    "set_highlight",
    "strip",
    "axis_label",
    "KIND_COLOURS",
]

#: Outline colour of each region kind in :func:`image_with_regions`.
KIND_COLOURS: dict[RegionKind, str] = {
    RegionKind.TWO_D: "#ffd92f",
    RegionKind.COLOR_FLOW: "#fc8d62",
    RegionKind.M_MODE: "#66c2a5",
    RegionKind.SPECTRAL_DOPPLER: "#8da0cb",
    RegionKind.TRACE: "#a6d854",
    RegionKind.GREY_BAR: "#b3b3b3",
    RegionKind.COLOUR_BAR: "#e78ac3",
    RegionKind.GRAPHICS: "#e5c494",
    RegionKind.OTHER: "#ffffff",
}


def axis_label(coordinate: xr.DataArray) -> str:
    """``"depth [cm]"`` from a coordinate's ``long_name`` and ``units``."""
    name = coordinate.attrs.get(LONG_NAME, coordinate.name)
    units = coordinate.attrs.get(UNITS)
    return f"{name} [{units}]" if units else str(name)


@dataclass
class FramePlot:
    """An image artist bound to a DataArray with a ``time`` dim, updated frame by frame.

    Attributes
    ----------
    data
        The (lazy) DataArray shown; one frame is decoded per update.
    artist
        The :class:`~matplotlib.image.AxesImage` whose pixels are swapped.
    axes
        The axes it lives in.
    frame
        The frame shown (0-based).
    """

    data: xr.DataArray
    artist: AxesImage
    axes: Axes
    frame: int = 0
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def figure(self) -> Figure:
        """The figure of :attr:`axes`."""
        figure = self.axes.get_figure(root=True)
        assert figure is not None
        return figure

    def show_frame(self, frame: int) -> None:
        """Show ``frame`` by swapping the artist's pixels, then ask the canvas to redraw when idle."""
        self.frame = int(frame)
        self.artist.set_data(frame_pixels(self.data, self.frame))
        self.figure.canvas.draw_idle()


def frame_pixels(data: xr.DataArray, frame: int) -> np.ndarray:
    """The decoded pixels of one frame of ``data`` (the array itself when it has no ``time``)."""
    picked = data.isel(time=frame) if "time" in data.dims else data
    return np.asarray(picked.values)


def _matplotlib(module: str) -> Any:
    """``matplotlib.<module>``, or an error that says to install the ``notebooks`` extra."""
    return require(f"matplotlib.{module}", extra="notebooks", purpose="echolab.ui.plot")


def _imshow(ax: Axes, data: xr.DataArray, frame: int, extent: Sequence[float] | None) -> AxesImage:
    pixels = frame_pixels(data, frame)
    options: dict[str, Any] = {"interpolation": "nearest", "origin": "upper", "extent": extent}
    if pixels.ndim == 2:
        # a fixed grey scale, so that scrubbing does not rescale each frame: 8 bits, else the first frame's range
        top = 255.0 if pixels.dtype == np.uint8 else float(np.nanmax(pixels)) or 1.0
        options.update(cmap="gray", vmin=0, vmax=top)
    return ax.imshow(pixels, **options)


def _edges(values: np.ndarray) -> tuple[float, float]:
    """Outer pixel edges of a regularly spaced coordinate (first, last)."""
    if values.size == 1:
        return float(values[0]) - 0.5, float(values[0]) + 0.5
    step = (float(values[-1]) - float(values[0])) / (values.size - 1)
    return float(values[0]) - step / 2, float(values[-1]) + step / 2


def region(data: xr.DataArray, *, frame: int = 0, ax: Axes | None = None, title: str | None = None) -> FramePlot:
    """Draw one frame of a region DataArray with its physical extent and labelled axes.

    Depth grows downwards, Doppler velocity upwards when Delta Y is negative: the picture keeps
    the scanner's orientation and the axes carry the calibration. 2D regions get an equal aspect
    (a centimetre is as long across as down).
    """
    ax = ax if ax is not None else _matplotlib("figure").Figure(figsize=(6, 4.5)).add_subplot()
    x_first, x_last = _edges(data["x"].values)
    y_first, y_last = _edges(data["y"].values)
    artist = _imshow(ax, data, frame, (x_first, x_last, y_last, y_first))
    ax.set_xlabel(axis_label(data["x"]))
    ax.set_ylabel(axis_label(data["y"]))
    if data["x"].attrs.get(UNITS) == data["y"].attrs.get(UNITS):
        ax.set_aspect("equal")
    else:
        ax.set_aspect("auto")
    kind = data.attrs.get(REGION_KIND, "")
    ax.set_title(title if title is not None else f"region {data.attrs.get(REGION_INDEX, '?')}: {kind}")
    return FramePlot(data, artist, ax, frame)


def image_with_regions(
    echofile: Any,
    *,
    frame: int = 0,
    ax: Axes | None = None,
    highlight: int | None = None,
    regions: Sequence[Region] | None = None,
) -> FramePlot:
    """Draw a whole frame in image pixels with every region's box, numbered and coloured by kind.

    Boxes are drawn as the file declares them (overhanging parts outside the image show as
    dashed red); ``highlight`` draws one region's box thicker. ``extras["boxes"]`` maps region
    index to its :class:`~matplotlib.patches.Rectangle`.
    """
    image = echofile.image()
    ax = ax if ax is not None else _matplotlib("figure").Figure(figsize=(7, 5)).add_subplot()
    artist = _imshow(ax, image, frame, None)
    ax.set_xlabel("image column")
    ax.set_ylabel("image row")
    boxes: dict[int, Rectangle] = {}
    for item in regions if regions is not None else echofile.regions:
        if item.box is None:
            continue
        x0, y0, x1, y1 = item.box
        colour = KIND_COLOURS.get(item.kind, "#ffffff")
        rectangle = _matplotlib("patches").Rectangle(
            (x0 - 0.5, y0 - 0.5),
            x1 - x0 + 1,
            y1 - y0 + 1,
            fill=False,
            edgecolor=colour if item.usable else "red",
            linewidth=2.5 if item.index == highlight else 1.0,
            linestyle="-" if item.usable else ":",
        )
        ax.add_patch(rectangle)
        boxes[item.index] = rectangle
        ax.text(x0 + 3, y0 + 3, str(item.index), color=colour, fontsize=8, va="top", ha="left", clip_on=True)
        if item.clipped_box is not None and item.clipped_box != item.box:
            cx1, cy1 = item.clipped_box[2], item.clipped_box[3]
            ax.plot([cx1 + 0.5, x1 + 0.5], [cy1 + 0.5, y1 + 0.5], color="red", linestyle="--", linewidth=1)
    ax.set_xlim(-0.5, echofile.columns - 0.5)
    ax.set_ylim(echofile.rows - 0.5, -0.5)
    source = source_of(image)
    ax.set_title(f"{os.path.basename(source) if source else ''}: {len(boxes)} region(s)")
    return FramePlot(image, artist, ax, frame, extras={"boxes": boxes})


def set_highlight(view: FramePlot, index: int | None) -> None:
    """Draw region ``index``'s box thicker in a view from :func:`image_with_regions`."""
    for number, rectangle in view.extras.get("boxes", {}).items():
        rectangle.set_linewidth(2.5 if number == index else 1.0)
    view.figure.canvas.draw_idle()


def strip(
    data: xr.DataArray,
    *,
    frame: int | None = None,
    ax: Axes | None = None,
    envelope: xr.DataArray | None = None,
    trace: xr.DataArray | None = None,
) -> FramePlot:
    """Draw an M-mode, Doppler or trace strip (time × depth / velocity) with its baseline.

    ``envelope`` (from :func:`echolab.analysis.doppler.envelope`) is drawn over the spectrum, one line per
    direction; the zero-velocity baseline of a Doppler strip is a thin line. ``frame`` None
    shows the last frame, the most complete strip of a scrolling cine.
    """
    frames = data.sizes.get("time", 1)
    view = region(data, frame=frames - 1 if frame is None else frame, ax=ax)
    ax = view.axes
    ax.set_aspect("auto")
    if data.attrs.get(REGION_KIND) == RegionKind.SPECTRAL_DOPPLER.value:
        ax.axhline(0.0, color="white", linewidth=0.6, alpha=0.7)
    if envelope is not None:
        for direction, colour in (("positive", "#ff4f4f"), ("negative", "#4fc3ff")):
            if direction in envelope["direction"].values:
                ax.plot(envelope["x"], envelope.sel(direction=direction), color=colour, linewidth=1.2, label=direction)
        ax.legend(loc="upper left", fontsize=7)
    if trace is not None:
        ax.plot(trace["x"], trace, color="#a6d854", linewidth=1.0)
    return view
