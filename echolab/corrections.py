"""Vendor quirks: where a header contradicts its own screen, make the axes follow the screen.

echolab reads (0018,6011) to the letter; a few scanners write letters their pictures contradict.
Each quirk here is a named rule (:class:`~echolab.codes.Rule`) with the evidence that triggers it,
detected from the header alone (:func:`detect`) and corrected by :func:`correct` when a file is
opened with ``calibration="screen"`` (the default of :func:`echolab.open`). A corrected
:class:`~echolab.Region` keeps the header's version in ``original``; its DataArray keeps the
header's values in attrs prefixed ``header_`` and lists the rules in ``calibration_corrections``;
using it warns a :class:`~echolab.CalibrationWarning` naming the rule. ``calibration="header"``
gives the letter of the header.

Rules
-----
``doppler-sign``
    Toshiba / Canon spectral Doppler written with a positive (0018,602E) Physical Delta Y: by the
    standard positive velocities would be drawn *below* the baseline, but these scanners draw the
    scale +10, +20 cm/s *above* it (``godicom__I_000038/39``: the E wave towards the probe above
    the baseline). The velocity axis is mirrored about the baseline so it reads as the screen's
    scale does. Other viewers made the same correction ("the sign consistent with the graduated
    scale").
``depth-origin``
    A 2D region whose (0018,6022) Reference Pixel Y0 puts depth 0 outside the region, far below
    the probe face (GE Voluson: Y0 = 742 with the region starting at row 74 puts depth 0 at row
    816 of a 743-row image, depths -19.2 … -1.9 cm, while the banner says 16.1 cm). Depth 0 is
    moved to the probe face found in the pixels (:func:`echolab.geometry.estimate_sector`); the
    spacing is the header's. Needs a few decoded frames, once, when the regions are first read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import xarray as xr

from .codes import PhysicalUnits, RegionKind, Rule
from .errors import EcholabError
from .reading.regions import Axis, Region

__all__ = ["Quirk", "detect", "correct", "DOPPLER_SIGN_MANUFACTURERS"]

#: Manufacturers whose spectral Doppler draws positive velocities above the baseline while
#: writing a positive Physical Delta Y (matched case-insensitively at the start of (0008,0070)).
DOPPLER_SIGN_MANUFACTURERS = ("toshiba", "canon")
#: A 2D depth origin more than this (cm) below the region's last row is not a probe face.
_DEPTH_ORIGIN_SLACK_CM = 1.0
#: ... nor one more than this (cm) above its first row: no probe sits 40 cm above its picture
#: (curved arrays legitimately put depth 0 a little above the image, at the probe face's arc).
_DEPTH_ORIGIN_ABOVE_CM = 40.0


@dataclass(frozen=True)
class Quirk:
    """A rule the header of one region triggers.

    Attributes
    ----------
    rule
        Which quirk.
    region
        The item index in (0018,6011).
    evidence
        What in the header shows it, naming the elements and their values.
    """

    rule: Rule
    region: int
    evidence: str


def detect(manufacturer: str | None, regions: tuple[Region, ...]) -> list[Quirk]:
    """The quirks the header shows, region by region (no pixel is read)."""
    found: list[Quirk] = []
    maker = (manufacturer or "").strip().lower()
    for region in regions:
        if not region.usable or region.x is None or region.y is None:
            continue
        y = region.y
        if (
            region.kind is RegionKind.SPECTRAL_DOPPLER
            and y.calibrated
            and y.delta is not None
            and y.delta > 0
            and maker.startswith(DOPPLER_SIGN_MANUFACTURERS)
        ):
            found.append(
                Quirk(
                    Rule.DOPPLER_SIGN,
                    region.index,
                    f"(0008,0070) Manufacturer = {manufacturer!r} writes (0018,602E) Physical Delta Y = "
                    f"{y.delta:+g} {y.unit} per row (positive velocities below the baseline by the standard) "
                    "but draws its velocity scale positive above the baseline",
                )
            )
        if region.kind.is_two_d and y.units is PhysicalUnits.CM and y.delta is not None and y.delta > 0:
            assert region.clipped_box is not None
            top, bottom = region.clipped_box[1], region.clipped_box[3]
            origin = y.reference_index - y.reference_value / y.delta  # the row of depth 0
            if origin > bottom + _DEPTH_ORIGIN_SLACK_CM / y.delta or origin < top - _DEPTH_ORIGIN_ABOVE_CM / y.delta:
                found.append(
                    Quirk(
                        Rule.DEPTH_ORIGIN,
                        region.index,
                        f"(0018,6022) Reference Pixel Y0 = {y.reference_pixel} with (0018,601A) Region Location "
                        f"Min Y0 = {y.region_min} and (0018,602A) Reference Pixel Physical Value Y = "
                        f"{y.reference_value:g} put depth 0 at image row {origin:.0f}, outside the region "
                        f"(rows {top}..{bottom}): depths would run {float(y.values(top)):.2f} .. "
                        f"{float(y.values(bottom)):.2f} cm",
                    )
                )
    return found


def correct(
    regions: tuple[Region, ...], quirks: list[Quirk], header_region_array: Callable[[int], xr.DataArray]
) -> tuple[tuple[Region, ...], list[tuple[Quirk, str]]]:
    """Apply ``quirks`` to ``regions``.

    Parameters
    ----------
    regions
        The regions as the header describes them.
    quirks
        What :func:`detect` found.
    header_region_array
        Builds the (uncorrected) DataArray of a region, for the rules that need its pixels.

    Returns
    -------
    regions, failures
        The regions with the quirks corrected, and each quirk that could not be corrected with
        why (its region then stays as the header says).
    """
    corrected = list(regions)
    failures: list[tuple[Quirk, str]] = []
    for quirk in quirks:
        region = corrected[quirk.region]
        original = region.original or region
        assert region.y is not None
        try:
            if quirk.rule is Rule.DOPPLER_SIGN:
                y = _mirrored(region.y)
                done = f"the velocity axis is mirrored about the baseline: {y.delta:+g} {y.unit} per row"
            else:
                y, done = _depth_from_probe_face(region, header_region_array(quirk.region))
        except EcholabError as exc:
            failures.append((quirk, exc.reason))
            continue
        message = f"{quirk.rule.value}: {quirk.evidence}; {done} (calibration='header' keeps the header's)"
        corrected[quirk.region] = replace(
            region, y=y, original=original, corrections=(*region.corrections, (quirk.rule, message))
        )
    return tuple(corrected), failures


def _mirrored(axis: Axis) -> Axis:
    """The same axis read with the opposite sign: value(p) becomes -value(p), the baseline stays."""
    assert axis.delta is not None
    return replace(axis, delta=-axis.delta, reference_value=-axis.reference_value)


def _depth_from_probe_face(region: Region, array: xr.DataArray) -> tuple[Axis, str]:
    from .geometry import estimate_sector

    sector = estimate_sector(array)
    y = region.y
    assert y is not None and y.delta is not None
    face = sector.probe_face_row
    # depth(p) = reference_value + (p - reference_index) * delta, with depth(face) = 0
    moved = replace(y, reference_value=(y.reference_index - face) * y.delta)
    return moved, f"depth 0 is at the probe face found in the pixels, image row {face:.1f}"
