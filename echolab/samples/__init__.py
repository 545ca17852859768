"""Sample files for notebooks, teaching, tests and Binder, with their known answers.

- :mod:`.data` — real files of pydicom and ``pydicom-data``, and generated ones, by name
  (:func:`sample`), with what a generated file holds (:func:`sample_truth`);
- :mod:`.synthetic` — the generators: realistic scanner screens with known answers.
"""

from .data import SAMPLES, sample, sample_paths, sample_truth

__all__ = ["SAMPLES", "sample", "sample_paths", "sample_truth"]
