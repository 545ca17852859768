"""Transfer syntax UIDs, as plain strings, and the names pydicom gives them.

The reading path compares (0002,0010) Transfer Syntax UID with these constants; they are plain
strings so that reading a header needs no import of pydicom (see :mod:`.raw_header`). ``NAMES``
mirrors the names of pydicom 3.0's UID dictionary, which messages quote;
``tests/reading/test_tags.py`` checks it against the installed pydicom.
"""

from __future__ import annotations

__all__ = [
    "IMPLICIT_VR_LITTLE_ENDIAN",
    "EXPLICIT_VR_LITTLE_ENDIAN",
    "EXPLICIT_VR_BIG_ENDIAN",
    "DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN",
    "JPEG_BASELINE_8BIT",
    "JPEG_EXTENDED_12BIT",
    "JPEG_LOSSLESS",
    "JPEG_LOSSLESS_SV1",
    "JPEG_LS_LOSSLESS",
    "JPEG_LS_NEAR_LOSSLESS",
    "JPEG_2000_LOSSLESS",
    "JPEG_2000",
    "HTJ2K_LOSSLESS",
    "HTJ2K_LOSSLESS_RPCL",
    "HTJ2K",
    "RLE_LOSSLESS",
    "NATIVE",
    "NAMES",
    "UID_ROOT",
    "known_name",
    "name",
]

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
JPEG_BASELINE_8BIT = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED_12BIT = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEG_LS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEG_LS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"
JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JPEG_2000 = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K_LOSSLESS_RPCL = "1.2.840.10008.1.2.4.202"
HTJ2K = "1.2.840.10008.1.2.4.203"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"

#: The uncompressed syntaxes: frames lie at fixed offsets.
NATIVE = frozenset(
    {IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN}
)

#: Where the standard's transfer syntaxes lie: pydicom 3.0 names every UID under it that it knows.
UID_ROOT = "1.2.840.10008.1.2."

