"""What the scanner was set to when it acquired a region: the Type 3 elements of a (0018,6011) item.

PS3.3 C.8.5.5 lets each item of (0018,6011) Sequence of Ultrasound Regions say how its data were
acquired: the transducer's centre frequency and type, the pulse repetition frequency, the Doppler
correction and steering angles, where the Doppler sample volume sat and where the M-mode (or CW
Doppler) line ran. :class:`Acquisition` holds them, with units in the field names; they are what
turns a Doppler strip's scale into physics (the Nyquist velocity, see
:func:`echolab.analysis.doppler.nyquist_velocity`).

Positions (sample volume, TM-line) are kept as written: pixels of displacement from a reference
pixel (PS3.3 C.8.5.5.1.9 and .10). The standard does not say whose reference pixel when the item is
a Doppler strip and the line is drawn on a 2D image beside it; on the Toshiba files checked, they
are displacements from the 2D region's reference pixel (the apex), and the TM-line runs along
(0018,6036) Steering Angle (see ``tests/reading/test_acquisition.py``).

The positions were first defined with VR UL, which cannot hold the negative displacements left of
or above the reference pixel; the standard retired those elements (0018,6038 ... 0018,6042) for
signed SL ones (0018,6039 ... 0018,6043). Scanners still write the retired ones, with negative
values stored as their 32-bit two's complement (-16 as 4294967280): echolab reads the SL element
when present, else the UL one reinterpreted as signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import RegionNote
from ..conventions import (
    DOPPLER_CORRECTION_ANGLE,
    DOPPLER_SAMPLE_VOLUME,
    PULSE_REPETITION_FREQUENCY,
    STEERING_ANGLE,
    TM_LINE,
    TRANSDUCER_FREQUENCY,
    TRANSDUCER_TYPE,
)
from ..errors import InvalidHeaderError
from .elements import get_float, get_int, get_str

if TYPE_CHECKING:  # pydicom is imported where a pydicom data set is read, not before
    from pydicom.dataset import Dataset

    from .raw_header import RawDataSet

__all__ = ["Acquisition", "parse_acquisition"]

#: Keywords of the signed position elements and of the retired unsigned ones they replace.
_SAMPLE_VOLUME = (
    ("DopplerSampleVolumeXPosition", "DopplerSampleVolumeXPositionRetired"),
    ("DopplerSampleVolumeYPosition", "DopplerSampleVolumeYPositionRetired"),
)
_TM_LINE = (
    ("TMLinePositionX0", "TMLinePositionX0Retired"),
    ("TMLinePositionY0", "TMLinePositionY0Retired"),
    ("TMLinePositionX1", "TMLinePositionX1Retired"),
    ("TMLinePositionY1", "TMLinePositionY1Retired"),
)
#: A 32-bit value at or above this, in a retired UL position, is a negative number's two's complement.
_SIGN_BIT = 2**31


@dataclass(frozen=True)
class Acquisition:
    """How a region was acquired: the Type 3 settings of its (0018,6011) item (None when absent).

    Attributes
    ----------
    transducer_frequency_khz
        (0018,6030) Transducer Frequency: the centre frequency of the interrogating ultrasound, kHz.
    transducer_type
        (0018,6031) Transducer Type, a defined term (``"SECTOR_PHASED"``, ``"CURVED LINEAR"``, ...).
    pulse_repetition_frequency_hz
        (0018,6032) Pulse Repetition Frequency, Hz.
    doppler_correction_angle_degrees
        (0018,6034) Doppler Correction Angle: the angle between the beam and the flow the scanner
        corrected velocities for, degrees.
    steering_angle_degrees
        (0018,6036) Steering Angle: the beam's steering from straight down, degrees.
    sample_volume_pixels
        (x, y) of (0018,6039/603B) Doppler Sample Volume X/Y Position: the sample volume's centre,
        pixels from the reference pixel (see the module docstring); None unless both are present.
    tm_line_pixels
        (x0, y0, x1, y1) of (0018,603D/603F/6041/6043) TM-Line Position: the M-mode (or CW
        Doppler) line's ends, pixels from the reference pixel; None unless all four are present.
    """

    transducer_frequency_khz: int | None = None
    transducer_type: str | None = None
    pulse_repetition_frequency_hz: int | None = None
    doppler_correction_angle_degrees: float | None = None
    steering_angle_degrees: float | None = None
    sample_volume_pixels: tuple[int, int] | None = None
    tm_line_pixels: tuple[int, int, int, int] | None = None

    @property
    def is_empty(self) -> bool:
        """True when the item carries none of these elements."""
        return all(getattr(self, item.name) is None for item in fields(self))

    def to_attrs(self) -> dict[str, Any]:
        """The settings present, as attrs under the keys of :mod:`echolab.conventions`
        (:meth:`from_attrs` reads them back)."""
        attrs: dict[str, Any] = {
            TRANSDUCER_FREQUENCY: self.transducer_frequency_khz,
            TRANSDUCER_TYPE: self.transducer_type,
            PULSE_REPETITION_FREQUENCY: self.pulse_repetition_frequency_hz,
            DOPPLER_CORRECTION_ANGLE: self.doppler_correction_angle_degrees,
            STEERING_ANGLE: self.steering_angle_degrees,
            DOPPLER_SAMPLE_VOLUME: None if self.sample_volume_pixels is None else list(self.sample_volume_pixels),
            TM_LINE: None if self.tm_line_pixels is None else list(self.tm_line_pixels),
        }
        return {key: value for key, value in attrs.items() if value is not None}

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any]) -> Acquisition:
        """The settings kept in a region DataArray's attrs by :meth:`to_attrs` (after slicing,
        pickling or a round trip through netCDF or Zarr)."""
        sample_volume = _integers(attrs.get(DOPPLER_SAMPLE_VOLUME), 2)
        tm_line = _integers(attrs.get(TM_LINE), 4)
        transducer_type = attrs.get(TRANSDUCER_TYPE)
        return cls(
            transducer_frequency_khz=_integer(attrs.get(TRANSDUCER_FREQUENCY)),
            transducer_type=None if transducer_type is None else str(transducer_type),
            pulse_repetition_frequency_hz=_integer(attrs.get(PULSE_REPETITION_FREQUENCY)),
            doppler_correction_angle_degrees=_number(attrs.get(DOPPLER_CORRECTION_ANGLE)),
            steering_angle_degrees=_number(attrs.get(STEERING_ANGLE)),
            sample_volume_pixels=None if sample_volume is None else (sample_volume[0], sample_volume[1]),
            tm_line_pixels=None if tm_line is None else (tm_line[0], tm_line[1], tm_line[2], tm_line[3]),
        )


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _integers(value: Any, count: int) -> tuple[int, ...] | None:
    if value is None:
        return None
    numbers = np.atleast_1d(np.asarray(value)).ravel()
    return tuple(int(v) for v in numbers) if numbers.size == count else None


def parse_acquisition(
    item: Dataset | RawDataSet, source: str | None, notes: list[tuple[RegionNote, str]]
) -> Acquisition:
    """Read the acquisition settings of one (0018,6011) item; never raises.

    An element whose value cannot be read (text in a number, several values) is left out with a
    note in ``notes`` (emitted as a :class:`~echolab.errors.CalibrationWarning` on use): these
    settings never make a region unusable.
    """

    def read(reader: Any, keyword: str) -> Any:
        try:
            return reader(item, keyword, source)
        except InvalidHeaderError as exc:
            notes.append((RegionNote.CALIBRATION, f"{exc.reason}; it is ignored"))
            return None

    def position(keywords: tuple[str, str]) -> int | None:
        signed, retired = keywords
        value = read(get_int, signed)
        if value is not None:
            return int(value)
        value = read(get_int, retired)
        if value is None:
            return None
        return int(value) - 2**32 if value >= _SIGN_BIT else int(value)

    x, y = (position(keywords) for keywords in _SAMPLE_VOLUME)
    x0, y0, x1, y1 = (position(keywords) for keywords in _TM_LINE)
    return Acquisition(
        transducer_frequency_khz=read(get_int, "TransducerFrequency"),
        transducer_type=read(get_str, "TransducerType"),
        pulse_repetition_frequency_hz=read(get_int, "PulseRepetitionFrequency"),
        doppler_correction_angle_degrees=read(get_float, "DopplerCorrectionAngle"),
        steering_angle_degrees=read(get_float, "SteeringAngle"),
        sample_volume_pixels=(x, y) if x is not None and y is not None else None,
        tm_line_pixels=(
            (x0, y0, x1, y1) if x0 is not None and y0 is not None and x1 is not None and y1 is not None else None
        ),
    )
