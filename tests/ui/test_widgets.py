"""Widgets driven headless: every control is set from Python and the picture, labels and state follow."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import simplejpeg

from echolab.samples import sample
from echolab.ui.widgets import Browser, CalibrationPanel, find_dicom_files

from ..conftest import package_file, shared_file
from .conftest import write_undecodable_copy


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like an export: a cine, a Doppler screen in a subfolder, a non-DICOM file, a broken one."""
    root = tmp_path_factory.mktemp("export")
    shutil.copy(package_file("color3d_jpeg_baseline.dcm"), root / "a_cine.dcm")
    (root / "sub").mkdir()
    shutil.copy(sample("synthetic-doppler.dcm"), root / "sub" / "IMG0002")  # no suffix: found by its preamble
    (root / "notes.txt").write_text("not dicom")
    broken = (root / "a_cine.dcm").read_bytes()[:2000]
    (root / "z_truncated.dcm").write_bytes(broken)
    return root


def test_find_dicom_files_by_content(folder: Path) -> None:
    assert [Path(p).relative_to(folder).as_posix() for p in find_dicom_files(folder)] == [
        "a_cine.dcm",
        "sub/IMG0002",
        "z_truncated.dcm",
    ]


def test_browser_opens_the_first_file_and_scrubs_frames(folder: Path) -> None:
    browser = Browser(folder)
    assert [label for label, _ in browser.file.options] == ["a_cine.dcm", "sub/IMG0002", "z_truncated.dcm"]
    assert browser.echofile is not None and browser.echofile.number_of_frames == 120
    assert "SonoSite" in browser.summary.value and "2D" in browser.regions_table.value
    assert (browser.frame.max, browser.play.max) == (119, 119)
    assert browser.play.interval == 33  # the file's own 30 frames/s
    assert browser.frame_label.value == "frame 1 of 120 · t = 0.000 s"  # counted from 1
    first_picture, renders = browser.view.widget.value, browser.view.renders
    region_view = browser._views[1]
    artist = region_view.artist

    browser.frame.value = 60
    assert browser.view.renders == renders + 1
    assert browser.view.widget.value != first_picture
    assert browser.frame_label.value == "frame 61 of 120 · t = 2.000 s"
    assert region_view.artist is artist  # same artist, new pixels
    expected = browser.echofile.region(0).isel(time=60).values
    np.testing.assert_array_equal(np.asarray(artist.get_array()), expected)


def test_play_button_moves_the_frame(folder: Path) -> None:
    browser = Browser(folder)
    renders = browser.view.renders
    browser.play.value = 7  # what each tick of the Play button does
    assert browser.frame.value == 7 and browser.view.renders == renders + 1
    assert browser.frame_label.value.startswith("frame 8 of 120")
    browser.frame.value = 3
    assert browser.play.value == 3


def test_browser_switches_file_and_region_and_axis_units(folder: Path) -> None:
    browser = Browser(folder)
    browser.file.value = str(folder / "sub" / "IMG0002")
    assert [value for _, value in browser.region.options] == [0, 1, 2]
    assert browser.frame_label.value == "frame 1 of 1"  # a still: no timing to speak of
    assert browser._views[1].axes.get_ylabel() == "depth [cm]"
    browser.region.value = 1
    axes = browser._views[1].axes
    assert axes.get_ylabel() == "Doppler velocity [cm/s]" and axes.get_xlabel() == "time [s]"
    assert browser.axes_label.value == "region 1: x time [s] · y Doppler velocity [cm/s]"
    assert browser._views[0].extras["boxes"][1].get_linewidth() == 2.5
    assert browser.play.interval == 100  # no timing: 10 frames/s for display only


def test_browser_reports_a_broken_file_without_raising(folder: Path) -> None:
    browser = Browser(folder)
    browser.file.value = str(folder / "z_truncated.dcm")
    assert "z_truncated.dcm" in browser.status.value and "color:#b00020" in browser.status.value
    assert [value for _, value in browser.region.options] in ([], [None])
    browser.file.value = str(folder / "a_cine.dcm")  # and recovers
    assert browser.echofile is not None and browser.status.value == ""


def test_browser_scan_button_and_bad_folder(folder: Path, tmp_path: Path) -> None:
    browser = Browser(files=[])
    browser.folder_text.value = str(tmp_path / "missing")
    browser.scan_button.click()
    assert "not a folder" in browser.status.value
    browser.folder_text.value = str(folder)
    browser.scan_button.click()
    assert len(browser.file.options) == 3 and browser.echofile is not None


def test_browser_defaults_to_the_sample_files() -> None:
    labels = [label for label, _ in Browser().file.options]
    assert "synthetic-doppler.dcm" in labels and "color3d_jpeg_baseline.dcm" in labels


