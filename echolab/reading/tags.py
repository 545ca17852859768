"""The DICOM elements the reading path reads: tag, VR and name, as PS3.6 gives them.

Naming an element in a message and reading an implicit VR file need each element's tag, value
representation and name. pydicom's data dictionary has them, but importing pydicom takes a
quarter of a second — longer than ``echolab scan`` takes over a few hundred files (see
:mod:`.raw_header`). This table holds the few dozen elements echolab reads from a header; any
other keyword is looked up in pydicom's dictionary. ``tests/reading/test_tags.py`` checks every
entry against pydicom's.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Entry", "ENTRIES", "BY_TAG", "entry"]


class Entry(NamedTuple):
    """One element of the table.

    Attributes
    ----------
    tag
        ``gggg << 16 | eeee``.
    vr
        The value representation (``"US or SS"`` for the ambiguous ones).
    name
        The element's name, as messages write it ("Frame Time Vector").
    """

    tag: int
    vr: str
    name: str


#: Every element the reading path reads or names, by keyword.
ENTRIES: dict[str, Entry] = {
    "TransferSyntaxUID": Entry(0x00020010, "UI", "Transfer Syntax UID"),
    "SpecificCharacterSet": Entry(0x00080005, "CS", "Specific Character Set"),
    "SOPClassUID": Entry(0x00080016, "UI", "SOP Class UID"),
    "SOPInstanceUID": Entry(0x00080018, "UI", "SOP Instance UID"),
    "Modality": Entry(0x00080060, "CS", "Modality"),
    "Manufacturer": Entry(0x00080070, "LO", "Manufacturer"),
    "ManufacturerModelName": Entry(0x00081090, "LO", "Manufacturer's Model Name"),
    "RecommendedDisplayFrameRate": Entry(0x00082144, "IS", "Recommended Display Frame Rate"),
    "PixelPresentation": Entry(0x00089205, "CS", "Pixel Presentation"),
    "CineRate": Entry(0x00180040, "IS", "Cine Rate"),
    "FrameTime": Entry(0x00181063, "DS", "Frame Time"),
    "FrameTimeVector": Entry(0x00181065, "DS", "Frame Time Vector"),
    "HeartRate": Entry(0x00181088, "IS", "Heart Rate"),
    "StudyInstanceUID": Entry(0x0020000D, "UI", "Study Instance UID"),
    "SeriesInstanceUID": Entry(0x0020000E, "UI", "Series Instance UID"),
    "RWaveTimeVector": Entry(0x00186060, "FL", "R Wave Time Vector"),
    "SequenceOfUltrasoundRegions": Entry(0x00186011, "SQ", "Sequence of Ultrasound Regions"),
    "RegionSpatialFormat": Entry(0x00186012, "US", "Region Spatial Format"),
    "RegionDataType": Entry(0x00186014, "US", "Region Data Type"),
    "RegionFlags": Entry(0x00186016, "UL", "Region Flags"),
    "RegionLocationMinX0": Entry(0x00186018, "UL", "Region Location Min X0"),
    "RegionLocationMinY0": Entry(0x0018601A, "UL", "Region Location Min Y0"),
    "RegionLocationMaxX1": Entry(0x0018601C, "UL", "Region Location Max X1"),
    "RegionLocationMaxY1": Entry(0x0018601E, "UL", "Region Location Max Y1"),
    "ReferencePixelX0": Entry(0x00186020, "SL", "Reference Pixel X0"),
    "ReferencePixelY0": Entry(0x00186022, "SL", "Reference Pixel Y0"),
    "PhysicalUnitsXDirection": Entry(0x00186024, "US", "Physical Units X Direction"),
    "PhysicalUnitsYDirection": Entry(0x00186026, "US", "Physical Units Y Direction"),
    "ReferencePixelPhysicalValueX": Entry(0x00186028, "FD", "Reference Pixel Physical Value X"),
    "ReferencePixelPhysicalValueY": Entry(0x0018602A, "FD", "Reference Pixel Physical Value Y"),
    "PhysicalDeltaX": Entry(0x0018602C, "FD", "Physical Delta X"),
    "PhysicalDeltaY": Entry(0x0018602E, "FD", "Physical Delta Y"),
    "TransducerFrequency": Entry(0x00186030, "UL", "Transducer Frequency"),
    "TransducerType": Entry(0x00186031, "CS", "Transducer Type"),
    "PulseRepetitionFrequency": Entry(0x00186032, "UL", "Pulse Repetition Frequency"),
    "DopplerCorrectionAngle": Entry(0x00186034, "FD", "Doppler Correction Angle"),
    "SteeringAngle": Entry(0x00186036, "FD", "Steering Angle"),
    "DopplerSampleVolumeXPositionRetired": Entry(0x00186038, "UL", "Doppler Sample Volume X Position (Retired)"),
    "DopplerSampleVolumeXPosition": Entry(0x00186039, "SL", "Doppler Sample Volume X Position"),
    "DopplerSampleVolumeYPositionRetired": Entry(0x0018603A, "UL", "Doppler Sample Volume Y Position (Retired)"),
    "DopplerSampleVolumeYPosition": Entry(0x0018603B, "SL", "Doppler Sample Volume Y Position"),
    "TMLinePositionX0Retired": Entry(0x0018603C, "UL", "TM-Line Position X0 (Retired)"),
    "TMLinePositionX0": Entry(0x0018603D, "SL", "TM-Line Position X0"),
    "TMLinePositionY0Retired": Entry(0x0018603E, "UL", "TM-Line Position Y0 (Retired)"),
    "TMLinePositionY0": Entry(0x0018603F, "SL", "TM-Line Position Y0"),
    "TMLinePositionX1Retired": Entry(0x00186040, "UL", "TM-Line Position X1 (Retired)"),
    "TMLinePositionX1": Entry(0x00186041, "SL", "TM-Line Position X1"),
    "TMLinePositionY1Retired": Entry(0x00186042, "UL", "TM-Line Position Y1 (Retired)"),
    "TMLinePositionY1": Entry(0x00186043, "SL", "TM-Line Position Y1"),
    "SamplesPerPixel": Entry(0x00280002, "US", "Samples per Pixel"),
    "PhotometricInterpretation": Entry(0x00280004, "CS", "Photometric Interpretation"),
    "PlanarConfiguration": Entry(0x00280006, "US", "Planar Configuration"),
    "NumberOfFrames": Entry(0x00280008, "IS", "Number of Frames"),
    "FrameIncrementPointer": Entry(0x00280009, "AT", "Frame Increment Pointer"),
    "Rows": Entry(0x00280010, "US", "Rows"),
    "Columns": Entry(0x00280011, "US", "Columns"),
    "BitsAllocated": Entry(0x00280100, "US", "Bits Allocated"),
    "BitsStored": Entry(0x00280101, "US", "Bits Stored"),
    "PixelRepresentation": Entry(0x00280103, "US", "Pixel Representation"),
    "BurnedInAnnotation": Entry(0x00280301, "CS", "Burned In Annotation"),
    "RedPaletteColorLookupTableDescriptor": Entry(0x00281101, "US or SS", "Red Palette Color Lookup Table Descriptor"),
    "GreenPaletteColorLookupTableDescriptor": Entry(
        0x00281102, "US or SS", "Green Palette Color Lookup Table Descriptor"
    ),
    "BluePaletteColorLookupTableDescriptor": Entry(
        0x00281103, "US or SS", "Blue Palette Color Lookup Table Descriptor"
    ),
    "RedPaletteColorLookupTableData": Entry(0x00281201, "OW", "Red Palette Color Lookup Table Data"),
    "GreenPaletteColorLookupTableData": Entry(0x00281202, "OW", "Green Palette Color Lookup Table Data"),
    "BluePaletteColorLookupTableData": Entry(0x00281203, "OW", "Blue Palette Color Lookup Table Data"),
    "AlphaPaletteColorLookupTableData": Entry(0x00281204, "OW", "Alpha Palette Color Lookup Table Data"),
    "SegmentedRedPaletteColorLookupTableData": Entry(0x00281221, "OW", "Segmented Red Palette Color Lookup Table Data"),
    "SegmentedGreenPaletteColorLookupTableData": Entry(
        0x00281222, "OW", "Segmented Green Palette Color Lookup Table Data"
    ),
    "SegmentedBluePaletteColorLookupTableData": Entry(
        0x00281223, "OW", "Segmented Blue Palette Color Lookup Table Data"
    ),
    "SegmentedAlphaPaletteColorLookupTableData": Entry(
        0x00281224, "OW", "Segmented Alpha Palette Color Lookup Table Data"
    ),
    "ExtendedOffsetTable": Entry(0x7FE00001, "OV", "Extended Offset Table"),
    "ExtendedOffsetTableLengths": Entry(0x7FE00002, "OV", "Extended Offset Table Lengths"),
    "FloatPixelData": Entry(0x7FE00008, "OF", "Float Pixel Data"),
    "DoubleFloatPixelData": Entry(0x7FE00009, "OD", "Double Float Pixel Data"),
    "PixelData": Entry(0x7FE00010, "OB or OW", "Pixel Data"),
}

#: The same entries by tag.
BY_TAG: dict[int, Entry] = {e.tag: e for e in ENTRIES.values()}


def entry(keyword: str) -> Entry | None:
    """The table's entry for ``keyword``; None when the table does not hold it."""
    return ENTRIES.get(keyword)