#: The name pydicom 3.0 gives each transfer syntax it knows (a UID it does not know has none).
NAMES: dict[str, str] = {
    "1.2.840.10008.1.2": "Implicit VR Little Endian",
    "1.2.840.10008.1.2.1": "Explicit VR Little Endian",
    "1.2.840.10008.1.2.1.98": "Encapsulated Uncompressed Explicit VR Little Endian",
    "1.2.840.10008.1.2.1.99": "Deflated Explicit VR Little Endian",
    "1.2.840.10008.1.2.2": "Explicit VR Big Endian",
    "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
    "1.2.840.10008.1.2.4.51": "JPEG Extended (Process 2 and 4)",
    "1.2.840.10008.1.2.4.52": "JPEG Extended (Process 3 and 5)",
    "1.2.840.10008.1.2.4.53": "JPEG Spectral Selection, Non-Hierarchical (Process 6 and 8)",
    "1.2.840.10008.1.2.4.54": "JPEG Spectral Selection, Non-Hierarchical (Process 7 and 9)",
    "1.2.840.10008.1.2.4.55": "JPEG Full Progression, Non-Hierarchical (Process 10 and 12)",
    "1.2.840.10008.1.2.4.56": "JPEG Full Progression, Non-Hierarchical (Process 11 and 13)",
    "1.2.840.10008.1.2.4.57": "JPEG Lossless, Non-Hierarchical (Process 14)",
    "1.2.840.10008.1.2.4.58": "JPEG Lossless, Non-Hierarchical (Process 15)",
    "1.2.840.10008.1.2.4.59": "JPEG Extended, Hierarchical (Process 16 and 18)",
    "1.2.840.10008.1.2.4.60": "JPEG Extended, Hierarchical (Process 17 and 19)",
    "1.2.840.10008.1.2.4.61": "JPEG Spectral Selection, Hierarchical (Process 20 and 22)",
    "1.2.840.10008.1.2.4.62": "JPEG Spectral Selection, Hierarchical (Process 21 and 23)",
    "1.2.840.10008.1.2.4.63": "JPEG Full Progression, Hierarchical (Process 24 and 26)",
    "1.2.840.10008.1.2.4.64": "JPEG Full Progression, Hierarchical (Process 25 and 27)",
    "1.2.840.10008.1.2.4.65": "JPEG Lossless, Hierarchical (Process 28)",
    "1.2.840.10008.1.2.4.66": "JPEG Lossless, Hierarchical (Process 29)",
    "1.2.840.10008.1.2.4.70": (
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])"
    ),
    "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless Image Compression",
    "1.2.840.10008.1.2.4.81": "JPEG-LS Lossy (Near-Lossless) Image Compression",
    "1.2.840.10008.1.2.4.90": "JPEG 2000 Image Compression (Lossless Only)",
    "1.2.840.10008.1.2.4.91": "JPEG 2000 Image Compression",
    "1.2.840.10008.1.2.4.92": "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
    "1.2.840.10008.1.2.4.93": "JPEG 2000 Part 2 Multi-component Image Compression",
    "1.2.840.10008.1.2.4.94": "JPIP Referenced",
    "1.2.840.10008.1.2.4.95": "JPIP Referenced Deflate",
    "1.2.840.10008.1.2.4.100": "MPEG2 Main Profile / Main Level",
    "1.2.840.10008.1.2.4.100.1": "Fragmentable MPEG2 Main Profile / Main Level",
    "1.2.840.10008.1.2.4.101": "MPEG2 Main Profile / High Level",
    "1.2.840.10008.1.2.4.101.1": "Fragmentable MPEG2 Main Profile / High Level",
    "1.2.840.10008.1.2.4.102": "MPEG-4 AVC/H.264 High Profile / Level 4.1",
    "1.2.840.10008.1.2.4.102.1": "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1",
    "1.2.840.10008.1.2.4.103": "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
    "1.2.840.10008.1.2.4.103.1": "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
    "1.2.840.10008.1.2.4.104": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
    "1.2.840.10008.1.2.4.104.1": "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
    "1.2.840.10008.1.2.4.105": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
    "1.2.840.10008.1.2.4.105.1": "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
    "1.2.840.10008.1.2.4.106": "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
    "1.2.840.10008.1.2.4.106.1": "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
    "1.2.840.10008.1.2.4.107": "HEVC/H.265 Main Profile / Level 5.1",
    "1.2.840.10008.1.2.4.108": "HEVC/H.265 Main 10 Profile / Level 5.1",
    "1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
    "1.2.840.10008.1.2.4.202": "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
    "1.2.840.10008.1.2.4.203": "High-Throughput JPEG 2000 Image Compression",
    "1.2.840.10008.1.2.4.204": "JPIP HTJ2K Referenced",
    "1.2.840.10008.1.2.4.205": "JPIP HTJ2K Referenced Deflate",
    "1.2.840.10008.1.2.5": "RLE Lossless",
    "1.2.840.10008.1.2.6.1": "RFC 2557 MIME encapsulation",
    "1.2.840.10008.1.2.6.2": "XML Encoding",
    "1.2.840.10008.1.2.7.1": "SMPTE ST 2110-20 Uncompressed Progressive Active Video",
    "1.2.840.10008.1.2.7.2": "SMPTE ST 2110-20 Uncompressed Interlaced Active Video",
    "1.2.840.10008.1.2.7.3": "SMPTE ST 2110-30 PCM Digital Audio",
    "1.2.840.10008.1.20": "Papyrus 3 Implicit VR Little Endian",
}


def known_name(uid: str) -> str | None:
    """pydicom 3.0's name for transfer syntax ``uid`` (the UID itself when it has none), told
    without pydicom; None for a UID outside the standard's transfer syntaxes (only pydicom's
    dictionary of every UID can name it)."""
    if uid in NAMES:
        return NAMES[uid]
    return uid if uid.startswith(UID_ROOT) else None


def name(uid: str) -> str:
    """The name of ``uid`` as messages quote it (pydicom's, the UID itself when it has none)."""
    known = known_name(uid)
    if known is not None:
        return known
    from pydicom.uid import UID

    return str(UID(uid).name)
