"""Many measurements on one region: the calibration read once per array against once per call, in one run.

Usage::

    python benchmarks/calibration.py [--calls 2000] [--rounds 5]

Before the ``echo`` accessor (:mod:`echolab.calibration`), every analysis call rebuilt the region's
calibration from the DataArray's attrs (``Axis.from_attrs`` for both axes, the box, the kind …).
Now the accessor reads them once per array and keeps the result. The script takes the generated PW
Doppler strip (``synthetic-doppler.dcm``, region 1) and times, in CPU time, the same series of
calls — ``measure.velocity_at``, ``measure.value_at``, ``measure.time_between`` and
``doppler.nyquist_velocity`` — two ways, alternating rounds:

- *per call* (the reference: the work of every call before): each call is given
  ``RegionCalibration.from_attrs(strip.attrs)``, the calibration rebuilt from the attrs;
- *per array* (now): each call is given the DataArray, whose ``echo`` accessor answers.

It prints microseconds per call for both (the best round of each) and their ratio. The figure
shows that the parse-back is gone from the calls; it is not a goal of an issue, so there is no
PASS/FAIL.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import echolab
from echolab import doppler, measure
from echolab.calibration import RegionCalibration
from echolab.samples import sample


def series(region: Callable[[], Any]) -> None:
    """The calls one round makes per step: four measurements, each on ``region()``."""
    measure.velocity_at(region(), 300)
    measure.value_at(region(), 400, 260)
    measure.time_between(region(), 100, 340, pixels=True)
    doppler.nyquist_velocity(region(), pulse_repetition_frequency_hz=4000, transducer_frequency_khz=2500)


def cpu_us_per_call(step: Callable[[], None], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        step()
    return (time.process_time() - start) / (4 * calls) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="steps (of four calls) per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        strip = echolab.open(sample("synthetic-doppler.dcm")).region(1)
    attrs, source = strip.attrs, echolab.conventions.source_of(strip)

    def per_call() -> None:
        series(lambda: RegionCalibration.from_attrs(attrs, source))

    def per_array() -> None:
        series(lambda: strip)

    per_array()  # the accessor's one read, and warm caches, before timing
    before, after = [], []
    for _ in range(args.rounds):
        before.append(cpu_us_per_call(per_call, args.calls))
        after.append(cpu_us_per_call(per_array, args.calls))
    best_before, best_after = min(before), min(after)
    print(f"{4 * args.calls} analysis calls on one region, best of {args.rounds} rounds (CPU time):")
    print(f"  calibration rebuilt from attrs on every call (before): {best_before:8.1f} us per call")
    print(f"  calibration read once per array (da.echo, now):        {best_after:8.1f} us per call")
    print(f"  ratio: {best_before / best_after:.2f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
