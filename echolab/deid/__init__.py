"""Share safely: de-identify ultrasound DICOM files, header and burned-in pixels.

:func:`deidentify` writes a copy of each file that

- has its header cleaned by DICOM PS3.15 Annex E, Basic Application Level Confidentiality
  Profile (Table E.1-1, :mod:`echolab.deid.profile`): names, IDs, birth date, addresses,
  institution, physicians, operators, station, serial numbers and free text removed or emptied,
  private elements removed, UIDs replaced by keyed hashes of a secret salt (the same input UID
  always gives the same ``2.25.`` UID, so studies and series stay together), dates shifted per
  patient (or kept, or removed), and the de-identification recorded in (0012,0062) Patient
  Identity Removed, (0012,0063) De-identification Method and (0012,0064) De-identification
  Method Code Sequence;
- has every pixel outside the kept area set to 0 on every frame: the (0018,6011) region boxes, or
  the scan areas of the 2D regions; the banner with names and dates goes;
- is losslessly compressed (JPEG-LS or RLE Lossless): no second lossy generation;
- is named from its new UIDs, and checked after writing (:mod:`echolab.deid.verify`).

``OUT/deid-audit.jsonl`` gets a line per file (:mod:`echolab.deid.audit`); reruns skip the files
already done.

Example
-------
>>> from echolab.deid import deidentify
>>> results = deidentify(["study/"], "shared/", salt="a long secret")  # doctest: +SKIP
>>> [(r.status.value, r.output) for r in results]  # doctest: +SKIP
"""

from ..errors import DeidentificationError
from .area import KeepArea, KeptArea, kept_area
from .attributes import DateOption, Outcome, PatientIdentityRemoved, Secret, TemporalInformationModified, clean_dataset
from .audit import AUDIT_FILE
from .encoding import BurnedInAnnotation, Codec, CompressionMethod, LossyImageCompression, Photometric
from .profile import BASIC_PROFILE, EDITION, Action, MethodCode, ProfileRow, action_for
from .run import PROFILE, DeidResult, DeidStatus, deidentify

__all__ = [
    "deidentify",
    "DeidResult",
    "DeidentificationError",
    "DeidStatus",
    "KeepArea",
    "DateOption",
    "Codec",
    "AUDIT_FILE",
    "PROFILE",
    "EDITION",
    "BASIC_PROFILE",
    "Action",
    "ProfileRow",
    "MethodCode",
    "action_for",
    "Secret",
    "clean_dataset",
    "Outcome",
    "KeptArea",
    "kept_area",
    "PatientIdentityRemoved",
    "TemporalInformationModified",
    "BurnedInAnnotation",
    "LossyImageCompression",
    "CompressionMethod",
    "Photometric",
]
