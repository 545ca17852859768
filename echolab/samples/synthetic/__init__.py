"""Generators of sample files with known answers.

- :mod:`.screens` — realistic scanner screens laid out like real Toshiba and GE files: 2D + PW
  Doppler + ECG, 2D + M-mode, and a cine whose timing elements disagree, each returned with what
  it drew (envelopes, wall depths, R peaks, frame times);
- :mod:`.reports` — an echo exam of those screens with its TID 5200 Structured Report, written in
  several vendor styles, calipers on the drawn structures and every measurement's known answer
  (:mod:`.report_codes`, :mod:`.report_calipers` and :mod:`.report_tree` are its parts).
"""

from .screens import (
    DopplerTruth,
    MModeTruth,
    TimingTruth,
    ecg_waveform,
    write_doppler_sample,
    write_mmode_sample,
    write_timing_sample,
)

__all__ = [
    "DopplerTruth",
    "MModeTruth",
    "TimingTruth",
    "write_doppler_sample",
    "write_mmode_sample",
    "write_timing_sample",
    "ecg_waveform",
]
