"""The coded concepts the synthetic echo reports are written with (PS3.16 codes, SNOMED CT for
SNOMED concepts; :func:`sct_to_srt` gives the legacy SNOMED-RT codes older scanners write)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Concept", "EXPECTED_NAMES", "UNIT_MEANINGS", "sct_to_srt"]


class Concept(NamedTuple):
    """A concept as DICOM defines it (SNOMED CT for SNOMED concepts)."""

    scheme: str
    value: str
    meaning: str


# containers and modifiers
REPORT = Concept("DCM", "125200", "Adult Echocardiography Procedure Report")
PATIENT_CHARACTERISTICS = Concept("DCM", "121118", "Patient Characteristics")
FINDINGS = Concept("DCM", "121070", "Findings")
MEASUREMENT_GROUP = Concept("DCM", "125007", "Measurement Group")
IMAGE_LIBRARY = Concept("DCM", "111028", "Image Library")
FINDING_SITE = Concept("SCT", "363698007", "Finding Site")
IMAGE_MODE = Concept("SCT", "399264008", "Image Mode")
METHOD = Concept("SCT", "370129005", "Measurement Method")
CARDIAC_CYCLE_POINT = Concept("SCT", "272518008", "Cardiac Cycle Point")
FLOW_DIRECTION = Concept("SCT", "260674002", "Direction of Flow")
DERIVATION = Concept("DCM", "121401", "Derivation")
SELECTION_STATUS = Concept("DCM", "121404", "Selection Status")
COMMENT = Concept("DCM", "121106", "Comment")
# sites, modes, phases, flows, derivations, methods, selections, qualifiers
LEFT_VENTRICLE = Concept("SCT", "87878005", "Left Ventricle")
RIGHT_VENTRICLE = Concept("SCT", "53085002", "Right Ventricle")
LEFT_ATRIUM = Concept("SCT", "82471001", "Left Atrium")
MITRAL_VALVE = Concept("SCT", "91134007", "Mitral Valve")
AORTIC_VALVE = Concept("SCT", "34202007", "Aortic Valve")
TRICUSPID_VALVE = Concept("SCT", "46030003", "Tricuspid Valve")
LVOT = Concept("SCT", "13418002", "Left Ventricle Outflow Tract")
LATERAL_MITRAL_ANNULUS = Concept("SCT", "399086000", "Lateral Mitral Annulus")
MODE_2D = Concept("SCT", "399064001", "2D mode")
MODE_M = Concept("SCT", "399155008", "M mode")
MODE_PW = Concept("SCT", "261199008", "Doppler Pulsed")
MODE_CW = Concept("SCT", "261198000", "Doppler Continuous Wave")
MODE_TDI = Concept("SCT", "439858009", "Tissue Doppler Imaging")
END_DIASTOLE = Concept("SCT", "416190007", "End Diastole")
END_SYSTOLE = Concept("SCT", "416430001", "End Systole")
REGURGITANT = Concept("SCT", "397417004", "Regurgitant Flow")
ANTEGRADE = Concept("SCT", "263677008", "Antegrade Flow")
CALCULATED = Concept("SCT", "258090004", "Calculated")
TEICHHOLZ = Concept("DCM", "125209", "Teichholz")
SIMPLIFIED_BERNOULLI = Concept("DCM", "125218", "Simplified Bernoulli")
SELECTIONS = {
    "121412": Concept("DCM", "121412", "Mean value chosen"),
    "121411": Concept("DCM", "121411", "Most recent value chosen"),
}
NOT_ATTEMPTED = Concept("DCM", "114007", "Measurement not attempted")
# measurements (CID 12200 - 12300)
IVSD = Concept("LN", "18154-5", "Interventricular Septum Diastolic Thickness")
LVIDD = Concept("LN", "29436-3", "Left Ventricle Internal End Diastolic Dimension")
LVPWD = Concept("LN", "18152-9", "Left Ventricle Posterior Wall Diastolic Thickness")
LVIDS = Concept("LN", "29438-9", "Left Ventricle Internal Systolic Dimension")
FS = Concept("LN", "18051-3", "Left Ventricular Fractional Shortening")
EF = Concept("LN", "18043-0", "Left Ventricular Ejection Fraction by US")
E_WAVE = Concept("LN", "59080-2", "E-Wave Peak Velocity")
A_WAVE = Concept("LN", "59081-0", "A-Wave Peak Velocity")
E_OVER_A = Concept("LN", "59104-0", "Peak E wave/Peak A wave by US")
DECELERATION_TIME = Concept("LN", "20217-6", "Deceleration Time")
E_OVER_E_PRIME = Concept("LN", "59111-5", "E Velocity to Annulus E Velocity Ratio")
PEAK_VELOCITY = Concept("LN", "20355-4", "Peak Blood Velocity")
PEAK_GRADIENT = Concept("LN", "20247-3", "Peak Gradient")
MEAN_GRADIENT = Concept("LN", "20256-4", "Mean Gradient")
VTI = Concept("LN", "20354-7", "Velocity Time Integral")
ORIFICE_AREA = Concept("SCT", "399367004", "Cardiovascular Orifice Area")
ORIFICE_DIAMETER = Concept("SCT", "399027007", "Cardiovascular Orifice Diameter")
TAPSE = Concept("LN", "77903-3", "Tricuspid Annular Plane Systolic Excursion (TAPSE)")
RVSP = Concept("SCT", "399023006", "Right Ventricular Peak Systolic Pressure")
LA_VOLUME = Concept("SCT", "399235004", "Left Atrium Systolic Volume")
LAVI = Concept("LN", "79984-1", "Left atrial end systolic volume biplane (MOD) / BSA")
VENDOR_LA_DIAMETER = Concept("99ECHOLAB", "ECL-0001", "LA Diam (vendor)")
VENDOR_SITE = Concept("99ECHOLAB", "ECL-S01", "Left Atrium (vendor)")
# patient characteristics (TID 5201)
HEIGHT = Concept("LN", "8302-2", "Patient Height")
WEIGHT = Concept("LN", "29463-7", "Patient Weight")
BSA = Concept("LN", "8277-6", "Body Surface Area")
HEART_RATE = Concept("LN", "8867-4", "Heart Rate")
SYSTOLIC_BP = Concept("SCT", "271649006", "Systolic Blood Pressure")
DIASTOLIC_BP = Concept("SCT", "271650006", "Diastolic Blood Pressure")

#: Short names of the measurements written (as :mod:`echolab.reports.names` gives them).
EXPECTED_NAMES = {
    (IVSD, None): "IVSd",
    (LVIDD, None): "LVIDd",
    (LVPWD, None): "LVPWd",
    (LVIDS, None): "LVIDs",
    (FS, None): "FS",
    (EF, None): "EF",
    (E_WAVE, MITRAL_VALVE): "E",
    (E_WAVE, LATERAL_MITRAL_ANNULUS): "e' lateral",
    (A_WAVE, MITRAL_VALVE): "A",
    (E_OVER_A, MITRAL_VALVE): "E/A",
    (DECELERATION_TIME, MITRAL_VALVE): "DT",
    (E_OVER_E_PRIME, MITRAL_VALVE): "E/e'",
    (PEAK_VELOCITY, AORTIC_VALVE): "AV Vmax",
    (PEAK_GRADIENT, AORTIC_VALVE): "AV peak PG",
    (MEAN_GRADIENT, AORTIC_VALVE): "AV mean PG",
    (ORIFICE_AREA, AORTIC_VALVE): "AVA",
    (ORIFICE_DIAMETER, LVOT): "LVOT diam",
    (VTI, LVOT): "LVOT VTI",
    (PEAK_VELOCITY, TRICUSPID_VALVE): "TR Vmax",
    (PEAK_GRADIENT, TRICUSPID_VALVE): "TR peak PG",
    (TAPSE, RIGHT_VENTRICLE): "TAPSE",
    (RVSP, RIGHT_VENTRICLE): "RVSP",
    (LA_VOLUME, LEFT_ATRIUM): "LA volume",
    (LAVI, LEFT_ATRIUM): "LAVI",
    (VENDOR_LA_DIAMETER, VENDOR_SITE): "LA Diam (vendor)",
}

UNIT_MEANINGS = {
    "cm": "centimeter",
    "mm": "millimeter",
    "cm/s": "centimeter per second",
    "m/s": "meter per second",
    "ms": "millisecond",
    "%": "percent",
    "{ratio}": "ratio",
    "mm[Hg]": "millimeter of mercury",
    "cm2": "square centimeter",
    "ml": "milliliter",
    "ml/m2": "milliliter per square meter",
    "kg": "kilogram",
    "m2": "square meter",
    "{H.B.}/min": "BPM",
}


def sct_to_srt() -> dict[str, str]:
    """SNOMED CT code value -> legacy SNOMED-RT code value, from the mapping pydicom ships."""
    from pydicom.sr._snomed_dict import mapping

    return dict(mapping["SCT"])
