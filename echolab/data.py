"""Sample files for notebooks, teaching and Binder.

Real files ship with pydicom and the ``pydicom-data`` package (installed by the ``notebooks`` and
``test`` extras); nothing is downloaded at run time. The ``synthetic-*`` samples are written by
:mod:`echolab.synthetic` on first use into a cache folder (``$ECHOLAB_DATA_DIR``, else
``$XDG_CACHE_HOME/echolab`` or ``~/.cache/echolab``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import EcholabError

__all__ = ["SAMPLES", "sample", "sample_paths", "cache_dir"]

#: Bump when :mod:`echolab.synthetic` draws differently, so stale cached samples are not reused.
_SYNTHETIC_VERSION = 1

#: Real ultrasound files available through pydicom / pydicom-data, with what each shows.
SAMPLES: dict[str, str] = {
    "color3d_jpeg_baseline.dcm": "SonoSite cine, 120 frames of 640 x 480 JPEG Baseline YBR_FULL_422, one 2D region",
    "OBXXXX1A.dcm": "Philips CX50 obstetric frame, palette colour, a 2D region and an ECG trace region",
    "gdcm-US-ALOKA-16.dcm": "Aloka SSD-4000 dual 2D view: two regions side by side and a grey bar",
    "examples_ybr_color.dcm": "the SonoSite cine resized to 320 x 240 after acquisition: its region overhangs",
    "examples_palette.dcm": "the Philips frame cropped to 350 rows: one region clipped, the ECG region outside",
    "synthetic-doppler.dcm": "generated 2D + PW spectral Doppler + ECG screen laid out like a Toshiba Xario file",
    "synthetic-mmode.dcm": "generated 2D + M-mode screen laid out like a GE Vivid E95 file",
}


def cache_dir() -> Path:
    """The folder generated samples are written to."""
    configured = os.environ.get("ECHOLAB_DATA_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "echolab" / f"samples-v{_SYNTHETIC_VERSION}"


def _generators() -> dict[str, Callable[[Path], object]]:
    from . import synthetic

    return {
        "synthetic-doppler.dcm": synthetic.write_doppler_sample,
        "synthetic-mmode.dcm": synthetic.write_mmode_sample,
    }


def sample(name: str) -> str:
    """Return the path of sample file ``name`` (one of :data:`SAMPLES`), generating it if needed.

    Raises
    ------
    EcholabError
        When the name is unknown, or a real sample is not installed (``pip install pydicom-data``).
    """
    from pydicom.data import get_testdata_file

    if name not in SAMPLES:
        raise EcholabError(f"unknown sample {name!r}; valid: {', '.join(sorted(SAMPLES))}")
    generators = _generators()
    if name in generators:
        generated = cache_dir() / name
        if not generated.exists():
            generators[name](generated)
        return str(generated)
    path = get_testdata_file(name, download=False)
    if path is None:
        raise EcholabError(f"sample {name!r} is not installed; pip install pydicom-data")
    return str(path)


def sample_paths() -> dict[str, str]:
    """Paths of every sample available here (generated ones always; real ones when installed)."""
    paths = {}
    for name in SAMPLES:
        try:
            paths[name] = sample(name)
        except EcholabError:
            continue
    return paths
