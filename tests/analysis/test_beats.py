"""Heartbeats of a file (echolab.analysis.beats): from (0018,6060) R Wave Time Vector, else the drawn ECG."""

from __future__ import annotations

import numpy as np

import echolab
from echolab.analysis.beats import beats
from echolab.codes import BeatSource
from echolab.conventions import BEAT_TIME_BASE

from ..cines import R_WAVES_MS, Cine, make_cine


def test_beats_from_the_r_wave_time_vector_start_where_it_says(cine: Cine) -> None:
    f = echolab.open(cine.dataset)
    table = beats(f)
    assert list(table.columns) == ["start", "stop", "rr", "heart_rate", "source"]
    assert np.allclose(table["start"], np.array(R_WAVES_MS[:-1]) / 1000)
    assert np.allclose(table["stop"], np.array(R_WAVES_MS[1:]) / 1000)
    assert np.allclose(table["heart_rate"], 60 / np.diff(R_WAVES_MS) * 1000)
    assert set(table["source"]) == {BeatSource.R_WAVE_TIME_VECTOR.value}
    assert table.attrs[BEAT_TIME_BASE] == "frames"


def test_no_r_waves_and_no_ecg_give_an_empty_table(cine: Cine) -> None:
    table = beats(echolab.open(make_cine(r_waves=None).dataset))
    assert len(table) == 0 and list(table.columns) == ["start", "stop", "rr", "heart_rate", "source"]


def test_beats_from_a_drawn_ecg_are_on_its_own_clock() -> None:
    from echolab.samples import sample

    table = beats(echolab.open(sample("synthetic-doppler.dcm")))
    truth = echolab.samples.sample_truth("synthetic-doppler.dcm").r_peaks
    assert np.allclose(table["start"], truth[:-1], atol=0.02)
    assert table.attrs[BEAT_TIME_BASE] == "ECG trace region 2"
