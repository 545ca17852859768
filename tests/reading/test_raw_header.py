"""The header reader without pydicom: its tables agree with pydicom's, and it leaves to pydicom
every file it cannot read exactly as pydicom does (the rows are compared in test_inventory.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.datadict import dictionary_description, dictionary_VR, tag_for_keyword

from echolab.reading import decoders, syntaxes, tags
from echolab.reading.elements import element_name
from echolab.reading.header import read_header
from echolab.reading.pixel_format import palette_table, pixel_format
from echolab.reading.raw_header import RawHeader, read_raw_header
from echolab.samples import sample

from ..conftest import PACKAGE_FILES, SHARED, manifest, package_file
from ..hostile import region_item
from ..make import make_dataset, write_file


def test_the_table_of_elements_is_pydicom_s_dictionary() -> None:
    for keyword, entry in tags.ENTRIES.items():
        assert tag_for_keyword(keyword) == entry.tag, keyword
        assert dictionary_VR(entry.tag) == entry.vr, keyword
        assert dictionary_description(entry.tag) == entry.name, keyword
        assert element_name(keyword) == f"({entry.tag >> 16:04X},{entry.tag & 0xFFFF:04X}) {entry.name}"


def test_the_names_of_transfer_syntaxes_are_pydicom_s() -> None:
    """``syntaxes.NAMES`` mirrors pydicom 3.0's UID dictionary: every transfer syntax it names,
    and none else under the standard's root (where a UID without a name is shown bare)."""
    from pydicom._uid_dict import UID_dictionary

    if not pydicom.__version__.startswith("3.0."):
        pytest.skip(f"the names mirror pydicom 3.0, not {pydicom.__version__}")
    named = {uid: entry[0] for uid, entry in UID_dictionary.items() if entry[1] == "Transfer Syntax"}
    assert syntaxes.NAMES == named
    assert not [uid for uid in UID_dictionary if uid.startswith(syntaxes.UID_ROOT) and uid not in named]
    for uid in [*named, "1.2.840.10008.1.2.4.111", "1.2.840.10008.5.1.4.1.1.6.1"]:
        assert syntaxes.name(uid) == pydicom.uid.UID(uid).name


def _pydicom_verdict(uid: str) -> bool:
    from pydicom.pixels.decoders.base import get_decoder

    try:
        return bool(get_decoder(uid).is_available)
    except NotImplementedError:
        return False


def test_decoders_told_without_pydicom_are_pydicom_s() -> None:
    """Where check_decoder answers without importing pydicom, it answers as pydicom does, for
    every transfer syntax pydicom names (and one it does not)."""
    told = 0
    for uid in [*syntaxes.NAMES, "1.2.840.10008.1.2.4.111", "1.2.3.4"]:
        verdict = decoders._decoder_without_pydicom(uid)
        if verdict is not None:
            told += 1
            assert verdict == _pydicom_verdict(uid), uid
    assert told > len(syntaxes.NAMES) // 2


