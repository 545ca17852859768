"""The xarray engine: trees, groups, laziness, dask chunks, netCDF/Zarr round trips, privacy."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import echolab
from echolab.archive.backend import EcholabBackendEntrypoint
from echolab.archive.datasets import file_datatree
from echolab.samples import sample

from ..conftest import package_file, shared_file


def test_open_datatree_has_image_and_one_group_per_region() -> None:
    path = sample("synthetic-doppler.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.UncalibratedAxisWarning)
        tree = xr.open_datatree(path, engine="echolab")
    assert sorted(tree.children) == ["image", "region_0", "region_1", "region_2"]
    assert tree.attrs["sop_instance_uid"] == echolab.open(path).sop_instance_uid
    strip = tree["region_1"].to_dataset()["region_1"]
    assert strip.y.attrs == {"units": "cm/s", "long_name": "Doppler velocity"}
    np.testing.assert_array_equal(strip.values, echolab.open(path).region(1).values)


def test_group_indices_follow_the_sequence_even_with_unusable_items() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        tree = xr.open_datatree(package_file("examples_palette.dcm"), engine="echolab")
        f = echolab.open(package_file("examples_palette.dcm"))
    usable = [f"region_{r.index}" for r in f.regions if r.usable]
    assert sorted(tree.children) == sorted(["image", *usable])
    assert "unusable_regions" in tree.attrs and "1:" in tree.attrs["unusable_regions"]


def test_open_dataset_one_group_lazily_and_with_chunks() -> None:
    path = package_file("color3d_jpeg_baseline.dcm")
    ds = xr.open_dataset(path, engine="echolab", group="region_0")
    assert list(ds.data_vars) == ["region_0"] and ds.region_0.dims == ("time", "y", "x", "channel")
    assert not isinstance(ds.region_0.variable._data, np.ndarray)  # nothing decoded yet
    chunked = xr.open_dataset(path, engine="echolab", group="region_0", chunks={"time": 10})
    assert chunked.region_0.chunks[0] == (10,) * 12
    np.testing.assert_array_equal(chunked.region_0[5:7].values, ds.region_0[5:7].values)
    assert list(xr.open_dataset(path, engine="echolab").data_vars) == ["image"]
    with pytest.raises(echolab.EcholabError, match="no group 'region_7'; this file has image, region_0"):
        xr.open_dataset(path, engine="echolab", group="region_7")


def test_guess_can_open_by_content_not_suffix(tmp_path: Path) -> None:
    renamed = tmp_path / "IMG0001"
    shutil.copy(package_file("OBXXXX1A.dcm"), renamed)
    (tmp_path / "notes.dcm").write_text("not DICOM")
    engine = EcholabBackendEntrypoint()
    assert engine.guess_can_open(str(renamed)) and engine.guess_can_open(renamed)
    assert not engine.guess_can_open(str(tmp_path / "notes.dcm"))
    assert not engine.guess_can_open(str(tmp_path / "missing.dcm"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        assert "image" in xr.open_dataset(renamed).data_vars  # picked by guess_can_open alone


@pytest.mark.parametrize(("writer", "reader"), [("to_netcdf", "netcdf4"), ("to_zarr", "zarr")])
def test_export_round_trip_keeps_units_and_coordinates(tmp_path: Path, writer: str, reader: str) -> None:
    path = sample("synthetic-mmode.dcm")
    tree = xr.open_datatree(path, engine="echolab", chunks={})
    target = tmp_path / ("out.nc" if reader == "netcdf4" else "out.zarr")
    getattr(tree, writer)(target, **({"consolidated": False} if reader == "zarr" else {}))
    back = xr.open_datatree(target, engine=reader, **({"consolidated": False} if reader == "zarr" else {}))
    for name in tree.children:
        xr.testing.assert_identical(back[name].to_dataset().load(), tree[name].to_dataset().load())
    strip = back["region_1"].to_dataset()
    assert strip.x.attrs["units"] == "s" and strip.y.attrs["units"] == "cm"
    assert strip.region_1.attrs["reference_pixel_physical_value_x"] == pytest.approx(0.658963)
    assert back.attrs["heart_rate"] == 66.0


def test_no_identifier_is_copied_unless_asked() -> None:
    path = shared_file("godicom__I_000038.dcm")  # PatientName 'Echo^Demo', institution 'BOGALUSA HEART STUDY'
    tree = xr.open_datatree(path, engine="echolab")
    text = repr(tree.attrs) + "".join(
        repr(node.attrs) + "".join(repr(v.attrs) for v in node.variables.values()) for node in tree.subtree
    )
    for secret in ("Echo^Demo", "BOGALUSA", "godicom__I_000038"):
        assert secret not in text
    kept = xr.open_datatree(path, engine="echolab", keep_identifiers=True)
    assert kept.attrs["dicom_PatientName"] == "Echo^Demo" and kept.attrs["source_file"] == "godicom__I_000038.dcm"
    assert "BOGALUSA" in kept.attrs["dicom_InstitutionName"]


def test_the_image_group_carries_no_burned_in_banner_unless_asked(tmp_path: Path) -> None:
    """The GE Voluson file prints a name, an ID and its institution in a banner above its region
    (rows 0..73): the engine and archives blank everything outside the region boxes, lazily, on
    every frame; keep_identifiers=True keeps the picture whole. The regions are untouched."""
    path = shared_file("orthanc__Issue164.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(path)
        whole = f.image().values
        x0, y0, x1, y1 = f.regions[0].clipped_box  # type: ignore[misc]
        assert whole[:, :y0].any(), "the banner is there to be blanked"
        blanked = xr.open_dataset(path, engine="echolab", group="image")["image"]
        kept = xr.open_dataset(path, engine="echolab", group="image", keep_identifiers=True)["image"]
        region = xr.open_dataset(path, engine="echolab", group="region_0")["region_0"]
        values = blanked.values
    assert not values[:, :y0].any() and not values[:, y1 + 1 :].any()
    assert not values[:, :, :x0].any() and not values[:, :, x1 + 1 :].any()
    np.testing.assert_array_equal(values[:, y0 : y1 + 1, x0 : x1 + 1], whole[:, y0 : y1 + 1, x0 : x1 + 1])
    np.testing.assert_array_equal(kept.values, whole)
    np.testing.assert_array_equal(region.values, whole[:, y0 : y1 + 1, x0 : x1 + 1])
    # a lazy slice reads blanked pixels too
    assert not blanked.isel(row=slice(0, y0)).values.any()
    tree = file_datatree(f)
    tree.to_zarr(tmp_path / "a.zarr", consolidated=False)
    archived = xr.open_datatree(tmp_path / "a.zarr", engine="zarr", consolidated=False)
    assert not archived["image"]["image"].values[:, :y0].any()


def test_opening_a_group_of_a_quirky_file_decodes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Voluson's depth-origin correction needs pixels, but only for its depth axis: the engine
    lists and opens groups from the header's boxes without decoding a frame."""
    from echolab.reading.frame_source import PixelSource

    decoded: list[object] = []
    original = PixelSource.read

    def counting(self, frames, rows, columns):  # type: ignore[no-untyped-def]
        decoded.append(frames)
        return original(self, frames, rows, columns)

    monkeypatch.setattr(PixelSource, "read", counting)
    path = shared_file("orthanc__Issue164.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        image = xr.open_dataset(path, engine="echolab", group="image")
        assert decoded == [] and image.sizes["time"] >= 1
        region = xr.open_dataset(path, engine="echolab", group="region_0")["region_0"]
    assert region.attrs["calibration_corrections"] == "depth-origin" and decoded  # the correction read pixels
