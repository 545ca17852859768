"""Sample files for notebooks, teaching and Binder.

Real files ship with pydicom and the ``pydicom-data`` package (installed by the ``notebooks`` and
``test`` extras); nothing is downloaded at run time. The ``synthetic-*`` samples are written by
:mod:`echolab.samples.synthetic` on first use into a cache folder (``$ECHOLAB_DATA_DIR``, else
``$XDG_CACHE_HOME/echolab`` or ``~/.cache/echolab``), under a sub-folder named by a hash of what
generates them — the generator's source code, its parameters and the versions of the libraries
that draw and write the file — so a changed generator can never be answered by a stale file.
:func:`sample_truth` returns what a generated sample holds (its known answers).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import EcholabError

__all__ = ["SAMPLES", "sample", "sample_paths", "sample_truth", "cache_dir", "generated_sample_key"]

#: Real ultrasound files available through pydicom / pydicom-data, and generated ones, with what each shows.
SAMPLES: dict[str, str] = {
    "color3d_jpeg_baseline.dcm": "SonoSite cine, 120 frames of 640 x 480 JPEG Baseline YBR_FULL_422, one 2D region",
    "OBXXXX1A.dcm": "Philips CX50 obstetric frame, palette colour, a 2D region and an ECG trace region",
    "gdcm-US-ALOKA-16.dcm": "Aloka SSD-4000 dual 2D view: two regions side by side and a grey bar",
    "examples_ybr_color.dcm": "the SonoSite cine resized to 320 x 240 after acquisition: its region overhangs",
    "examples_palette.dcm": "the Philips frame cropped to 350 rows: one region clipped, the ECG region outside",
    "synthetic-doppler.dcm": "generated 2D + PW spectral Doppler + ECG screen laid out like a Toshiba Xario file",
    "synthetic-mmode.dcm": "generated 2D + M-mode screen laid out like a GE Vivid E95 file",
    "synthetic-timing.dcm": "generated 2D cine whose Frame Time Vector, Frame Time and Cine Rate disagree",
}

#: Libraries whose behaviour shapes a generated file (drawing, random numbers, writing).
_DRAWING_LIBRARIES = ("numpy", "pillow", "pydicom")


@dataclass(frozen=True)
class _Generated:
    """How one generated sample is made: a writer of :mod:`echolab.samples.synthetic` and its arguments."""

    writer: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def function(self) -> Callable[..., Any]:
        from . import synthetic

        writer: Callable[..., Any] = getattr(synthetic, self.writer)
        return writer


_GENERATED: dict[str, _Generated] = {
    "synthetic-doppler.dcm": _Generated("write_doppler_sample"),
    "synthetic-mmode.dcm": _Generated("write_mmode_sample"),
    "synthetic-timing.dcm": _Generated("write_timing_sample"),
}


def cache_dir() -> Path:
    """The folder generated samples are written under (``$ECHOLAB_DATA_DIR`` when set)."""
    configured = os.environ.get("ECHOLAB_DATA_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "echolab"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def generated_sample_key(name: str) -> str:
    """A hash of everything that decides the bytes of generated sample ``name``.

    It covers the source code of every module of :mod:`echolab.samples.synthetic` and of the
    enumerations they write (:mod:`echolab.codes`), the writer's name and parameters, and the
    versions of numpy, Pillow and pydicom; any change to them gives a new key, hence a fresh file.
    """
    from .. import codes
    from . import synthetic

    recipe = _GENERATED[name]
    digest = hashlib.sha256()
    generators = [
        importlib.import_module(f"{synthetic.__name__}.{m.name}") for m in pkgutil.iter_modules(synthetic.__path__)
    ]
    for module in [synthetic, *sorted(generators, key=lambda m: m.__name__), codes]:
        digest.update(inspect.getsource(module).encode())
    digest.update(repr((name, recipe.writer, sorted(recipe.parameters.items()))).encode())
    digest.update(repr([(lib, _version(lib)) for lib in _DRAWING_LIBRARIES]).encode())
    return digest.hexdigest()[:16]


def _check_name(name: str) -> None:
    if name not in SAMPLES:
        raise EcholabError(f"unknown sample {name!r}; valid: {', '.join(sorted(SAMPLES))}")


def sample(name: str) -> str:
    """Return the path of sample file ``name`` (one of :data:`SAMPLES`), generating it if needed.

    Raises
    ------
    EcholabError
        When the name is unknown, or a real sample is not installed (``pip install pydicom-data``).
    """
    from pydicom.data import get_testdata_file

    _check_name(name)
    if name in _GENERATED:
        generated = cache_dir() / "samples" / generated_sample_key(name) / name
        if not generated.exists():  # the writer replaces the file atomically: never seen half-written
            recipe = _GENERATED[name]
            recipe.function()(generated, **recipe.parameters)
        return str(generated)
    path = get_testdata_file(name, download=False)
    if path is None:
        raise EcholabError(f"sample {name!r} is not installed; pip install pydicom-data")
    return str(path)


def sample_truth(name: str) -> Any:
    """What generated sample ``name`` holds: the :mod:`echolab.samples.synthetic` truth its writer returns
    (:class:`~echolab.samples.synthetic.DopplerTruth`, :class:`~echolab.samples.synthetic.MModeTruth`,
    :class:`~echolab.samples.synthetic.TimingTruth`).

    The generator is deterministic, so the answer is computed again (into a scratch file) rather
    than stored beside the sample.

    Raises
    ------
    EcholabError
        When ``name`` is not a generated sample.
    """
    import tempfile

    _check_name(name)
    if name not in _GENERATED:
        raise EcholabError(
            f"sample {name!r} is a real scanner file: it has no known answers; generated: "
            + ", ".join(sorted(_GENERATED))
        )
    recipe = _GENERATED[name]
    with tempfile.TemporaryDirectory(prefix="echolab-truth-") as scratch:
        return recipe.function()(Path(scratch) / name, **recipe.parameters)


def sample_paths() -> dict[str, str]:
    """Paths of every sample available here (generated ones always; real ones when installed)."""
    paths = {}
    for name in SAMPLES:
        try:
            paths[name] = sample(name)
        except EcholabError:
            continue
    return paths
