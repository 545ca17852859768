"""Short conventional names of echo measurements: LVIDd, IVSd, EF, E, A, E/A, DT, e', TAPSE, AV Vmax ...

An echo report codes a measurement in one of two ways (PS3.17 Annex CCCC):

- pre-coordinated: one code says everything, as the "Core Echo Measurement" codes of CID 12300
  ((79964-3, LN, "Aortic valve Vmax"), (77903-3, LN, "Tricuspid Annular Plane Systolic
  Excursion (TAPSE)"));
- post-coordinated, as TID 5200 / 5203 write most of them: a generic concept of CID 12200 to
  12222 with the structure in its Finding Site and, where it matters, the Direction of Flow
  ((20355-4, LN, "Peak Blood Velocity") at the aortic valve is AV Vmax; at the tricuspid valve
  with regurgitant flow it is TR Vmax).

:data:`SHORT_NAMES` maps both to the name a sonographer reads on the screen. An entry names a
concept and optionally the finding site, flow direction and image mode it needs; the entry that
matches most of the measurement's modifiers wins, and a measurement no entry matches keeps its
meaning as its name. Every concept and site here is a member of the PS3.16 tables pydicom ships
(``tests/reports/test_names.py`` checks each code and its meaning against them).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from .concepts import ConceptKey

__all__ = ["ShortName", "SHORT_NAMES", "short_name", "SITES", "FLOWS", "MODES"]

#: Finding sites the names use (SNOMED CT; CID 12236 / 12305 and the cardiac structures of CID 4).
SITES: dict[str, str] = {
    "LV": "87878005",  # Left ventricle
    "RV": "53085002",  # Right ventricle
    "LA": "82471001",  # Left atrium
    "RA": "73829009",  # Right atrium
    "MV": "91134007",  # Mitral Valve
    "AV": "34202007",  # Aortic Valve
    "TV": "46030003",  # Tricuspid valve
    "PV": "39057004",  # Pulmonic Valve
    "LVOT": "13418002",  # Left ventricle outflow tract
    "RVOT": "44627009",  # Right ventricle outflow tract
    "MA": "65197004",  # Mitral Annulus
    "MA lateral": "399086000",  # Lateral Mitral Annulus
    "MA medial": "399093001",  # Medial Mitral Annulus
    "TA": "113259005",  # Tricuspid Annulus
    "Ao root": "8128003",  # Aortic Root
}

#: Flow directions the names use (CID 12221).
FLOWS: dict[str, str] = {"regurgitant": "397417004", "antegrade": "263677008"}

#: Image modes the names use (CID 12224).
MODES: dict[str, str] = {"2D": "399064001", "M": "399155008", "PW": "261199008", "CW": "261198000", "TDI": "439858009"}


class ShortName(NamedTuple):
    """One entry of :data:`SHORT_NAMES`: ``name`` for concept (``scheme``, ``code``), when the
    measurement's finding site / flow direction / image mode are those given (None: any)."""

    name: str
    scheme: str
    code: str
    site: str | None = None
    flow: str | None = None
    mode: str | None = None


