"""Files the browser tests need that no sample is: a real cine relabelled to a syntax nothing here decodes."""

from __future__ import annotations

import struct
from pathlib import Path

import pydicom
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_file_meta_info

#: (0002,0010) Transfer Syntax UID of JPEG XL, which no installed decoder reads (as in dcm4che's will-jxl.dcm).
JPEG_XL = "1.2.840.10008.1.2.4.111"


def write_undecodable_copy(source: str | Path, target: Path) -> str:
    """Copy ``source`` with its (0002,0010) Transfer Syntax UID changed to JPEG XL and nothing else:
    its header and regions read, no frame decodes. pydicom refuses to write a syntax it does not
    know, so the file meta group is written on its own and the data set copied byte for byte."""
    data = Path(source).read_bytes()
    assert data[128:136] == b"DICM\x02\x00\x00\x00", "a Part 10 file starting with (0002,0000) Group Length"
    body = data[144 + struct.unpack("<I", data[140:144])[0] :]
    meta = pydicom.dcmread(source, stop_before_pixels=True).file_meta
    meta.TransferSyntaxUID = JPEG_XL
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    write_file_meta_info(buffer, meta, enforce_standard=True)
    target.write_bytes(data[:132] + buffer.getvalue() + body)
    return str(target)
