"""Sample files for notebooks, teaching and Binder.

The files ship with pydicom and the ``pydicom-data`` package (installed by the ``notebooks`` and
``test`` extras); nothing is downloaded at run time.
"""

from __future__ import annotations

from .errors import EcholabError

__all__ = ["SAMPLES", "sample"]

#: Real ultrasound files available through pydicom / pydicom-data, with what each shows.
SAMPLES: dict[str, str] = {
    "color3d_jpeg_baseline.dcm": "SonoSite cine, 120 frames of 640 x 480 JPEG Baseline YBR_FULL_422, one 2D region",
    "OBXXXX1A.dcm": "Philips CX50 obstetric frame, palette colour, a 2D region and an ECG trace region",
    "gdcm-US-ALOKA-16.dcm": "Aloka SSD-4000 dual 2D view: two regions side by side and a grey bar",
    "examples_ybr_color.dcm": "the SonoSite cine resized to 320 x 240 after acquisition: its region overhangs",
    "examples_palette.dcm": "the Philips frame cropped to 350 rows: one region clipped, the ECG region outside",
}


def sample(name: str) -> str:
    """Return the path of sample file ``name`` (one of :data:`SAMPLES`).

    Raises
    ------
    EcholabError
        When the file is not installed (``pip install pydicom-data``).
    """
    from pydicom.data import get_testdata_file

    if name not in SAMPLES:
        raise EcholabError(f"unknown sample {name!r}; valid: {', '.join(sorted(SAMPLES))}")
    path = get_testdata_file(name, download=False)
    if path is None:
        raise EcholabError(f"sample {name!r} is not installed; pip install pydicom-data")
    return str(path)