def test_calibration_panel_measures_the_philips_caliper() -> None:
    panel = CalibrationPanel(package_file("OBXXXX1A.dcm"))
    assert [value for _, value in panel.measure_region.options] == [0]
    assert "overhangs by 1 columns" in panel.regions_table.value
    assert "header origin: depth 0" in panel.regions_table.value and "column 460, row 96" in panel.regions_table.value
    renders = panel.view.renders
    panel.set_points((459, 290), (498, 301))
    assert "distance = 1.063 cm" in panel.result.value
    assert "39 px × 0.026229 cm/px" in panel.result.value and "40.5 px" in panel.result.value
    assert list(panel._segment.get_xdata()) == [459, 498] and panel.view.renders > renders
    assert (panel.column_1.min, panel.column_1.max) == (120, 799)  # the clipped region box


def test_calibration_panel_on_doppler_and_timing() -> None:
    panel = CalibrationPanel(sample("synthetic-doppler.dcm"))
    assert "baseline (0 cm/s) at row 352" in panel.regions_table.value
    assert "Heart Rate" in panel.timing_table.value and "no timing element" in panel.timing_table.value
    cine = CalibrationPanel(package_file("color3d_jpeg_baseline.dcm"))
    assert "(0018,1063) Frame Time" in cine.timing_table.value and "3.967 s" in cine.timing_table.value


def test_calibration_panel_flags_overhanging_resized_examples() -> None:
    panel = CalibrationPanel(package_file("examples_ybr_color.dcm"))
    assert "overhangs by" in panel.regions_table.value


def test_calibration_panel_switches_the_measured_region() -> None:
    panel = CalibrationPanel(package_file("gdcm-US-ALOKA-16.dcm"))
    assert [value for _, value in panel.measure_region.options] == [0, 1]
    assert (panel.column_1.min, panel.column_1.max) == (32, 335)
    panel.measure_region.value = 1
    assert (panel.column_1.min, panel.column_1.max) == (336, 639)
    assert panel.column_1.min <= panel.column_1.value <= panel.column_2.value <= panel.column_1.max
    panel.column_2.value = panel.column_1.value + 100
    panel.row_2.value = panel.row_1.value
    delta = abs(panel.echofile.regions[1].x.delta)  # type: ignore[union-attr]
    assert f"distance = {100 * delta:.3f} cm" in panel.result.value


# --- one file's state never outlives it ----------------------------------------------------------


def _cut_into_pixel_data(source: str, target: Path, keep: int = 200) -> str:
    """Copy ``source`` cut ``keep`` bytes into its (7FE0,0010) Pixel Data: the header reads, frame 0 does not."""
    data = Path(source).read_bytes()
    pixel_data_tag = data.rfind(b"\xe0\x7f\x10\x00")
    target.write_bytes(data[: pixel_data_tag + keep])
    return str(target)


def _assert_blank_picture(browser: Browser) -> None:
    """No axes, no frame views, and the published picture is one flat colour."""
    assert browser.view.figure.axes == [] and browser._views == []
    pixels = simplejpeg.decode_jpeg(browser.view.widget.value)
    assert int(np.ptp(pixels)) < 8


@pytest.mark.filterwarnings("ignore::echolab.PixelDataWarning")  # the cut file: its last fragment is truncated
@pytest.mark.parametrize("broken", ["not DICOM", "pixel data cut short"])
def test_browser_forgets_the_previous_file_when_the_next_cannot_be_shown(tmp_path: Path, broken: str) -> None:
    cine = package_file("color3d_jpeg_baseline.dcm")
    if broken == "not DICOM":
        bad = tmp_path / "report.dcm"
        bad.write_text("not dicom")
        path = str(bad)
    else:
        path = _cut_into_pixel_data(package_file("OBXXXX1A_rle.dcm"), tmp_path / "cut.dcm")
    browser = Browser(files=[cine, path])
    browser.frame.value = 30
    browser.play.playing = True
    assert "SonoSite" in browser.summary.value and browser.frame_label.value.startswith("frame 31 of 120")

    browser.file.value = path

    assert Path(path).name in browser.status.value and "color:#b00020" in browser.status.value
    shown = browser.summary.value + browser.regions_table.value + browser.frame_label.value + browser.axes_label.value
    assert "SonoSite" not in shown and "119" not in shown and "color3d_jpeg_baseline" not in shown
    assert browser.axes_label.value == ""
    assert (browser.frame.value, browser.frame.max, browser.play.value, browser.play.max) == (0, 0, 0, 0)
    assert browser.frame.disabled and browser.play.disabled and not browser.play.playing
    _assert_blank_picture(browser)
    if broken == "not DICOM":
        assert browser.echofile is None and browser.region.options == ()
        assert browser.summary.value == browser.regions_table.value == browser.frame_label.value == ""
    else:  # the cut file's own header, its frame count, and why its pixels cannot be shown
        assert browser.echofile is not None and "Philips" in browser.summary.value
        assert "cut.dcm" in browser.summary.value and "2D" in browser.regions_table.value
        assert "not one whole frame" in browser.status.value and "ends inside the pixel data" in browser.status.value
        assert browser.status.value.count("<div") == 1  # the header's check and the decoder say it once
        assert browser.frame_label.value == "1 frame (pixel data unreadable)"
        assert [label for label, _ in browser.region.options] == [
            "0: 2D (tissue) · pixel data unreadable",
            "1: ECG trace · pixel data unreadable",
        ]


