"""``core.export.reopen``: a saved run folder read back as the run training returned,
with its split, metrics and history; the bad cases are one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.cli import main
from core.errors import DataError, ExportError
from core.export.reopen import NO_RECORD, open_run, outcome_bundle, read_history

BASE = ("--target", "y", "--model", "mlp", "--hidden", "4", "--device", "cpu",
        "--epochs", "3")


def _csv(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 90)
    pd.DataFrame({"a": rng.normal(size=90) + 2 * y, "b": rng.normal(size=90),
                  "y": y}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reopen")
    data = _csv(root / "t.csv", 0)
    assert main(["train", str(data), *BASE, "--out", str(root / "run")]) == 0
    return root / "run"


def test_a_run_reads_back_as_trained(run: Path) -> None:
    outcome = open_run(run)
    saved = json.loads((run / "metrics.json").read_text())
    assert outcome.metrics["test"]["accuracy"] == pytest.approx(saved["test"]["accuracy"])
    assert outcome.result.epochs_run == 3 and outcome.result.best_epoch == saved["best_epoch"]
    assert [r["epoch"] for r in outcome.result.history.rows] == [1, 2, 3]
    assert set(outcome.baseline) == set(saved["baseline"])
    assert len(outcome.split.test) == saved["split_sizes"]["test"]
    assert outcome.result.checkpoint is not None and outcome.result.checkpoint.epoch == 3
    table = outcome_bundle(outcome).predictions_table(outcome.dataset)
    assert len(table) == len(outcome.dataset)


def test_changed_data_is_a_note_and_missing_data_an_error(run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    data = run.parent / "t.csv"
    original = data.read_bytes()
    try:
        _csv(data, 5)  # same size, other values
        outcome = open_run(copy)
        assert any(n.startswith("the data changed") for n in outcome.notes)
        data.unlink()
        with pytest.raises(DataError, match="not there any more"):
            open_run(copy)
        moved = tmp_path / "moved.csv"
        moved.write_bytes(original)
        located = open_run(copy, source=str(moved))
        assert not any(n.startswith("the data changed") for n in located.notes)
    finally:
        data.write_bytes(original)


def test_without_checkpoint_or_with_broken_files_it_says_why(run: Path, tmp_path: Path) -> None:
    off = tmp_path / "off"
    shutil.copytree(run, off)
    shutil.rmtree(off / "checkpoint")
    with pytest.raises(ExportError, match="does not record which samples"):
        open_run(off)
    assert "Predict still works" in NO_RECORD
    bad = tmp_path / "bad"
    shutil.copytree(run, bad)
    (bad / "train_config.json").write_text("{not json")
    with pytest.raises(ExportError):
        open_run(bad)
    (bad / "history.csv").write_bytes(b"\xff\xfe\x00garbage")
    assert read_history(bad / "history.csv") == []
