"""Echo Structured Reports (TID 5200) with known answers, measured on echolab's generated images.

:func:`write_report_study` writes one exam into a folder: the three generated screens of
:mod:`.screens` (a GE-like 2D + M-mode screen, a Toshiba-like 2D + PW Doppler screen and
a 2D cine of a beating left ventricle) and an "Adult Echocardiography Procedure Report" of the
same study, written with pydicom the way scanners write them. The sonographer's calipers are
real: wall thicknesses and cavity dimensions are measured on the M-mode strip at the R wave and
at end-systole, E and A waves are POINTs on the PW Doppler envelope, the deceleration time is a
line from the E peak down to the baseline, and the 2D cavity dimensions are lines across the
cavity of the cine's end-diastolic and end-systolic frames — each SCOORD placed on the structure
as it was drawn, so that re-measuring it with the image's region calibration gives the report's
value (and the generator's truth).

Reports are written in several vendor styles (:data:`STYLES`): current SNOMED CT codes or legacy
SNOMED-RT ones; each value listed several times with the chosen one marked by a Selection Status;
Finding Site and Image Mode set on the sections and measurement groups and overridden on a NUM;
private codes; no Template Identifier; lengths in cm or mm and velocities in cm/s or m/s; a NUM
whose value is replaced by a Numeric Value Qualifier; calipers' images referenced by value or by
reference to an image library; Comprehensive, Enhanced and Comprehensive 3D SR SOP classes. The
:class:`ReportTruth` returned lists every measurement as a reader should find it.

Deterministic: a ``style`` and ``seed`` write the same files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pydicom.uid as uids
from pydicom.dataset import Dataset, FileMetaDataset

from . import report_codes as codes
from .report_calipers import Caliper, RegionGeometry, Screens, cine_calipers, doppler_calipers, mmode_calipers
from .report_codes import Concept, sct_to_srt
from .report_tree import Node, content_dataset, ds_text, positions
from .screens import (
    DopplerTruth,
    MModeTruth,
    TimingTruth,
    _save,
    write_doppler_sample,
    write_mmode_sample,
    write_timing_sample,
)

__all__ = [
    "ReportStyle",
    "STYLES",
    "ExpectedMeasurement",
    "ReportTruth",
    "write_report_study",
    "COMPREHENSIVE_SR",
    "ENHANCED_SR",
    "COMPREHENSIVE_3D_SR",
]

COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"
COMPREHENSIVE_3D_SR = "1.2.840.10008.5.1.4.1.1.88.34"


@dataclass(frozen=True)
class ReportStyle:
    """How a (fictional) vendor writes its echo reports.

    Attributes
    ----------
    name
        The style's name in :data:`STYLES`.
    sop_class_uid
        The SR Storage SOP Class.
    legacy_codes
        SNOMED concepts written with their legacy SNOMED-RT codes (scheme SRT) instead of SNOMED CT.
    length_unit, velocity_unit
        UCUM units of distances ("cm" or "mm") and velocities ("cm/s" or "m/s").
    selection
        None: each measurement once. Otherwise the Selection Status code value (CID 224) of the
        chosen value written after the individual ones: "121412" mean value chosen, "121411"
        most recent value chosen.
    template_identifier
        (0040,A504) Content Template Sequence on the root (TID 5200, DCMR).
    private_codes
        Vendor measurements coded in a private scheme (99ECHOLAB).
    override_mode
        An M-mode measurement (codes.TAPSE) in a 2D measurement group, its own Image Mode overriding it.
    empty_num
        codes.RVSP written without a value: an empty Measured Value Sequence and a Numeric Value Qualifier.
    by_reference
        Calipers' images in an "Image Library" container, SELECTED FROM by reference (by value
        otherwise).
    floating_point
        (0040,A161) Floating Point Value beside (0040,A30A) Numeric Value (whose 16 characters
        round the value).
    single_frame_numbers
        (0008,1160) Referenced Frame Number 1 written for single-frame images too.
    manufacturer
        (0008,0070) Manufacturer.
    completion_flag, verification_flag
        (0040,A491) and (0040,A493).
    """

    name: str
    sop_class_uid: str
    legacy_codes: bool = False
    length_unit: str = "cm"
    velocity_unit: str = "cm/s"
    selection: str | None = None
    template_identifier: bool = True
    private_codes: bool = False
    override_mode: bool = False
    empty_num: bool = False
    by_reference: bool = False
    floating_point: bool = True
    single_frame_numbers: bool = False
    manufacturer: str = "echolab synthetic"
    completion_flag: str = "COMPLETE"
    verification_flag: str = "VERIFIED"


#: The vendor styles :func:`write_report_study` writes.
STYLES: dict[str, ReportStyle] = {
    style.name: style
    for style in (
        ReportStyle(
            "comprehensive",
            COMPREHENSIVE_SR,
            selection="121412",
            single_frame_numbers=True,
            manufacturer="echolab synthetic A",
        ),
        ReportStyle(
            "legacy",
            ENHANCED_SR,
            legacy_codes=True,
            length_unit="mm",
            velocity_unit="m/s",
            selection="121411",
            template_identifier=False,
            private_codes=True,
            override_mode=True,
            floating_point=False,
            manufacturer="echolab synthetic B",
            completion_flag="PARTIAL",
            verification_flag="UNVERIFIED",
        ),
        ReportStyle(
            "3d",
            COMPREHENSIVE_3D_SR,
            velocity_unit="m/s",
            empty_num=True,
            by_reference=True,
            manufacturer="echolab synthetic C",
            verification_flag="UNVERIFIED",
        ),
    )
}


@dataclass(frozen=True)
class ExpectedMeasurement:
    """One measurement of a written report as :func:`echolab.reports.read` should give it.

    ``code``/``scheme`` are the concept key (SNOMED CT for a legacy code), ``written_*`` the code
    as written; modifiers are meanings and SNOMED CT / DCM code values; ``value`` is in ``unit``
    as written (NaN with a ``qualifier``); ``frame`` is 0-based; ``graphic_data`` (column, row)
    pairs as written (float32). ``true_value`` is what the drawn image holds, in ``unit``, for a
    measurement made with calipers (None otherwise).
    """

    name: str
    code: str
    scheme: str
    meaning: str
    written_code: str
    written_scheme: str
    value: float
    unit: str | None
    qualifier: str | None = None
    finding_site: str | None = None
    finding_site_code: str | None = None
    image_mode: str | None = None
    image_mode_code: str | None = None
    method: str | None = None
    method_code: str | None = None
    cardiac_phase: str | None = None
    cardiac_phase_code: str | None = None
    flow_direction: str | None = None
    flow_direction_code: str | None = None
    derivation: str | None = None
    derivation_code: str | None = None
    selection: str | None = None
    selection_code: str | None = None
    selected: bool = True
    image_sop_instance_uid: str | None = None
    frame: int | None = None
    graphic_type: str | None = None
    graphic_data: tuple[tuple[float, float], ...] | None = None
    true_value: float | None = None


@dataclass(frozen=True)
class ReportTruth:
    """What :func:`write_report_study` wrote.

    Attributes
    ----------
    path
        The report file.
    style
        The :class:`ReportStyle` it was written in.
    images
        The image files by kind: ``"mmode"``, ``"doppler"``, ``"cine"``.
    image_uids
        Their (0008,0018) SOP Instance UIDs by kind.
    sop_instance_uid, series_instance_uid, study_instance_uid
        The report's UIDs (the study is the images').
    measurements
        Every NUM of the report, in document order.
    patient
        TID 5201's values by :class:`echolab.reports.Patient` field: (value, unit).
    mmode, doppler, cine
        The truths of the three images.
    """

    path: str
    style: ReportStyle
    images: dict[str, str]
    image_uids: dict[str, str]
    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    measurements: tuple[ExpectedMeasurement, ...]
    patient: dict[str, tuple[float, str]]
    mmode: MModeTruth
    doppler: DopplerTruth
    cine: TimingTruth

    def named(self, name: str) -> list[ExpectedMeasurement]:
        """The measurements of short name ``name``."""
        return [m for m in self.measurements if m.name == name]


class _Writer:
    """Builds the content tree of one report and the measurements a reader should find in it."""

    def __init__(self, style: ReportStyle, image_uids: dict[str, str], image_classes: dict[str, str]) -> None:
        self.style = style
        self.image_uids = image_uids
        self.image_classes = image_classes
        self.expected: list[ExpectedMeasurement] = []
        self.root = Node("CONTAINER", None, codes.REPORT)
        self.library: dict[tuple[str, int | None], Node] = {}
        self.library_node: Node | None = None

    # codes as this vendor writes them
    def written(self, concept: Concept) -> Concept:
        if self.style.legacy_codes and concept.scheme == "SCT":
            legacy = sct_to_srt().get(concept.value)
            if legacy is not None:
                return Concept("SRT", legacy, concept.meaning)
        return concept

    def modifier(self, parent: Node, name: Concept, value: Concept) -> None:
        parent.add(Node("CODE", "HAS CONCEPT MOD", name, value={"code": value}))

    def section(self, site: Concept) -> Node:
        node = self.root.add(Node("CONTAINER", "CONTAINS", codes.FINDINGS))
        self.modifier(node, codes.FINDING_SITE, site)
        node.value["site"] = site
        return node

    def group(self, section: Node, mode: Concept | None) -> Node:
        node = section.add(Node("CONTAINER", "CONTAINS", codes.MEASUREMENT_GROUP))
        if mode is not None:
            self.modifier(node, codes.IMAGE_MODE, mode)
        node.value.update(site=section.value["site"], mode=mode)
        return node

    def length(self, centimetres: float) -> tuple[float, str]:
        return (centimetres * 10.0, "mm") if self.style.length_unit == "mm" else (centimetres, "cm")

    def velocity(self, cm_per_s: float) -> tuple[float, str]:
        return (cm_per_s / 100.0, "m/s") if self.style.velocity_unit == "m/s" else (cm_per_s, "cm/s")

    def num(
        self,
        group: Node,
        concept: Concept,
        value: float | None,
        unit: str,
        *,
        site: Concept | None = None,
        mode: Concept | None = None,
        phase: Concept | None = None,
        flow: Concept | None = None,
        method: Concept | None = None,
        derivation: Concept | None = None,
        selection: Concept | None = None,
        caliper: Caliper | None = None,
        true_value: float | None = None,
        selected: bool = True,
    ) -> None:
        """A NUM in ``group``; ``site`` / ``mode`` are written on the NUM itself (overriding the
        group's)."""
        node = group.add(Node("NUM", "CONTAINS", concept))
        written_value: float | None = None
        if value is None:
            node.value["qualifier"] = codes.NOT_ATTEMPTED
        else:
            text = ds_text(value)
            written_value = value if self.style.floating_point else float(text)
            node.value.update(number=value, text=text, unit=unit)
        for name, modifier in (
            (codes.FINDING_SITE, site),
            (codes.IMAGE_MODE, mode),
            (codes.METHOD, method),
            (codes.CARDIAC_CYCLE_POINT, phase),
            (codes.FLOW_DIRECTION, flow),
            (codes.DERIVATION, derivation),
        ):
            if modifier is not None:
                self.modifier(node, name, modifier)
        if selection is not None:
            node.add(Node("CODE", "HAS PROPERTIES", codes.SELECTION_STATUS, value={"code": selection}))
        data: tuple[tuple[float, float], ...] | None = None
        if caliper is not None:
            data = tuple((float(np.float32(x)), float(np.float32(y))) for x, y in caliper.points)
            scoord = node.add(
                Node(
                    "SCOORD",
                    "INFERRED FROM",
                    value={"graphic_type": caliper.graphic_type, "graphic_data": [v for p in data for v in p]},
                )
            )
            scoord.add(self.image(caliper.image, caliper.frame))
        effective_site = site or group.value["site"]
        effective_mode = mode or group.value["mode"]

        def key(concept: Concept | None) -> tuple[str | None, str | None]:
            return (concept.meaning, concept.value) if concept is not None else (None, None)

        written = self.written(concept)
        self.expected.append(
            ExpectedMeasurement(
                name=codes.EXPECTED_NAMES.get((concept, None)) or codes.EXPECTED_NAMES[(concept, effective_site)],
                code=concept.value,
                scheme=concept.scheme,
                meaning=concept.meaning,
                written_code=written.value,
                written_scheme=written.scheme,
                value=math.nan if written_value is None else written_value,
                unit=unit if value is not None else None,
                qualifier=codes.NOT_ATTEMPTED.meaning if value is None else None,
                finding_site=key(effective_site)[0],
                finding_site_code=key(effective_site)[1],
                image_mode=key(effective_mode)[0],
                image_mode_code=key(effective_mode)[1],
                method=key(method)[0],
                method_code=key(method)[1],
                cardiac_phase=key(phase)[0],
                cardiac_phase_code=key(phase)[1],
                flow_direction=key(flow)[0],
                flow_direction_code=key(flow)[1],
                derivation=key(derivation)[0],
                derivation_code=key(derivation)[1],
                selection=key(selection)[0],
                selection_code=key(selection)[1],
                selected=selected,
                image_sop_instance_uid=self.image_uids[caliper.image] if caliper is not None else None,
                frame=self.frame_read(caliper) if caliper is not None else None,
                graphic_type=caliper.graphic_type if caliper is not None else None,
                graphic_data=data,
                true_value=true_value,
            )
        )

    def frame_read(self, caliper: Caliper) -> int | None:
        """The 0-based frame a reader finds for ``caliper``: the frame written, else none."""
        if caliper.frame is not None:
            return caliper.frame
        return 0 if self.style.single_frame_numbers else None

    def image(self, kind: str, frame: int | None) -> Node:
        """The IMAGE item a SCOORD is SELECTED FROM: by value, or a by-reference item pointing
        into the image library."""
        numbers = [frame + 1] if frame is not None else ([1] if self.style.single_frame_numbers else [])
        value = {"sop_class": self.image_classes[kind], "sop_instance": self.image_uids[kind], "frames": numbers}
        if not self.style.by_reference:
            return Node("IMAGE", "SELECTED FROM", value=value)
        if self.library_node is None:
            self.library_node = Node("CONTAINER", "CONTAINS", codes.IMAGE_LIBRARY)
        entry = self.library.get((kind, frame))
        if entry is None:
            entry = self.library_node.add(Node("IMAGE", "CONTAINS", value=value))
            self.library[(kind, frame)] = entry
        return Node(None, "SELECTED FROM", target=entry)

    def measurement(
        self,
        group: Node,
        concept: Concept,
        values: list[float],
        unit: str,
        calipers: list[Caliper | None],
        true_values: list[float | None],
        **modifiers: Any,
    ) -> float:
        """A measurement made once per heartbeat: each value (and the chosen one after them, in a
        style with a Selection Status; else only the first); returns the value a reader uses."""
        selection = codes.SELECTIONS.get(self.style.selection or "")
        if selection is None:
            self.num(group, concept, values[0], unit, caliper=calipers[0], true_value=true_values[0], **modifiers)
            return values[0]
        for value, caliper, truth in zip(values, calipers, true_values, strict=True):
            self.num(group, concept, value, unit, caliper=caliper, true_value=truth, selected=False, **modifiers)
        chosen = float(np.mean(values)) if selection.value == "121412" else values[-1]
        self.num(group, concept, chosen, unit, selection=selection, **modifiers)
        return chosen


# --- the report ---------------------------------------------------------------------------------


def _content(writer: _Writer, images: Screens, patient: dict[str, tuple[float, str]]) -> None:
    """Every section of the report, in the order scanners write them."""
    style, root = writer.style, writer.root
    root.add(
        Node(
            "CODE",
            "HAS CONCEPT MOD",
            Concept("DCM", "121049", "Language of Content Item and Descendants"),
            value={"code": Concept("RFC5646", "en-US", "English, United States")},
        )
    )
    root.add(
        Node(
            "CODE",
            "HAS OBS CONTEXT",
            Concept("DCM", "121005", "Observer Type"),
            value={"code": Concept("DCM", "121006", "Person")},
        )
    )
    root.add(
        Node(
            "PNAME",
            "HAS OBS CONTEXT",
            Concept("DCM", "121008", "Person Observer Name"),
            value={"text": "Sonographer^Synthetic"},
        )
    )
    characteristics = root.add(Node("CONTAINER", "CONTAINS", codes.PATIENT_CHARACTERISTICS))
    for name, concept in (
        ("height", codes.HEIGHT),
        ("weight", codes.WEIGHT),
        ("bsa", codes.BSA),
        ("heart_rate", codes.HEART_RATE),
        ("systolic_bp", codes.SYSTOLIC_BP),
        ("diastolic_bp", codes.DIASTOLIC_BP),
    ):
        value, unit = patient[name]
        characteristics.add(
            Node("NUM", "CONTAINS", concept, value={"number": value, "text": ds_text(value), "unit": unit})
        )

    # left ventricle: M-mode walls and cavity, 2D cavity on the cine, Teichholz codes.EF
    mmode = mmode_calipers(images)
    lv = writer.section(codes.LEFT_VENTRICLE)
    m_group = writer.group(lv, codes.MODE_M)
    chosen: dict[str, float] = {}
    for name, concept, phase in (
        ("IVSd", codes.IVSD, codes.END_DIASTOLE),
        ("LVIDd", codes.LVIDD, codes.END_DIASTOLE),
        ("LVPWd", codes.LVPWD, codes.END_DIASTOLE),
        ("LVIDs", codes.LVIDS, codes.END_SYSTOLE),
    ):
        values = [writer.length(cm)[0] for _, cm in mmode[name]]
        unit = writer.length(1.0)[1]
        chosen[name] = writer.measurement(
            m_group, concept, values, unit, [c for c, _ in mmode[name]], list(values), phase=phase
        )
    lvidd_cm = chosen["LVIDd"] / (10.0 if style.length_unit == "mm" else 1.0)
    lvids_cm = chosen["LVIDs"] / (10.0 if style.length_unit == "mm" else 1.0)
    two_d = writer.group(lv, codes.MODE_2D)
    cine = cine_calipers(images)
    for name, concept, phase in (("LVIDd", codes.LVIDD, codes.END_DIASTOLE), ("LVIDs", codes.LVIDS, codes.END_SYSTOLE)):
        caliper, cm = cine[name]
        value, unit = writer.length(cm)
        writer.num(two_d, concept, value, unit, phase=phase, caliper=caliper, true_value=value)
    derived = writer.group(lv, None)
    writer.num(derived, codes.FS, 100.0 * (lvidd_cm - lvids_cm) / lvidd_cm, "%", derivation=codes.CALCULATED)
    volumes = [7.0 / (2.4 + d) * d**3 for d in (lvidd_cm, lvids_cm)]
    ef = 100.0 * (volumes[0] - volumes[1]) / volumes[0]
    writer.num(derived, codes.EF, ef, "%", method=codes.TEICHHOLZ, derivation=codes.CALCULATED)

    # mitral valve: PW Doppler E, A, DT on the strip; e' by tissue Doppler, overriding the group
    doppler = doppler_calipers(images)
    mv = writer.section(codes.MITRAL_VALVE)
    pw = writer.group(mv, codes.MODE_PW)
    e_wave = writer.measurement(
        pw,
        codes.E_WAVE,
        [writer.velocity(v)[0] for _, v in doppler["E"]],
        writer.velocity(1.0)[1],
        [c for c, _ in doppler["E"]],
        [writer.velocity(v)[0] for _, v in doppler["E"]],
    )
    a_wave = writer.measurement(
        pw,
        codes.A_WAVE,
        [writer.velocity(v)[0] for _, v in doppler["A"]],
        writer.velocity(1.0)[1],
        [c for c, _ in doppler["A"]],
        [writer.velocity(v)[0] for _, v in doppler["A"]],
    )
    writer.measurement(
        pw,
        codes.DECELERATION_TIME,
        [1000.0 * s for _, s in doppler["DT"]],
        "ms",
        [c for c, _ in doppler["DT"]],
        [1000.0 * s for _, s in doppler["DT"]],
    )
    writer.num(pw, codes.E_OVER_A, e_wave / a_wave, "{ratio}", derivation=codes.CALCULATED)
    e_prime, _ = writer.velocity(11.0)
    lateral, tdi = codes.LATERAL_MITRAL_ANNULUS, codes.MODE_TDI  # e' overrides the group's site and mode
    writer.num(pw, codes.E_WAVE, e_prime, writer.velocity(1.0)[1], site=lateral, mode=tdi)
    writer.num(pw, codes.E_OVER_E_PRIME, e_wave / e_prime, "{ratio}", derivation=codes.CALCULATED)

    # aortic valve and outflow tract (no calipers: the screens draw no aortic valve)
    av = writer.section(codes.AORTIC_VALVE)
    cw = writer.group(av, codes.MODE_CW)
    av_vmax = 130.0  # cm/s
    writer.num(cw, codes.PEAK_VELOCITY, writer.velocity(av_vmax)[0], writer.velocity(1.0)[1], flow=codes.ANTEGRADE)
    writer.num(cw, codes.PEAK_GRADIENT, 4.0 * (av_vmax / 100.0) ** 2, "mm[Hg]", method=codes.SIMPLIFIED_BERNOULLI)
    writer.num(cw, codes.MEAN_GRADIENT, 3.6, "mm[Hg]")
    lvot_diameter, lvot_vti, av_vti = 2.1, 20.0, 26.0  # cm
    area = math.pi * (lvot_diameter / 2) ** 2 * lvot_vti / av_vti  # continuity equation
    writer.num(cw, codes.ORIFICE_AREA, area, "cm2", derivation=codes.CALCULATED)
    lvot = writer.section(codes.LVOT)
    writer.num(writer.group(lvot, codes.MODE_2D), codes.ORIFICE_DIAMETER, *writer.length(lvot_diameter))
    writer.num(writer.group(lvot, codes.MODE_PW), codes.VTI, lvot_vti, "cm")

    # tricuspid valve and right ventricle
    tv = writer.section(codes.TRICUSPID_VALVE)
    tr = writer.group(tv, codes.MODE_CW)
    tr_vmax = 240.0  # cm/s
    writer.num(tr, codes.PEAK_VELOCITY, writer.velocity(tr_vmax)[0], writer.velocity(1.0)[1], flow=codes.REGURGITANT)
    tr_gradient = 4.0 * (tr_vmax / 100.0) ** 2
    bernoulli = codes.SIMPLIFIED_BERNOULLI
    writer.num(tr, codes.PEAK_GRADIENT, tr_gradient, "mm[Hg]", flow=codes.REGURGITANT, method=bernoulli)
    rv = writer.section(codes.RIGHT_VENTRICLE)
    if style.override_mode:  # TAPSE in the 2D group, its own Image Mode saying M mode
        rv_group = writer.group(rv, codes.MODE_2D)
        writer.num(rv_group, codes.TAPSE, *writer.length(2.2), mode=codes.MODE_M)
    else:
        rv_group = writer.group(rv, codes.MODE_M)
        writer.num(rv_group, codes.TAPSE, *writer.length(2.2))
    rvsp = None if style.empty_num else tr_gradient + 3.0
    writer.num(writer.group(rv, None), codes.RVSP, rvsp, "mm[Hg]", derivation=codes.CALCULATED)

    # left atrium; a vendor's private measurement in its own section
    la = writer.section(codes.LEFT_ATRIUM)
    la_group = writer.group(la, codes.MODE_2D)
    writer.num(la_group, codes.LA_VOLUME, 52.0, "ml")
    writer.num(la_group, codes.LAVI, 52.0 / patient["bsa"][0], "ml/m2", derivation=codes.CALCULATED)
    if style.private_codes:
        vendor = writer.section(codes.VENDOR_SITE)
        writer.num(writer.group(vendor, codes.MODE_2D), codes.VENDOR_LA_DIAMETER, *writer.length(3.6))

    comment = "Performed by Dr Jane Synthetic, call 555-0100 on 2026-01-01"  # identifying free text
    root.add(Node("TEXT", "CONTAINS", codes.COMMENT, value={"text": comment}))
    if writer.library_node is not None:
        root.children.insert(3, writer.library_node)  # after the observer context, as TID 5200 orders it


def _patient(heart_rate: float) -> dict[str, tuple[float, str]]:
    height, weight = 172.0, 70.0
    return {
        "height": (height, "cm"),
        "weight": (weight, "kg"),
        "bsa": (math.sqrt(height * weight / 3600.0), "m2"),  # Mosteller
        "heart_rate": (heart_rate, "{H.B.}/min"),
        "systolic_bp": (120.0, "mm[Hg]"),
        "diastolic_bp": (80.0, "mm[Hg]"),
    }


def write_report_study(folder: str | os.PathLike[str], *, style: str = "comprehensive", seed: int = 0) -> ReportTruth:
    """Write an echo exam into ``folder``: ``mmode.dcm``, ``doppler.dcm``, ``cine.dcm`` (the
    generated screens) and ``report.dcm``, a TID 5200 report in vendor ``style`` measured on them.

    Parameters
    ----------
    folder
        Where to write (created if needed).
    style
        One of :data:`STYLES`.
    seed
        Seed of the images' speckle; the same seed writes the same exam.

    Returns
    -------
    ReportTruth
        The files, their UIDs and every measurement as a reader should find it.
    """
    if style not in STYLES:
        raise ValueError(f"unknown report style {style!r}; valid: {', '.join(STYLES)}")
    chosen = STYLES[style]
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = {kind: str(target / f"{kind}.dcm") for kind in ("mmode", "doppler", "cine")}
    mmode = write_mmode_sample(paths["mmode"], seed=seed)
    doppler = write_doppler_sample(paths["doppler"], seed=seed)
    cine = write_timing_sample(paths["cine"], seed=seed)
    headers = {kind: pydicom.dcmread(path, stop_before_pixels=True) for kind, path in paths.items()}
    regions = {kind: header.SequenceOfUltrasoundRegions for kind, header in headers.items()}
    images = Screens(
        mmode=mmode,
        doppler=doppler,
        cine=cine,
        mmode_region=RegionGeometry.of(regions["mmode"][mmode.mmode_region]),
        doppler_region=RegionGeometry.of(regions["doppler"][doppler.doppler_region]),
        cine_region=RegionGeometry.of(regions["cine"][cine.region]),
    )
    image_uids = {kind: str(header.SOPInstanceUID) for kind, header in headers.items()}
    image_classes = {kind: str(header.SOPClassUID) for kind, header in headers.items()}
    study_uid = str(headers["mmode"].StudyInstanceUID)

    writer = _Writer(chosen, image_uids, image_classes)
    patient = _patient(images.mmode.heart_rate)
    _content(writer, images, patient)
    name = f"echolab synthetic report {style} {seed}"
    sop_uid = uids.generate_uid(entropy_srcs=[name])
    series_uid = uids.generate_uid(entropy_srcs=[f"{name} series"])

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = uids.UID(chosen.sop_class_uid)
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = uids.ExplicitVRLittleEndian
    meta.ImplementationVersionName = "ECHOLAB_SYNTH"
    ds = content_dataset(writer.root, positions(writer.root), writer.written, chosen.floating_point)
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = chosen.sop_class_uid
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "SR"
    ds.Manufacturer = chosen.manufacturer
    ds.ManufacturerModelName = f"report style {style}"
    ds.PatientName = "Synthetic^Sample"
    ds.PatientID = "SYNTHETIC"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.ReferringPhysicianName = "Referrer^Synthetic"
    ds.AccessionNumber = "SYN0001"
    ds.StudyID = "1"
    ds.StudyDate = ds.ContentDate = "20260101"
    ds.StudyTime = "120000"
    ds.ContentTime = "123000"
    ds.SeriesNumber = 99
    ds.InstanceNumber = 1
    ds.CompletionFlag = chosen.completion_flag
    ds.VerificationFlag = chosen.verification_flag
    if chosen.verification_flag == "VERIFIED":
        observer = Dataset()
        observer.VerifyingObserverName = "Cardiologist^Synthetic"
        observer.VerifyingOrganization = "echolab synthetic hospital"
        observer.VerificationDateTime = "20260101130000"
        observer.VerifyingObserverIdentificationCodeSequence = []
        ds.VerifyingObserverSequence = [observer]
    ds.ReferencedPerformedProcedureStepSequence = []
    ds.PerformedProcedureCodeSequence = []
    if chosen.template_identifier:
        template = Dataset()
        template.MappingResource = "DCMR"
        template.TemplateIdentifier = "5200"
        ds.ContentTemplateSequence = [template]
    ds.CurrentRequestedProcedureEvidenceSequence = [_evidence(headers)]
    report_path = str(target / "report.dcm")
    _save(ds, report_path)
    return ReportTruth(
        path=report_path,
        style=chosen,
        images=paths,
        image_uids=image_uids,
        sop_instance_uid=sop_uid,
        series_instance_uid=series_uid,
        study_instance_uid=study_uid,
        measurements=tuple(writer.expected),
        patient=patient,
        mmode=images.mmode,
        doppler=images.doppler,
        cine=images.cine,
    )


def _evidence(headers: Mapping[str, Dataset]) -> Dataset:
    """The (0040,A375) item of the study: one series item per image series."""
    study = Dataset()
    study.StudyInstanceUID = headers["mmode"].StudyInstanceUID
    series_items = []
    for header in headers.values():
        series = Dataset()
        series.SeriesInstanceUID = header.SeriesInstanceUID
        instance = Dataset()
        instance.ReferencedSOPClassUID = header.SOPClassUID
        instance.ReferencedSOPInstanceUID = header.SOPInstanceUID
        series.ReferencedSOPSequence = [instance]
        series_items.append(series)
    study.ReferencedSeriesSequence = series_items
    return study
