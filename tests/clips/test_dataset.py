"""The clips of a store as a dataset for learning (echolab.clips.dataset)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from echolab import clips


def test_export_per_beat_and_the_dataset(cine_file: str, tmp_path: Path) -> None:
    out = tmp_path / "beats.zarr"
    results = clips.export([cine_file], out, spacing=0.1, size=64, phases=10, workers=0, salt="pepper", progress=False)
    assert len(results[0].clips) == 2 and results[0].clips[0].endswith("_r0_b0")
    key = results[0].clips[0].split("_r")[0]
    dataset = clips.ClipDataset(out, labels={key: 1.0})
    assert len(dataset) == 2
    item = dataset[1]
    assert item["clip"].shape == (1, 10, 64, 64) and item["clip"].dtype == np.uint8
    assert np.allclose(item["phase"], np.arange(10) / 10) and item["time"][0] == pytest.approx(0.78)
    assert item["label"] == 1.0 and item["spacing"] == 0.1
    assert dataset.attrs(1)["beat_start_s"] == pytest.approx(0.78)
    dataset[0]  # opens the store
    copy_ = pickle.loads(pickle.dumps(dataset))  # picklable after use (for worker processes)
    assert np.array_equal(copy_[0]["clip"], dataset[0]["clip"])


def test_a_pytorch_dataloader_batches_the_clips(cine_file: str, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    out = tmp_path / "beats.zarr"
    clips.export([cine_file], out, spacing=0.1, size=32, phases=8, workers=0, progress=False)
    loader = torch.utils.data.DataLoader(clips.ClipDataset(out), batch_size=2, num_workers=1)
    (batch,) = list(loader)
    assert tuple(batch["clip"].shape) == (2, 1, 8, 32, 32) and batch["clip"].dtype == torch.uint8
    assert batch["time"].shape == (2, 8) and len(batch["name"]) == 2