def test_browser_shows_the_header_of_a_file_no_installed_decoder_reads() -> None:
    jpeg_xl = shared_file("dcm4che__will-jxl.dcm")
    browser = Browser(files=[package_file("color3d_jpeg_baseline.dcm"), jpeg_xl])
    browser.file.value = jpeg_xl
    assert browser.echofile is not None and browser.echofile.number_of_frames == 27
    assert "Vivid E95" in browser.summary.value and "SonoSite" not in browser.summary.value
    assert "colour flow" in browser.regions_table.value and "(149, 70, 867, 658)" in browser.regions_table.value
    assert "dcm4che__will-jxl.dcm" in browser.status.value and "no decoder exists" in browser.status.value
    # said once, as an error (it was said twice: orange by the header's check, red by the decoder)
    assert browser.status.value.count("no decoder exists") == 1 and "#a15c00" not in browser.status.value
    assert browser.frame_label.value == "27 frames (not decodable here)" and browser.axes_label.value == ""
    assert browser.frame.max == 0 and browser.frame.disabled
    assert browser.region.options == (("0: colour flow · not decodable here", 0),)
    _assert_blank_picture(browser)
    browser.region.value = 0  # choosing it draws nothing and says nothing new
    _assert_blank_picture(browser)
    assert browser.status.value.count("no decoder exists") == 1
    browser.file.value = browser.file.options[0][1]  # and back to a file that decodes
    assert browser.status.value == "" and browser.frame.max == 119 and not browser.frame.disabled
    assert browser.frame_label.value == "frame 1 of 120 · t = 0.000 s" and len(browser._views) == 2


def test_browser_loads_a_good_file_normally_after_a_bad_one(folder: Path) -> None:
    browser = Browser(folder)
    browser.frame.value = 30
    browser.play.playing = True
    browser.file.value = str(folder / "z_truncated.dcm")
    browser.file.value = str(folder / "sub" / "IMG0002")
    assert browser.status.value == "" and "z_truncated" not in browser.summary.value
    assert [value for _, value in browser.region.options] == [0, 1, 2]
    assert browser.frame_label.value == "frame 1 of 1"
    assert len(browser.view.figure.axes) == 2 and browser._views[1].axes.get_ylabel() == "depth [cm]"
    browser.file.value = str(folder / "z_truncated.dcm")
    browser.file.value = str(folder / "a_cine.dcm")
    assert (browser.frame.value, browser.frame.max, browser.play.max) == (0, 119, 119)
    assert not browser.play.playing  # a file opens stopped at its first frame
    assert not browser.frame.disabled and not browser.play.disabled
    renders = browser.view.renders
    browser.frame.value = 60
    assert browser.frame_label.value == "frame 61 of 120 · t = 2.000 s" and browser.view.renders == renders + 1
    assert browser.axes_label.value == "region 0: x lateral distance [cm] · y depth [cm]"


