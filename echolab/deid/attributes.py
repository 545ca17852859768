"""The header side of de-identification: PS3.15 Table E.1-1 applied to a pydicom data set.

:func:`clean_dataset` walks the data set and every nested sequence item, removes private
elements, applies each listed attribute's action (:mod:`echolab.deid.profile`), replaces UIDs by
keyed hashes (:meth:`Secret.uid`) and shifts, keeps or removes dates (:class:`DateOption`). It
returns a :class:`HeaderReport`: the keywords of what was removed or replaced (for the audit) and
the identifying values themselves (for the verification only; they are never written anywhere).

A kept element that repeats one of those values (a Code Meaning "US KIDNEY" in a Procedure Code
Sequence the table keeps, when the removed Study Description says the same) is removed too, with
its top-level element: the profile is a floor, and the verification after writing checks that no
removed value is left anywhere.

Hand-written because the profile needs keyed, repeatable UIDs and date shifts (see
:mod:`echolab.deid.profile` for the libraries considered).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag

from .profile import EDITION, Action, MethodCode, action_for

__all__ = [
    "DateOption",
    "PatientIdentityRemoved",
    "TemporalInformationModified",
    "Outcome",
    "Secret",
    "HeaderReport",
    "clean_dataset",
    "resolve",
    "patient_key",
    "string_values",
    "identifying_strings",
    "word_pattern",
    "word_pattern_bytes",
    "mark_deidentified",
    "method_codes",
    "DUMMY_TEXT",
    "TEXT_VRS",
    "MIN_IDENTIFYING_LENGTH",
    "MIN_IDENTIFYING_DIGITS",
    "searchable",
]

#: Value representations whose values are text that may identify (checked by the verification).
TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "TM", "LO", "LT", "PN", "SH", "ST", "UC", "UI", "UR", "UT"})
_TEMPORAL_VRS = frozenset({"DA", "DT", "TM"})
#: Identifying values shorter than this (characters) are not searched for: "M", "US", "1" are everywhere.
MIN_IDENTIFYING_LENGTH = 3
#: Numbers shorter than this (digits) are not searched for either (see :func:`searchable`).
MIN_IDENTIFYING_DIGITS = 6
#: The dummy text of action D for text VRs.
DUMMY_TEXT = "ANONYMIZED"
_DUMMIES: dict[str, Any] = {
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "AS": "000D",
    "DS": "0",
    "IS": "0",
    "UR": "",
    "US": 0,
    "SS": 0,
    "UL": 0,
    "SL": 0,
    "UV": 0,
    "SV": 0,
    "FL": 0.0,
    "FD": 0.0,
    "AT": 0,
    "OB": b"\x00\x00",
    "OW": b"\x00\x00",
    "OD": b"\x00" * 8,
    "OF": b"\x00" * 4,
    "OL": b"\x00" * 4,
    "OV": b"\x00" * 8,
    "UN": b"\x00\x00",
}
#: Birth date and time: removed as the table says whatever ``dates`` asks (no option keeps them).
_BIRTH = frozenset({"PatientBirthDate", "PatientBirthTime"})
#: Attributes with a compound action (Z/D, X/Z, X/D, X/Z/D) that the ultrasound IODs (US Image,
#: US Multi-frame Image, PS3.3 A.6 / A.7) need as Type 2 at the top level: emptied, not removed.
#: None of them is Type 1 there, so D (a dummy) is never needed.
_TYPE_2_AT_TOP = frozenset({"PatientID", "ContentDate", "ContentTime", "ContrastBolusAgent"})
#: Elements a usable ultrasound image needs: never removed for repeating an identifying value
#: (should one, the verification fails and the file is refused).
_PROTECTED = frozenset(
    {
        "SpecificCharacterSet",
        "ImageType",
        "SOPClassUID",
        "SOPInstanceUID",
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "Modality",
        "Manufacturer",
        "SamplesPerPixel",
        "PhotometricInterpretation",
        "Rows",
        "Columns",
        "NumberOfFrames",
        "FrameIncrementPointer",
        "FrameTime",
        "FrameTimeVector",
        "BitsAllocated",
        "BitsStored",
        "HighBit",
        "PixelRepresentation",
        "PlanarConfiguration",
        "SequenceOfUltrasoundRegions",
        "PatientIdentityRemoved",
        "DeidentificationMethod",
        "DeidentificationMethodCodeSequence",
        "LongitudinalTemporalInformationModified",
    }
)


class DateOption(enum.Enum):
    """What happens to dates (DA, DT) and times (TM), the ``dates`` argument of :func:`echolab.deid.deidentify`."""

    #: Dates move back by a number of days derived from the salt and the patient (the same for
    #: every file of a patient); times of day are kept. Option 113107.
    SHIFT = "shift"
    #: Dates and times are kept as they are. Option 113106.
    KEEP = "keep"
    #: Dates and times get the table's action (emptied or removed); no option claimed.
    REMOVE = "remove"


class PatientIdentityRemoved(enum.Enum):
    """(0012,0062) Patient Identity Removed."""

    YES = "YES"
    NO = "NO"


class TemporalInformationModified(enum.Enum):
    """(0028,0303) Longitudinal Temporal Information Modified."""

    UNMODIFIED = "UNMODIFIED"
    MODIFIED = "MODIFIED"
    REMOVED = "REMOVED"


class Outcome(enum.Enum):
    """What happened to an element; the audit lists element keywords under these names."""

    REMOVED = "removed"
    EMPTIED = "emptied"
    DUMMY = "replaced by a dummy"
    UID = "UID replaced"
    DATE_SHIFTED = "date shifted"
    PRIVATE = "private removed"
    REPEATS = "removed: repeats an identifying value"
    UNREADABLE = "removed: value unreadable"


@dataclass(frozen=True)
class Secret:
    """The keyed hashes of one salt: new UIDs and date shifts (HMAC-SHA256).

    The same salt always gives the same UIDs and shifts, so files de-identified in separate runs
    keep their study and series relationships; without it the mapping cannot be recomputed.
    """

    key: bytes

    @classmethod
    def from_salt(cls, salt: str | bytes) -> Secret:
        """The secret of ``salt`` (text is taken as UTF-8)."""
        key = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
        if not key:
            raise ValueError("the salt is empty; give a secret string (keep it: the same salt gives the same UIDs)")
        return cls(key)

    def _digest(self, purpose: bytes, text: str) -> bytes:
        return hmac.new(self.key, purpose + b"\x00" + text.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()

    def uid(self, uid: str) -> str:
        """The replacement of ``uid``: ``2.25.`` followed by a UUID (version 8, RFC 9562) made from
        the HMAC of the UID, as a decimal number; at most 44 characters, digits and dots."""
        raw = bytearray(self._digest(b"uid", uid.strip(" \x00"))[:16])
        raw[6] = (raw[6] & 0x0F) | 0x80  # version 8: custom
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 / 9562 variant
        return f"2.25.{int.from_bytes(raw, 'big')}"

    def date_shift(self, patient: str) -> int:
        """Days (365 to 3652, about one to ten years) that every date of ``patient`` moves back."""
        number = int.from_bytes(self._digest(b"date-shift", patient)[:8], "big")
        return 365 + number % (3652 - 365 + 1)

    @property
    def fingerprint(self) -> str:
        """A short tag telling salts apart in the audit (an HMAC: it does not reveal the salt)."""
        return self._digest(b"fingerprint", "echolab").hex()[:12]


@dataclass
class HeaderReport:
    """What :func:`clean_dataset` did.

    Attributes
    ----------
    changes
        Per :class:`Outcome`, the keyword paths (``"RequestAttributesSequence>AccessionNumber"``;
        private elements as their tag) of the elements concerned; never their values.
    identifying
        ``(keyword path, value)`` of every text value removed or replaced (at least
        :data:`MIN_IDENTIFYING_LENGTH` characters): what must appear nowhere in the output. Kept in
        memory for the verification, never written.
    """

    changes: dict[Outcome, set[str]] = field(default_factory=dict)
    identifying: dict[str, str] = field(default_factory=dict)

    def note(self, outcome: Outcome, where: str) -> None:
        self.changes.setdefault(outcome, set()).add(where)

    def collect(self, where: str, values: Iterable[str], *, private: bool = False) -> None:
        for value in values:
            if searchable(value, private=private) and value not in self.identifying:
                self.identifying[value] = where

    def summary(self) -> dict[str, list[str]]:
        """The changes as ``{outcome: sorted keyword paths}`` (for the audit)."""
        return {outcome.value: sorted(paths) for outcome, paths in self.changes.items() if paths}


def resolve(action: Action, keyword: str, *, nested: bool) -> Action:
    """The single action (D, Z, X, K, U) a table action means here.

    Compound actions keep the least: X unless the ultrasound IODs need the attribute at the top
    level as Type 2 (then Z, see ``_TYPE_2_AT_TOP``); Z/D is always Z (no such attribute is
    Type 1 in ultrasound images); X/Z/U* (Referenced / Source Image Sequence, Type 3) is X.
    """
    if action in (Action.D, Action.Z, Action.X, Action.K, Action.U):
        return action
    if action is Action.C:
        return Action.X  # not in the Basic Profile column; cleaning free text is removing it
    if action is Action.Z_D:
        return Action.Z
    if action in (Action.X_Z, Action.X_Z_D) and not nested and keyword in _TYPE_2_AT_TOP:
        return Action.Z
    return Action.X


def patient_key(dataset: Dataset) -> tuple[str, str]:
    """What dates are shifted per: (keyword, value) of Patient ID (with its issuer), else Patient's
    Name, else Study Instance UID (one shift per study when the patient is unknown)."""
    patient_id = _text(dataset, "PatientID")
    if patient_id:
        return "PatientID", patient_id + "\x00" + _text(dataset, "IssuerOfPatientID")
    name = _text(dataset, "PatientName")
    if name:
        return "PatientName", name
    return "StudyInstanceUID", _text(dataset, "StudyInstanceUID")


def _text(dataset: Dataset, keyword: str) -> str:
    try:
        value = dataset.get(keyword)
    except Exception:
        return ""
    return "" if value is None else str(value).strip(" \x00")


def clean_dataset(dataset: Dataset, secret: Secret, dates: DateOption) -> HeaderReport:
    """De-identify ``dataset`` in place by PS3.15 Table E.1-1 (Basic Profile) and the date option.

    Parameters
    ----------
    dataset
        A header data set (no pixel data needed); modified in place, file meta left alone.
    secret
        The salt's keyed hashes for UIDs and the date shift.
    dates
        Shift (by whole days, per patient), keep or remove dates and times.

    Returns
    -------
    HeaderReport
        The keywords changed and the identifying values removed (for the verification).
    """
    report = HeaderReport()
    shift = secret.date_shift(patient_key(dataset)[1]) if dates is DateOption.SHIFT else 0
    _clean(dataset, secret, dates, shift, report, prefix="", nested=False)
    _sweep_repeats(dataset, report)
    return report


def _where(prefix: str, element: DataElement) -> str:
    name = element.keyword or _tag_text(element.tag)
    return f"{prefix}>{name}" if prefix else name


def _tag_text(tag: BaseTag) -> str:
    return f"({tag.group:04X},{tag.element:04X})"


def _elements(dataset: Dataset) -> list[DataElement]:
    """The elements of ``dataset``, read one by one; an element whose value cannot be read
    (corrupt VR or value) is removed and reported instead of stopping the whole file."""
    elements: list[DataElement] = []
    for tag in list(dataset.keys()):
        try:
            elements.append(dataset[tag])
        except Exception:
            del dataset[tag]
            elements.append(DataElement(tag, "UN", b""))  # placeholder: reported as unreadable
    return elements


def _clean(
    dataset: Dataset, secret: Secret, dates: DateOption, shift: int, report: HeaderReport, prefix: str, nested: bool
) -> None:
    for element in _elements(dataset):
        tag = element.tag
        where = _where(prefix, element)
        if tag not in dataset:  # unreadable: already removed by _elements
            report.note(Outcome.UNREADABLE, where)
            continue
        if tag.is_private:
            if not _is_private_creator(tag):
                report.collect(where, string_values(element), private=True)
            del dataset[tag]
            report.note(Outcome.PRIVATE, _tag_text(tag) if not prefix else where)
            continue
        if tag.element == 0:  # group lengths: recomputed (or left out) on writing
            del dataset[tag]
            continue
        if tag.group & 0xFF00 == 0x6000:
            # an overlay: the table removes its data (60xx,3000) and comments (60xx,4000); the rest
            # of the group would describe an overlay that is not there, so the whole group goes
            _apply(dataset, element, Action.X, secret, dates, shift, report, where)
            continue
        keyword = element.keyword
        row = action_for(int(tag))
        if element.VR in _TEMPORAL_VRS and keyword not in _BIRTH and dates is not DateOption.REMOVE:
            if dates is DateOption.SHIFT and element.VR in ("DA", "DT"):
                _shift_element(dataset, element, shift, where, report)
            continue
        if row is None:
            action = Action.X if (element.VR in _TEMPORAL_VRS and dates is DateOption.REMOVE) else Action.K
        else:
            action = resolve(row.action, keyword, nested=nested)
        _apply(dataset, element, action, secret, dates, shift, report, where)


def _apply(
    dataset: Dataset,
    element: DataElement,
    action: Action,
    secret: Secret,
    dates: DateOption,
    shift: int,
    report: HeaderReport,
    where: str,
) -> None:
    if action is Action.K:
        if element.VR == "SQ":
            for item in element.value:
                _clean(item, secret, dates, shift, report, prefix=where, nested=True)
        return
    if action is Action.X:
        _collect_removed(element, where, report)
        del dataset[element.tag]
        report.note(Outcome.REMOVED, where)
    elif action is Action.Z:
        _collect_removed(element, where, report)
        element.value = Sequence() if element.VR == "SQ" else (None if element.VR not in TEXT_VRS else "")
        report.note(Outcome.EMPTIED, where)
    elif action is Action.D and element.VR != "UI":
        if element.VR == "SQ":  # a dummy sequence: the same items, cleaned
            for item in element.value:
                _clean(item, secret, dates, shift, report, prefix=where, nested=True)
            return
        _collect_removed(element, where, report)
        element.value = _DUMMIES.get(element.VR, DUMMY_TEXT)
        report.note(Outcome.DUMMY, where)
    elif action is Action.U or (action is Action.D and element.VR == "UI"):  # a UID's dummy: a keyed UID
        if element.VR != "UI":  # a UID row holding something else: nothing to map, remove it
            _apply(dataset, element, Action.X, secret, dates, shift, report, where)
            return
        report.collect(where, string_values(element))
        values = [v for v in _items(element.value) if str(v).strip(" \x00")]
        mapped = [secret.uid(str(v)) for v in values]
        element.value = mapped if len(mapped) > 1 else (mapped[0] if mapped else "")
        report.note(Outcome.UID, where)


def _collect_removed(element: DataElement, where: str, report: HeaderReport) -> None:
    """Add the text values an element takes away: its own, or for a sequence those of the nested
    elements the table itself removes or replaces (not code values or SOP Class UIDs, which are
    no secret and appear elsewhere)."""
    if element.VR != "SQ":
        report.collect(where, string_values(element))
        return
    for item in element.value:
        for nested in _elements(item):
            inner = _where(where, nested)
            if nested.tag.is_private:
                if not _is_private_creator(nested.tag):
                    report.collect(inner, string_values(nested), private=True)
                continue
            row = action_for(int(nested.tag))
            if nested.VR == "SQ":
                _collect_removed(nested, inner, report)
            elif row is not None and resolve(row.action, nested.keyword, nested=True) is not Action.K:
                report.collect(inner, string_values(nested))


def _is_private_creator(tag: BaseTag) -> bool:
    return bool(tag.is_private and 0x0010 <= tag.element <= 0x00FF)


def searchable(value: str, *, private: bool = False) -> bool:
    """True when the verification looks for ``value`` in the output.

    Left out: values shorter than :data:`MIN_IDENTIFYING_LENGTH`; numbers that are not a run of
    at least :data:`MIN_IDENTIFYING_DIGITS` digits ("20.000", "-2", "100": they say nothing and
    turn up in any numeric element; IDs, accession numbers and dates are longer); every number of
    a private element; the texts echolab writes itself.
    """
    if len(value) < MIN_IDENTIFYING_LENGTH or value in _ECHOLAB_TEXT:
        return False
    try:
        float(value)
    except ValueError:
        return True
    return not private and value.isdigit() and len(value) >= MIN_IDENTIFYING_DIGITS


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, MultiValue)):
        return list(value)
    return [value]


def string_values(element: DataElement) -> list[str]:
    """The text an element holds, as searched by the verification: each value of a text VR
    (stripped), plus for a person name each name group and component (family, given, ...); for
    UN / OB values the printable ASCII runs of their bytes. Numbers (DS, IS, binary) give none."""
    vr = element.VR
    try:
        value = element.value
    except Exception:
        return []
    found: list[str] = []
    if vr in TEXT_VRS:
        for item in _items(value):
            text = str(item).strip(" \x00")
            if not text:
                continue
            found.append(text)
            if vr == "PN":
                found += [part.strip() for part in re.split(r"[\^=]", text) if part.strip()]
    elif vr in ("UN", "OB") and isinstance(value, (bytes, bytearray)) and len(value) <= 1 << 16:
        found += [run.decode("ascii").strip() for run in re.findall(rb"[\x20-\x7e]{3,}", bytes(value))]
    return [text for text in found if text]


def _shift_element(dataset: Dataset, element: DataElement, shift: int, where: str, report: HeaderReport) -> None:
    originals = string_values(element)
    shifted: list[str] = []
    for item in _items(element.value):
        text = str(item).strip(" \x00")
        if not text:
            continue
        moved = _shift_date(text, shift) if element.VR == "DA" else _shift_datetime(text, shift)
        if moved is None:  # not a date echolab can move: it goes
            report.collect(where, originals)
            del dataset[element.tag]
            report.note(Outcome.REMOVED, where)
            return
        shifted.append(moved)
    if not shifted:
        return
    report.collect(where, [text for text in originals if text not in shifted])
    element.value = shifted if len(shifted) > 1 else shifted[0]
    report.note(Outcome.DATE_SHIFTED, where)


def _move(yyyymmdd: str, shift: int) -> str | None:
    try:
        day = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
        return (day - dt.timedelta(days=shift)).strftime("%Y%m%d")
    except (ValueError, OverflowError):
        return None


def _shift_date(text: str, shift: int) -> str | None:
    """A DA value ("YYYYMMDD", or a range "YYYYMMDD-YYYYMMDD" with either end open) moved back."""
    match = re.fullmatch(r"(\d{8})?(-)?(\d{8})?", text)
    if match is None or not (match.group(1) or match.group(3)):
        return None
    if match.group(1) and match.group(3) and not match.group(2):
        return None
    parts = []
    for group in (match.group(1), match.group(3)):
        moved = _move(group, shift) if group else ""
        if moved is None:
            return None
        parts.append(moved)
    return parts[0] + (match.group(2) or "") + parts[1]


def _shift_datetime(text: str, shift: int) -> str | None:
    """A DT value moved back by whole days (time of day and offset kept); None when it holds
    less than a whole date (a year alone cannot move by days)."""
    match = re.fullmatch(r"(\d{8})([0-9.]*)([+-]\d{4})?", text)
    if match is None:
        return None
    moved = _move(match.group(1), shift)
    return None if moved is None else moved + match.group(2) + (match.group(3) or "")


def _walk(dataset: Dataset, prefix: str = "") -> Iterator[tuple[str, DataElement]]:
    for element in _elements(dataset):
        where = _where(prefix, element)
        yield where, element
        if element.VR == "SQ":
            for item in element.value or []:
                yield from _walk(item, where)


def identifying_strings(dataset: Dataset) -> Iterator[tuple[str, str]]:
    """Every ``(keyword path, text)`` of ``dataset`` and its sequences (see :func:`string_values`)."""
    for where, element in _walk(dataset):
        for text in string_values(element):
            yield where, text


def word_pattern(value: str) -> re.Pattern[str]:
    """A pattern finding ``value`` as a whole word: not inside a longer run of letters or digits
    (the name component "MARY" is no leak in "PRIMARY")."""
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")


def word_pattern_bytes(value: bytes) -> re.Pattern[bytes]:
    """:func:`word_pattern` for encoded bytes (ASCII letters and digits delimit words)."""
    return re.compile(rb"(?<![0-9A-Za-z])" + re.escape(value) + rb"(?![0-9A-Za-z])")


def _sweep_repeats(dataset: Dataset, report: HeaderReport) -> None:
    """Remove each kept top-level element holding (at any depth) a value the profile removed."""
    if not report.identifying:
        return
    patterns = [word_pattern(value) for value in report.identifying]
    for element in _elements(dataset):
        if element.keyword in _PROTECTED:
            continue
        texts = [text for _, text in identifying_strings(_single(element))]
        if any(pattern.search(text) for text in texts for pattern in patterns):
            del dataset[element.tag]
            report.note(Outcome.REPEATS, element.keyword or _tag_text(element.tag))


def _single(element: DataElement) -> Dataset:
    holder = Dataset()
    holder.add(element)
    return holder


#: Texts echolab writes into every output (method names and codes): never identifying.
_ECHOLAB_TEXT = frozenset(
    {DUMMY_TEXT, "DCM", "YES", "NO", *(member.value for member in TemporalInformationModified)}
    | {member.code_value for member in MethodCode}
    | {member.meaning for member in MethodCode}
)


def method_codes(dates: DateOption, pixels_cleaned: bool = True) -> list[MethodCode]:
    """The CID 7050 codes that describe what echolab did."""
    codes = [MethodCode.BASIC_PROFILE]
    if pixels_cleaned:
        codes.append(MethodCode.CLEAN_PIXEL_DATA)
    if dates is DateOption.SHIFT:
        codes.append(MethodCode.RETAIN_MODIFIED_DATES)
    elif dates is DateOption.KEEP:
        codes.append(MethodCode.RETAIN_FULL_DATES)
    return codes


def mark_deidentified(
    dataset: Dataset, dates: DateOption, tool: str, codes: list[MethodCode] | None = None
) -> list[MethodCode]:
    """Add (0012,0062) Patient Identity Removed = YES, (0012,0063) De-identification Method (one
    value per profile or option, and ``tool``), (0012,0064) De-identification Method Code Sequence
    and (0028,0303) Longitudinal Temporal Information Modified. Returns the codes claimed: those
    given, else :func:`method_codes` of an image (pixels cleaned)."""
    codes = method_codes(dates) if codes is None else codes
    dataset.PatientIdentityRemoved = PatientIdentityRemoved.YES.value
    dataset.DeidentificationMethod = [code.meaning for code in codes] + [f"{tool} (PS3.15 {EDITION} Table E.1-1)"[:64]]
    items = []
    for code in codes:
        item = Dataset()
        item.CodeValue = code.code_value
        item.CodingSchemeDesignator = "DCM"
        item.CodeMeaning = code.meaning
        items.append(item)
    dataset.DeidentificationMethodCodeSequence = Sequence(items)
    modified = {
        DateOption.SHIFT: TemporalInformationModified.MODIFIED,
        DateOption.KEEP: TemporalInformationModified.UNMODIFIED,
        DateOption.REMOVE: TemporalInformationModified.REMOVED,
    }[dates]
    said = str(dataset.get("LongitudinalTemporalInformationModified", "") or "").strip()
    if dates is DateOption.KEEP and said == TemporalInformationModified.MODIFIED.value:
        modified = TemporalInformationModified.MODIFIED  # kept dates that an earlier tool shifted
    dataset.LongitudinalTemporalInformationModified = modified.value
    return codes
