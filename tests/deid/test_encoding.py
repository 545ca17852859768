"""How a de-identified file is written (echolab.deid.encoding): lossless, same regions and axes, lossy
inputs said so."""

from __future__ import annotations

import warnings

import numpy as np
import pydicom
import pytest

import echolab

from .conftest import Run, _need, _read

#: pydicom warns of over-long values in the inputs (a 122-character Reason for Study) when they are read
pytestmark = pytest.mark.filterwarnings("ignore:The value length")


def test_outputs_open_with_the_same_regions_and_axes(run: Run) -> None:
    for name, result in run.results.items():
        assert result.output is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            before, after = echolab.open(run.sources[name]), echolab.open(result.output)
        assert after.regions == before.regions and after.regions
        assert after.number_of_frames == before.number_of_frames
        np.testing.assert_array_equal(after.frame_times, before.frame_times)
        for region in before.regions:
            if region.usable:
                a, b = before.region(region.index), after.region(region.index)
                np.testing.assert_array_equal(a["x"].values, b["x"].values)
                np.testing.assert_array_equal(a["y"].values, b["y"].values)
                assert a["x"].attrs["units"] == b["x"].attrs["units"]
        if after.number_of_frames <= 30:  # pydicom reads it too (through pyjpegls)
            ds = _read(result.output)
            pixels = ds.pixel_array if after.number_of_frames > 1 else ds.pixel_array[np.newaxis]
            np.testing.assert_array_equal(pixels, after.image().values)


def test_a_lossy_input_says_so_in_the_output(run: Run) -> None:
    source, result = _need(run, "Issue164")  # JPEG Baseline: (0028,2110) = 01 without ratio or method
    assert result.output is not None
    ds = _read(result.output)
    assert ds.LossyImageCompression == "01" and ds.LossyImageCompressionMethod == "ISO_10918_1"
    assert float(ds.LossyImageCompressionRatio) > 5
    assert ds.PhotometricInterpretation == "RGB" and ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGLSLossless
    _, multiframe = _need(run, "ultrasound-multiframe")  # native, but once JPEG-compressed at 100:1
    ds = _read(multiframe.output or "")
    assert (ds.LossyImageCompression, ds.LossyImageCompressionRatio, ds.LossyImageCompressionMethod) == (
        "01",
        100,
        "ISO_10918_1",
    )
    _, greyscale = _need(run, "GREYSCALE_IMAGE")  # lossless and said so
    assert _read(greyscale.output or "").LossyImageCompression == "00"