def test_browser_scrubs_only_the_frames_a_cut_cine_holds(tmp_path: Path) -> None:
    """A cine cut in half promises 120 frames in (0028,0008) but holds fewer whole ones: the slider
    stops at the last whole frame and the status names the problem."""
    cine = Path(package_file("color3d_jpeg_baseline.dcm")).read_bytes()
    cut = tmp_path / "half.dcm"
    cut.write_bytes(cine[: len(cine) // 2])
    browser = Browser(files=[str(cut)])
    assert browser.echofile is not None
    present = browser.echofile.pixels.number_of_frames
    assert 0 < present < 120 == browser.echofile.number_of_frames
    assert browser.frame.max == present - 1
    assert "the file ends inside the pixel data" in browser.status.value and "#a15c00" in browser.status.value
    browser.frame.value = browser.frame.max
    assert browser.frame_label.value.startswith(f"frame {present} of {present} · t = ")


def test_a_confined_browser_lists_its_folder_and_nothing_else(folder: Path, tmp_path: Path) -> None:
    """`echolab browse DIR`'s folder box scanned and showed any folder of the machine."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(sample("synthetic-mmode.dcm"), elsewhere / "secret.dcm")
    browser = Browser(folder, confine=True)
    listed = list(browser.file.options)
    assert browser.folder_text.layout.display == "none" and browser.scan_button.layout.display == "none"
    browser.folder_text.value = str(elsewhere)
    browser.scan_button.click()  # a page can still send the click: nothing listens
    browser.scan(elsewhere)
    assert list(browser.file.options) == listed and "secret" not in str(listed)
    assert "shows only its own folder" in browser.status.value
    browser.scan(folder)  # its own folder: fine
    assert list(browser.file.options) == listed


# --- a real folder: undecodable files, unusable regions, links that leave it (issues 25 and 27) -------------


def test_listing_selects_the_first_file_that_shows_a_picture(tmp_path: Path) -> None:
    """The browser opened the folder's first file, an undecodable one, and showed only its error."""
    cine = package_file("color3d_jpeg_baseline.dcm")
    write_undecodable_copy(cine, tmp_path / "a_jpeg_xl.dcm")
    shutil.copy(cine, tmp_path / "b_cine.dcm")
    browser = Browser(tmp_path)
    assert [label for label, _ in browser.file.options] == ["a_jpeg_xl.dcm", "b_cine.dcm"]
    assert browser.file.value == str(tmp_path / "b_cine.dcm") and browser.status.value == ""
    assert browser.frame_label.value == "frame 1 of 120 · t = 0.000 s" and len(browser._views) == 2

    browser.file.value = str(tmp_path / "a_jpeg_xl.dcm")
    assert browser.status.value.count("<div") == 1 and "no decoder exists" in browser.status.value
    assert "#b00020" in browser.status.value  # red, once
    assert browser.region.options == (("0: 2D (tissue) · not decodable here", 0),)
    assert browser.frame_label.value == "120 frames (not decodable here)"

    only_undecodable = Browser(files=[str(tmp_path / "a_jpeg_xl.dcm")])  # nothing better: the first, and why
    assert only_undecodable.file.value == str(tmp_path / "a_jpeg_xl.dcm")
    assert "no decoder exists" in only_undecodable.status.value


def test_an_unusable_region_is_listed_with_its_reason() -> None:
    """Regions that cannot be drawn were left out of the choice while the table listed them."""
    browser = Browser(files=[package_file("examples_palette.dcm")])
    assert [label for label, _ in browser.region.options] == [
        "0: 2D (tissue)",
        "1: ECG trace · unusable (see notes)",
    ]
    assert browser.region.value == 0 and "lies wholly outside" in browser.regions_table.value
    browser.region.value = 1
    assert browser.axes_label.value.startswith("region 1: unusable (the box columns 176..743")
    assert len(browser._views) == 1 and browser._views[0].extras["boxes"][1].get_linewidth() == 2.5
    shown = simplejpeg.decode_jpeg(browser.view.widget.value)
    assert int(np.ptp(shown)) > 100  # the whole image is drawn, the unusable box highlighted
    reason = browser.view.figure.axes[1].texts[0].get_text()
    assert reason.startswith("region 1 cannot be drawn:") and "800 x 350 image" in reason


def test_a_confined_browser_neither_lists_nor_opens_links_that_leave_its_folder(tmp_path: Path) -> None:
    """A symbolic link inside DIR to a file outside was listed and opened by `echolab browse DIR`."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = shutil.copy(sample("synthetic-mmode.dcm"), outside / "secret.dcm")
    folder = tmp_path / "shared"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(sample("synthetic-doppler.dcm"), folder / "a_doppler.dcm")
    (folder / "b_link.dcm").symlink_to(secret)
    (folder / "c_inside_link.dcm").symlink_to(folder / "a_doppler.dcm")  # stays inside: fine
    (folder / "sub" / "d_dir_link").symlink_to(outside, target_is_directory=True)

    confined = Browser(folder, confine=True)
    assert [label for label, _ in confined.file.options] == ["a_doppler.dcm", "c_inside_link.dcm"]
    confined.load(str(folder / "b_link.dcm"))
    assert confined.echofile is None and "outside the folder this browser shows" in confined.status.value
    assert "synthetic" not in confined.summary.value + confined.regions_table.value

    free = Browser(folder)  # a notebook's own browser follows links as the owner asks
    assert "b_link.dcm" in [label for label, _ in free.file.options]