def test_a_palette_built_without_pydicom_is_pydicom_s() -> None:
    """Every palette image of the real files that is read without pydicom (those of the shared
    folder, plain palettes of 16-bit entries in RLE, JPEG-LS and implicit VR files)."""
    paths = [package_file(name) for name in PACKAGE_FILES] + [str(SHARED / row["filename"]) for row in manifest()]
    compared = 0
    for path in paths:
        raw = read_raw_header(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = read_header(path)
            if raw is None or not pixel_format(full).is_palette:
                continue
            np.testing.assert_array_equal(
                palette_table(raw, pixel_format(raw)), palette_table(full, pixel_format(full))
            )
        compared += 1
    assert compared >= 1


def test_the_values_read_are_pydicom_s() -> None:
    """Values of every element echolab reads, from a file with regions, timing and a heart rate."""
    path = sample("synthetic-doppler.dcm")
    raw = read_raw_header(path)
    assert isinstance(raw, RawHeader)
    full = read_header(path)
    assert (raw.transfer_syntax_uid, raw.is_little_endian, raw.pixel_element, raw.file_size) == (
        full.transfer_syntax_uid,
        full.is_little_endian,
        full.pixel_element,
        full.file_size,
    )
    regions = 0x00186011
    for tag, value in raw.dataset.values.items():
        if tag == regions:
            continue
        expected = full.dataset[tag].value
        if isinstance(expected, bytes):
            assert value == expected
        elif isinstance(value, list):
            assert [float(v) for v in value] == [float(v) for v in expected], hex(tag)
        elif isinstance(value, (int, float)):
            assert value == expected, hex(tag)
        else:
            assert value == str(expected).strip(), hex(tag)
    items = raw.dataset.values[regions]
    assert len(items) == len(full.dataset.SequenceOfUltrasoundRegions) == 3
    for item, expected in zip(items, full.dataset.SequenceOfUltrasoundRegions, strict=True):
        assert {tag: value for tag, value in item.values.items()} == {
            int(element.tag): element.value for element in expected if int(element.tag) in item.values
        }


def _file(tmp_path: Path, name: str, **kwargs: object) -> Path:
    return Path(write_file(tmp_path / name, rows=48, columns=64, **kwargs))  # type: ignore[arg-type]


def test_encodings_pydicom_reads_are_read(tmp_path: Path) -> None:
    for syntax in (syntaxes.IMPLICIT_VR_LITTLE_ENDIAN, syntaxes.EXPLICIT_VR_BIG_ENDIAN):
        path = tmp_path / f"{syntax}.dcm"
        ds = make_dataset(rows=48, columns=64, regions=[region_item()])
        ds.file_meta.TransferSyntaxUID = syntax
        implicit, little = syntax == syntaxes.IMPLICIT_VR_LITTLE_ENDIAN, syntax != syntaxes.EXPLICIT_VR_BIG_ENDIAN
        ds.save_as(path, implicit_vr=implicit, little_endian=little, enforce_file_format=True)
        raw = read_raw_header(path)
        assert raw is not None and raw.transfer_syntax_uid == syntax
        assert raw.pixel_element == read_header(path).pixel_element
        assert len(raw.dataset.values[0x00186011]) == 1


def _without_preamble(path: Path) -> None:
    path.write_bytes(path.read_bytes()[132:])


def _more_regions_than_read(path: Path) -> None:
    ds = pydicom.dcmread(path)
    ds.SequenceOfUltrasoundRegions = [region_item(RegionFlags=i) for i in range(65)]
    ds.save_as(path)


def _character_set(path: Path) -> None:
    ds = pydicom.dcmread(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not a defined term, as pydicom says
        ds.SpecificCharacterSet = "utf_16"  # a Python codec: pydicom decodes text with it
        ds.save_as(path)


def _duplicate_tag(path: Path) -> None:
    data = path.read_bytes()
    rows = data.index(b"\x28\x00\x10\x00US")  # (0028,0010) Rows written twice
    path.write_bytes(data[:rows] + data[rows : rows + 10] + data[rows:])


def _truncated_header(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:400])


@pytest.mark.parametrize(
    "change", [_without_preamble, _more_regions_than_read, _character_set, _duplicate_tag, _truncated_header]
)
def test_files_it_cannot_vouch_for_are_left_to_pydicom(tmp_path: Path, change: object) -> None:
    path = _file(tmp_path, "file.dcm", regions=[region_item()])
    assert read_raw_header(path) is not None
    change(path)  # type: ignore[operator]
    assert read_raw_header(path) is None


def test_a_path_that_cannot_be_read_is_left_to_pydicom(tmp_path: Path) -> None:
    assert read_raw_header(tmp_path / "missing.dcm") is None
    assert read_raw_header(tmp_path) is None
    (tmp_path / "empty.dcm").write_bytes(b"")
    assert read_raw_header(tmp_path / "empty.dcm") is None