def _entries() -> list[ShortName]:
    s, f = SITES, FLOWS
    ln, sct = "LN", "SCT"
    return [
        # --- left ventricle: dimensions, walls, function (CID 12201 / 12202 / 12203, 12300) ---
        ShortName("LVIDd", ln, "29436-3"),
        ShortName("LVIDd", ln, "80007-8"),
        ShortName("LVIDd", ln, "80008-6"),
        ShortName("LVIDs", ln, "29438-9"),
        ShortName("LVIDs", ln, "80011-0"),
        ShortName("LVIDs", ln, "80012-8"),
        ShortName("IVSd", ln, "18154-5"),
        ShortName("IVSd", ln, "79969-2"),
        ShortName("IVSd", ln, "79968-4"),
        ShortName("IVSs", ln, "18158-6"),
        ShortName("IVSs", ln, "79971-8"),
        ShortName("IVSs", ln, "79970-0"),
        ShortName("LVPWd", ln, "18152-9"),
        ShortName("LVPWd", ln, "80032-6"),
        ShortName("LVPWd", ln, "80031-8"),
        ShortName("LVPWs", ln, "18156-0"),
        ShortName("LVPWs", ln, "80034-2"),
        ShortName("LVPWs", ln, "80033-4"),
        ShortName("FS", ln, "18051-3"),
        ShortName("FS", ln, "29434-8"),
        ShortName("FS", ln, "29435-5"),
        ShortName("EF", ln, "18043-0"),
        ShortName("EF biplane", ln, "79991-6"),
        ShortName("EF A4C", ln, "79993-2"),
        ShortName("EF A2C", ln, "79992-4"),
        ShortName("EF Teichholz", ln, "18049-7"),
        ShortName("EF Teichholz", ln, "77891-0"),
        ShortName("EF 3D", ln, "79990-8"),
        ShortName("EDV", ln, "18026-5"),
        ShortName("EDV biplane", ln, "79996-5"),
        ShortName("ESV", ln, "18148-7"),
        ShortName("ESV biplane", ln, "80001-1"),
        ShortName("LV mass", ln, "18087-7"),
        ShortName("LV mass", ln, "80025-0"),
        ShortName("IVRT", ln, "18071-1"),
        ShortName("SV", sct, "90096001"),
        ShortName("CO", sct, "82799009"),
        ShortName("CI", sct, "54993008"),
        ShortName("SI", sct, "277381004"),
        ShortName("HR", ln, "8867-4"),
        # --- mitral inflow and annulus (CID 12207, 12200, 12300) ---
        ShortName("E", ln, "59080-2"),
        ShortName("E", ln, "59080-2", site=s["MV"]),
        ShortName("E", ln, "18037-2"),
        ShortName("E", ln, "80070-6"),
        ShortName("A", ln, "59081-0"),
        ShortName("A", ln, "59081-0", site=s["MV"]),
        ShortName("A", ln, "17978-8"),
        ShortName("A", ln, "80066-4"),
        ShortName("E/A", ln, "59104-0"),
        ShortName("E/A", ln, "59104-0", site=s["MV"]),
        ShortName("E/A", ln, "18038-0"),
        ShortName("DT", ln, "20217-6"),
        ShortName("DT", ln, "20217-6", site=s["MV"]),
        ShortName("DT", sct, "399354002"),
        ShortName("DT", ln, "78191-4"),
        ShortName("e'", ln, "59080-2", site=s["MA"]),
        ShortName("e' lateral", ln, "59080-2", site=s["MA lateral"]),
        ShortName("e' septal", ln, "59080-2", site=s["MA medial"]),
        ShortName("e'", sct, "399133000"),
        ShortName("e' lateral", ln, "80054-0"),
        ShortName("e' septal", ln, "79911-4"),
        ShortName("a'", ln, "59081-0", site=s["MA"]),
        ShortName("a'", sct, "399007006"),
        ShortName("s'", sct, "399167005"),
        ShortName("E/e'", ln, "59111-5"),
        ShortName("E/e'", sct, "399140004"),
        ShortName("MV Vmax", ln, "20355-4", site=s["MV"]),
        ShortName("MV Vmax", ln, "79913-0"),
        ShortName("MR Vmax", ln, "20355-4", site=s["MV"], flow=f["regurgitant"]),
        ShortName("MR Vmax", ln, "11726-7", site=s["MV"], flow=f["regurgitant"]),
        ShortName("MR Vmax", ln, "80062-3"),
        ShortName("MV peak PG", ln, "20247-3", site=s["MV"]),
        ShortName("MV peak PG", ln, "80074-8"),
        ShortName("MV mean PG", ln, "20256-4", site=s["MV"]),
        ShortName("MV mean PG", ln, "80073-0"),
        ShortName("MV VTI", ln, "20354-7", site=s["MV"]),
        ShortName("MV VTI", ln, "79914-8"),
        ShortName("MV PHT", ln, "20280-4", site=s["MV"]),
        ShortName("MV PHT", ln, "79912-2"),
        ShortName("MVA", sct, "399367004", site=s["MV"]),
        ShortName("MVA planimetry", ln, "80068-0"),
        ShortName("MVA PHT", ln, "80069-8"),
        ShortName("MVA PISA", ln, "80067-2"),
        # --- aortic valve and outflow tract (CID 12211, 12300) ---
        ShortName("AV Vmax", ln, "20355-4", site=s["AV"]),
        ShortName("AV Vmax", ln, "11726-7", site=s["AV"]),
        ShortName("AV Vmax", ln, "59107-3", site=s["AV"]),
        ShortName("AV Vmax", ln, "79964-3"),
        ShortName("AV Vmean", ln, "20352-1", site=s["AV"]),
        ShortName("AV Vmean", ln, "79961-9"),
        ShortName("AV peak PG", ln, "20247-3", site=s["AV"]),
        ShortName("AV peak PG", ln, "59106-5", site=s["AV"]),
        ShortName("AV peak PG", ln, "79963-5"),
        ShortName("AV mean PG", ln, "20256-4", site=s["AV"]),
        ShortName("AV mean PG", ln, "79962-7"),
        ShortName("AV VTI", ln, "20354-7", site=s["AV"]),
        ShortName("AV VTI", ln, "79965-0"),
        ShortName("AVA", sct, "399367004", site=s["AV"]),
        ShortName("AVA", ln, "79958-5"),
        ShortName("AVA Vmax", ln, "79956-9"),
        ShortName("AR PHT", ln, "20280-4", site=s["AV"]),
        ShortName("AR PHT", ln, "79947-8"),
        ShortName("AR Vmax", ln, "20355-4", site=s["AV"], flow=f["regurgitant"]),
        ShortName("AR Vmax", ln, "79949-4"),
        ShortName("LVOT diam", sct, "399027007", site=s["LVOT"]),
        ShortName("LVOT diam", ln, "80028-4"),
        ShortName("LVOT VTI", ln, "20354-7", site=s["LVOT"]),
        ShortName("LVOT VTI", ln, "80030-0"),
        ShortName("LVOT Vmax", ln, "20355-4", site=s["LVOT"]),
        ShortName("LVOT Vmax", ln, "11726-7", site=s["LVOT"]),
        ShortName("LVOT Vmax", ln, "80029-2"),
        ShortName("LVOT Vmean", ln, "20352-1", site=s["LVOT"]),
        ShortName("Ao annulus", ln, "79940-3"),
        ShortName("Ao root", ln, "18015-8"),
        ShortName("Ao root", ln, "79953-6"),
        ShortName("Ao root", sct, "399027007", site=s["Ao root"]),
        ShortName("STJ", ln, "79955-1"),
        ShortName("Asc Ao", ln, "18012-5"),
        ShortName("Asc Ao", ln, "79966-8"),
        # --- tricuspid valve, right heart (CID 12204, 12208, 12300) ---
        ShortName("TV E", ln, "59080-2", site=s["TV"]),
        ShortName("TV E", ln, "18031-5"),
        ShortName("TV E", ln, "79925-4"),
        ShortName("TV A", ln, "59081-0", site=s["TV"]),
        ShortName("TV A", ln, "18030-7"),
        ShortName("TV A", ln, "79923-9"),
        ShortName("TV E/A", ln, "59104-0", site=s["TV"]),
        ShortName("TV E/A", ln, "18039-8"),
        ShortName("TV DT", ln, "20217-6", site=s["TV"]),
        ShortName("TV DT", ln, "79931-2"),
        ShortName("TV e'", ln, "59080-2", site=s["TA"]),
        ShortName("TV e'", ln, "79924-7"),
        ShortName("RV s'", ln, "79926-2"),
        ShortName("TV Vmax", ln, "20355-4", site=s["TV"]),
        ShortName("TV Vmax", ln, "79927-0"),
        ShortName("TR Vmax", ln, "20355-4", site=s["TV"], flow=f["regurgitant"]),
        ShortName("TR Vmax", ln, "11726-7", site=s["TV"], flow=f["regurgitant"]),
        ShortName("TR Vmax", ln, "79921-3"),
        ShortName("TV peak PG", ln, "20247-3", site=s["TV"]),
        ShortName("TV peak PG", ln, "79939-5"),
        ShortName("TR peak PG", ln, "20247-3", site=s["TV"], flow=f["regurgitant"]),
        ShortName("TR peak PG", ln, "79937-9"),
        ShortName("TV mean PG", ln, "20256-4", site=s["TV"]),
        ShortName("TV mean PG", ln, "79938-7"),
        ShortName("TAPSE", ln, "77903-3"),
        ShortName("RVSP", sct, "399023006"),
        ShortName("RAP", ln, "18070-3"),
        ShortName("RVIDd", ln, "20304-2"),
        ShortName("RVIDs", ln, "20305-9"),
        ShortName("RV basal diam", ln, "80080-5"),
        ShortName("RV mid diam", ln, "80085-4"),
        ShortName("RVAWd", ln, "18153-7"),
        ShortName("RV FAC", ln, "79936-1"),
        ShortName("RVOT diam", sct, "399027007", site=s["RVOT"]),
        ShortName("RVOT VTI", ln, "20354-7", site=s["RVOT"]),
        ShortName("RVOT VTI", ln, "80089-6"),
        # --- pulmonic valve (CID 12209, 12300) ---
        ShortName("PV Vmax", ln, "20355-4", site=s["PV"]),
        ShortName("PV Vmax", ln, "11726-7", site=s["PV"]),
        ShortName("PV Vmax", ln, "79920-5"),
        ShortName("PV peak PG", ln, "20247-3", site=s["PV"]),
        ShortName("PV peak PG", ln, "79935-3"),
        ShortName("PV AT", ln, "20168-1", site=s["PV"]),
        ShortName("PV AT", ln, "79928-8"),
        ShortName("PV VTI", ln, "20354-7", site=s["PV"]),
        ShortName("PV VTI", ln, "79910-6"),
        # --- atria (CID 12205, 12206, 12300) ---
        ShortName("LA diam", ln, "29469-4"),
        ShortName("LA diam", ln, "79975-9"),
        ShortName("LA diam", ln, "79977-5"),
        ShortName("LA volume", sct, "399235004"),
        ShortName("LA volume", ln, "79983-3"),
        ShortName("LA volume A-L", ln, "79981-7"),
        ShortName("LA volume A4C", ln, "79986-6"),
        ShortName("LA volume A2C", ln, "79985-8"),
        ShortName("LAVI", ln, "79984-1"),
        ShortName("LAVI A-L", ln, "79982-5"),
        ShortName("LA area A4C", ln, "17977-0"),
        ShortName("LA area A4C", ln, "79974-2"),
        ShortName("LA area A2C", ln, "79973-4"),
        ShortName("LA/Ao", ln, "17985-3"),
        ShortName("RA area", ln, "17988-7"),
        ShortName("RA area", ln, "80075-5"),
        # --- veins (CID 12214, 12215) ---
        ShortName("IVC", ln, "18006-7"),
        ShortName("IVC", ln, "79967-6"),
        ShortName("IVC collapse", ln, "18050-5"),
        ShortName("pulm vein S", ln, "29450-4"),
        ShortName("pulm vein D", ln, "29451-2"),
        ShortName("pulm vein Ar", ln, "29453-8"),
        ShortName("pulm vein S/D", ln, "29452-0"),
    ]


