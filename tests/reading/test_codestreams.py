"""Compressed frames: the text segments a copy must not carry are dropped, the pixels stay the same."""

from __future__ import annotations

import struct

import numpy as np
import pydicom.uid as uids
import pytest

import echolab
from echolab.reading.codestreams import without_text_segments
from echolab.reading.decoders import decode_encapsulated

from ..conftest import SHARED, package_file


def _frame(path: str, index: int = 0) -> tuple[bytes, echolab.EchoFile]:
    f = echolab.open(path)
    with f.pixels.open_reader() as reader:
        return f.pixels.encoded_frame(reader, index), f


def _decoded(data: bytes, f: echolab.EchoFile) -> np.ndarray:
    out = np.empty(f.pixels.frame_shape, f.pixels.fmt.dtype)
    decode_encapsulated(data, f.transfer_syntax_uid, f.pixels.fmt, out, None, None)
    return out


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


@pytest.mark.parametrize(
    ("name", "comment"),
    [
        ("emri_small_jpeg_2k_lossless.dcm", b"Created by GDCM/OpenJPEG"),  # JPEG 2000 COM marker segment
        ("US1_J2KR.dcm", b"Kakadu"),
        ("color3d_jpeg_baseline.dcm", None),
    ],
)
def test_comments_are_dropped_and_the_pixels_kept(name: str, comment: bytes | None) -> None:
    data, f = _frame(package_file(name))
    if comment is not None:
        assert comment in data
    clean = without_text_segments(data, f.transfer_syntax_uid)
    assert clean is not None and (comment is None or comment not in clean)
    np.testing.assert_array_equal(_decoded(clean, f), _decoded(data, f))


def test_a_name_in_jpeg_comment_and_application_segments_is_dropped() -> None:
    data, f = _frame(package_file("color3d_jpeg_baseline.dcm"))
    named = data[:2] + _segment(0xFE, b"Doe^John 1958") + _segment(0xE1, b"Exif\x00\x00Doe^John") + data[2:]
    clean = without_text_segments(named, uids.JPEGBaseline8Bit)
    assert clean is not None and b"Doe^John" not in clean
    assert clean == data[: data.rindex(b"\xff\xd9") + 2]  # exactly the segments added (and the pad byte) gone
    np.testing.assert_array_equal(_decoded(clean, f), _decoded(data, f))


def test_the_segments_decoders_read_are_kept() -> None:
    if not (SHARED / "orthanc__Issue164.dcm").is_file():
        pytest.skip(f"orthanc__Issue164.dcm not found in {SHARED}")
    data, f = _frame(str(SHARED / "orthanc__Issue164.dcm"))  # JFIF APP0 and a LEAD Technologies COM
    clean = without_text_segments(data, f.transfer_syntax_uid)
    assert clean is not None and b"LEAD Technologies" not in clean and clean[2:6] == b"\xff\xe0\x00\x10"
    np.testing.assert_array_equal(_decoded(clean, f), _decoded(data, f))


def test_what_cannot_be_promised_clean_is_refused() -> None:
    data, _ = _frame(package_file("color3d_jpeg_baseline.dcm"))
    thumbnail = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x02\x02" + bytes(12))  # 2 x 2 RGB thumbnail
    assert without_text_segments(data[:2] + thumbnail + data[2:], uids.JPEGBaseline8Bit) is None
    after_scan = data[:-2] + _segment(0xFE, b"Doe^John") + data[-2:]  # a comment past the first scan
    assert without_text_segments(after_scan, uids.JPEGBaseline8Bit) is None
    assert without_text_segments(b"\x00\x00\x00\x0cjP  \r\n\x87\n", uids.JPEG2000Lossless) is None  # a JP2 file
    assert without_text_segments(data, "1.2.840.10008.1.2.4.110") is None  # JPEG XL: not known here


def test_text_hidden_around_the_segments_decoders_read_is_refused() -> None:
    data, _ = _frame(package_file("color3d_jpeg_baseline.dcm"))
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    assert without_text_segments(data[:2] + _segment(0xE0, jfif) + data[2:], uids.JPEGBaseline8Bit) is not None
    longer = _segment(0xE0, jfif + b"Doe^John")  # fields, then text
    assert without_text_segments(data[:2] + longer + data[2:], uids.JPEGBaseline8Bit) is None
    reserved = _segment(0xF0, b"Doe^John")  # a marker no decoder needs
    assert without_text_segments(data[:2] + reserved + data[2:], uids.JPEGBaseline8Bit) is None
    end = data.rindex(b"\xff\xd9") + 2
    assert without_text_segments(data[:end] + b"Doe^John", uids.JPEGBaseline8Bit) is None  # after EOI
    assert without_text_segments(data[:end] + b"\x00", uids.JPEGBaseline8Bit) is not None  # a pad byte is fine


def test_text_after_a_jpeg_2000_codestream_or_in_rle_is_refused() -> None:
    data, f = _frame(package_file("emri_small_jpeg_2k_lossless.dcm"))
    assert without_text_segments(data, f.transfer_syntax_uid) is not None
    end = data.rindex(b"\xff\xd9") + 2
    assert without_text_segments(data[:end] + b"Doe^John", f.transfer_syntax_uid) is None
    rle, g = _frame(package_file("SC_rgb_rle_2frame.dcm"))
    assert without_text_segments(rle, g.transfer_syntax_uid) is None  # unused offsets and segment tails: stored decoded
