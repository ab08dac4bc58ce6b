"""The GPU path end to end (issue 17): train, evaluate, export and predict on ``cuda``,
with and without mixed precision. Skipped where there is no CUDA GPU; run with
``pytest tests/gpu`` on a GPU machine (a few seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from app.cli import main

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")


@pytest.mark.parametrize("amp", [False, True], ids=["float32", "amp"])
def test_train_evaluate_export_predict_on_cuda(tmp_path: Path, capsys, amp: bool) -> None:
    out = tmp_path / "run"
    argv = ["train", "demo:motif", "--size", "600", "--epochs", "4", "--device", "cuda",
            "--out", str(out), "--json"] + (["--amp"] if amp else [])
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["device"].startswith("cuda:"), summary["device"]
    assert ("mixed precision" in summary["device"]) == amp
    assert summary["stopped_because"] == "completed"
    assert summary["onnx_max_abs_diff"] < 1e-3  # the export was checked against PyTorch
    config = json.loads((out / "train_config.json").read_text())
    assert config.get("amp", config.get("config", {}).get("amp")) == amp
    assert main(["evaluate", str(out), "demo:motif", "--json"]) == 0
    measured = json.loads(capsys.readouterr().out)
    assert measured  # metrics on the data
    assert main(["predict", str(out), "demo:motif", "--out", str(tmp_path / "p.csv")]) == 0
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 601


def test_mixed_precision_learns_as_float32_does(tmp_path: Path, capsys) -> None:
    accuracy = {}
    for amp in (False, True):
        argv = ["train", "demo:motif", "--size", "1500", "--epochs", "8", "--device", "cuda",
                "--no-baseline", "--json"] + (["--amp"] if amp else [])
        assert main(argv) == 0
        summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        accuracy[amp] = summary["test"]["accuracy"]
    assert accuracy[True] > accuracy[False] - 0.05, accuracy
