"""Fixtures of the analysis tests."""

from ..cines import cine

__all__ = ["cine"]  # the known-answer cine of tests/cines.py, a fixture of this folder
