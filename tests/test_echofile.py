"""The public contract of echolab.open / EchoFile / region DataArrays, over every real file."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pydicom
import pytest
import xarray as xr

import echolab

from .conftest import UNDECODABLE, all_file_params, package_file, resolve

_SAFE_ATTR_TYPES = (str, int, float, np.ndarray)


def _open(spec: tuple[str, str]) -> echolab.EchoFile:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        return echolab.open(resolve(spec))


def _check_attrs(attrs: dict) -> None:
    for key, value in attrs.items():
        assert isinstance(value, _SAFE_ATTR_TYPES) and not isinstance(value, bool), (key, value)


@pytest.mark.parametrize("spec", all_file_params())
def test_contract_on_every_real_file(spec: tuple[str, str]) -> None:
    f = _open(spec)
    ds = pydicom.dcmread(resolve(spec), stop_before_pixels=True, force=True)
    assert f.sop_instance_uid == ds.SOPInstanceUID
    assert (f.rows, f.columns) == (ds.Rows, ds.Columns)
    assert f.number_of_frames == int(ds.get("NumberOfFrames") or 1)
    assert len(f.frame_times) == f.number_of_frames
    items = ds.get("SequenceOfUltrasoundRegions") or []
    assert [r.index for r in f.regions] == list(range(len(items)))
    assert "<table>" in f._repr_html_()
    if spec[1] in UNDECODABLE:
        with pytest.raises(echolab.MissingDecoderError, match="gdcmconv --raw"):
            f.image()
        return

    image = f.image()
    assert image.dims[:3] == ("time", "row", "column")
    _check_attrs(image.attrs)
    pixels = image.values
    assert pixels.shape[1:3] == (f.rows, f.columns)
    for region in f.regions:
        if not region.usable:
            with pytest.raises(echolab.RegionError, match=f"region {region.index}"):
                f.region(region.index)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", echolab.EcholabWarning)
            da = f.region(region.index)
        x0, y0, x1, y1 = region.clipped_box
        assert da.dims == ("time", "y", "x") + (("channel",) if pixels.ndim == 4 else ())
        # region pixels are exactly the image's inclusive box slice
        np.testing.assert_array_equal(da.values, pixels[:, y0 : y1 + 1, x0 : x1 + 1])
        np.testing.assert_array_equal(da.column.values, np.arange(x0, x1 + 1))
        np.testing.assert_array_equal(da.row.values, np.arange(y0, y1 + 1))
        for name, axis, index in (("x", region.x, da.column), ("y", region.y, da.row)):
            coord = da[name]
            assert coord.attrs["units"] == axis.unit
            assert coord.attrs["long_name"]
            if axis.calibrated:
                expected = axis.reference_value + (index.values - (axis.region_min + axis.reference_pixel)) * axis.delta
                np.testing.assert_allclose(coord.values, expected)
            else:
                np.testing.assert_array_equal(coord.values, index.values - axis.region_min)
                assert np.all(np.diff(coord.values) > 0)
        assert np.all(np.diff(da.time.values) > 0) or da.sizes["time"] == 1
        assert da.time.attrs["units"] in ("s", "frame")
        assert da.frame.values.tolist() == list(range(da.sizes["time"]))
        _check_attrs(da.attrs)
        assert da.attrs["region_index"] == region.index
        assert da.attrs["sop_instance_uid"] == f.sop_instance_uid


def test_open_accepts_a_pydicom_dataset_and_gives_the_same_arrays() -> None:
    path = package_file("gdcm-US-ALOKA-16.dcm")
    from_path = echolab.open(path).region(1)
    from_dataset = echolab.open(pydicom.dcmread(path)).region(1)
    xr.testing.assert_identical(from_path.drop_attrs(), from_dataset.drop_attrs())
    np.testing.assert_array_equal(from_path.values, from_dataset.values)


def test_plot_labels_come_from_attrs() -> None:
    import matplotlib

    matplotlib.use("Agg")
    da = echolab.open(package_file("color3d_jpeg_baseline.dcm")).region(0)
    artist = da.sel(time=0.5, method="nearest").plot.imshow(yincrease=False)
    assert artist.axes.get_xlabel() == "lateral distance [cm]"
    assert artist.axes.get_ylabel() == "depth [cm]"


def test_missing_path_raises_file_not_found(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileNotFoundError):
        echolab.open(tmp_path / "absent.dcm")


def test_region_index_out_of_range_names_the_sequence_length() -> None:
    f = echolab.open(package_file("color3d_jpeg_baseline.dcm"))
    with pytest.raises(IndexError, match=r"has 1 item"):
        f.region(3)


def test_find_regions_by_format_and_type() -> None:
    f = echolab.open(package_file("OBXXXX1A.dcm"))
    assert f.find_regions(spatial_format=echolab.SpatialFormat.WAVEFORM) == [1]
    assert f.find_regions(data_type=echolab.DataType.TISSUE) == [0]


def test_region_dataarray_pickles_without_decoding() -> None:
    da = echolab.open(package_file("color3d_jpeg_baseline.dcm")).region(0)
    restored = pickle.loads(pickle.dumps(da))
    np.testing.assert_array_equal(restored.isel(time=7).values, da.isel(time=7).values)


def test_the_file_name_stays_out_of_attrs_and_written_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`source_file` was an attr of every array, so `to_netcdf` wrote the file name (folder and
    file names carry patient names). It is kept in memory only: errors still name the file."""
    import shutil

    from echolab import measure
    from echolab.conventions import source_of
    from echolab.samples import sample

    path = tmp_path / "Smith_John.dcm"
    shutil.copy(sample("synthetic-doppler.dcm"), path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(path)
        region, image = f.region(0), f.image()
    for array in (region, image, region.isel(time=0), image[:1]):
        assert not any("Smith" in str(value) for value in array.attrs.values()), array.attrs
        assert source_of(array) == str(path)
    region.isel(time=slice(0, 2)).to_netcdf(tmp_path / "region.nc")
    xr.open_datatree(path, engine="echolab").to_zarr(tmp_path / "tree.zarr", consolidated=False)
    for written in [tmp_path / "region.nc", *(tmp_path / "tree.zarr").rglob("*")]:
        assert written.is_dir() or b"Smith" not in written.read_bytes(), written
    with pytest.raises(echolab.MeasurementError, match="Smith_John.dcm"):
        measure.distance(region, (10**6, 0), (0, 0), pixels=True)
