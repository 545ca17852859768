"""Plot helpers: physical extents, labels, boxes, and frame updates that do not re-plot."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import echolab
from echolab import doppler, plot
from echolab.samples import sample

from ..conftest import package_file


def _axes():  # type: ignore[no-untyped-def]
    figure = Figure()
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def test_region_plot_has_physical_extent_and_labels() -> None:
    da = echolab.open(package_file("color3d_jpeg_baseline.dcm")).region(0)
    view = plot.region(da, ax=_axes())
    ax = view.axes
    assert ax.get_xlabel() == "lateral distance [cm]" and ax.get_ylabel() == "depth [cm]"
    left, right, bottom, top = view.artist.get_extent()
    step = float(da.x[1] - da.x[0])
    assert left == pytest.approx(float(da.x[0]) - step / 2) and right == pytest.approx(float(da.x[-1]) + step / 2)
    assert top < bottom  # depth grows downwards
    assert ax.get_aspect() == 1.0


def test_show_frame_swaps_pixels_of_the_same_artist() -> None:
    da = echolab.open(package_file("color3d_jpeg_baseline.dcm")).region(0)
    view = plot.region(da, ax=_axes())
    artist, images = view.artist, len(view.axes.images)
    view.show_frame(40)
    assert view.artist is artist and len(view.axes.images) == images
    np.testing.assert_array_equal(np.asarray(artist.get_array()), da.isel(time=40).values)


def test_image_with_regions_draws_every_box_and_marks_overhang() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(package_file("examples_palette.dcm"))
    view = plot.image_with_regions(f, ax=_axes(), highlight=0)
    boxes = view.extras["boxes"]
    assert sorted(boxes) == [r.index for r in f.regions if r.box is not None]
    assert boxes[0].get_linewidth() == 2.5
    assert any(line.get_linestyle() == "--" for line in view.axes.lines)  # a clipped box
    plot.set_highlight(view, 1)
    assert boxes[0].get_linewidth() == 1.0


def test_doppler_strip_with_envelope_and_baseline() -> None:
    da = echolab.open(sample("synthetic-doppler.dcm")).region(1)
    view = plot.strip(da, ax=_axes(), envelope=doppler.envelope(da))
    ax = view.axes
    assert ax.get_ylabel() == "Doppler velocity [cm/s]" and ax.get_xlabel() == "time [s]"
    labels = [line.get_label() for line in ax.lines]
    assert "positive" in labels and "negative" in labels
    bottom, top = ax.get_ylim()
    assert top > bottom  # negative Delta Y: positive velocities up