#: Every short name, in the order ties are broken (the first of equally specific entries wins).
SHORT_NAMES: tuple[ShortName, ...] = tuple(_entries())


@functools.lru_cache(maxsize=1)
def _by_concept() -> dict[ConceptKey, tuple[ShortName, ...]]:
    table: dict[ConceptKey, list[ShortName]] = {}
    for entry in SHORT_NAMES:
        table.setdefault(ConceptKey(entry.scheme, entry.code), []).append(entry)
    return {key: tuple(entries) for key, entries in table.items()}


def short_name(
    concept: ConceptKey, *, site: str | None = None, flow: str | None = None, mode: str | None = None
) -> str | None:
    """The short name of a measurement of ``concept`` at finding ``site`` with ``flow`` direction
    and image ``mode`` (SNOMED CT code values; None when the report says none); None when no
    entry of :data:`SHORT_NAMES` fits.

    An entry fits when each modifier it names equals the measurement's; the fitting entry naming
    the most modifiers wins.
    """
    best: tuple[int, ShortName] | None = None
    for entry in _by_concept().get(concept, ()):
        wanted = [(entry.site, site), (entry.flow, flow), (entry.mode, mode)]
        if any(need is not None and need != have for need, have in wanted):
            continue
        score = sum(need is not None for need, _ in wanted)
        if best is None or score > best[0]:
            best = (score, entry)
    return None if best is None else best[1].name
