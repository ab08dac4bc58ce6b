"""A linear network read in the data's units: the course's y = 1 + 2x + noise comes back."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from app.cli import main
from core.data.dataset import Dataset
from core.train.coefficients import equation, linear_coefficients
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared


def line_data(n: int = 400, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n)  # mean 5, deviation 2.9: the network saw (x - 5) / 2.9
    y = 1 + 2 * x + rng.normal(0, 1.0, n)
    return Dataset("line", "tabular", "regression", pd.DataFrame({"x": x}),
                   y.astype(np.float32), [f"r{i}" for i in range(n)])


def train(ds: Dataset | str, network: str = "linear", epochs: int = 60, lr: float = 0.05):
    prepared = prepare_run(ds, network=network, seed=0)
    return train_prepared(prepared, TrainConfig(epochs=epochs, lr=lr, seed=0), baselines=False)


def test_y_equals_1_plus_2x_reads_back_in_the_data_units() -> None:
    outcome = train(line_data())
    coef = linear_coefficients(outcome)
    assert coef is not None
    assert coef["intercept"] == pytest.approx(1.0, abs=0.15)
    assert coef["coefficients"]["x"] == pytest.approx(2.0, abs=0.03)
    assert coef["equation"].startswith("y = ") and coef["equation"].endswith(" x")
    a, b = coef["intercept"], coef["coefficients"]["x"]
    assert coef["equation"] == f"y = {a:.4f} + {b:.4f} x"


def test_the_coefficients_reproduce_the_network_on_raw_inputs() -> None:
    outcome = train("demo:iris", epochs=3)  # classification: one line per class
    coef = linear_coefficients(outcome)
    assert set(coef["intercept"]) == {"setosa", "versicolor", "virginica"}
    raw = outcome.dataset.records.to_numpy(dtype=np.float64)
    names = list(outcome.dataset.records.columns)
    ours = np.column_stack([coef["intercept"][c] + raw @ [coef["coefficients"][c][f]
                                                          for f in names]
                            for c in outcome.data.class_names])
    with torch.no_grad():
        theirs = outcome.result.model(torch.as_tensor(
            outcome.preprocessing.transform(outcome.dataset))).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    assert coef["equation"].splitlines()[0].startswith("score(setosa) = ")


def test_a_network_with_hidden_layers_or_sequences_has_no_coefficients() -> None:
    assert linear_coefficients(train(line_data(), network="mlp", epochs=1)) is None
    assert linear_coefficients(train("demo:motif", epochs=1)) is None


def test_equation_text() -> None:
    assert equation("y", 1.02349, {"x": 1.96901, "z": -0.5}) == "y = 1.0235 + 1.9690 x - 0.5000 z"
    many = equation("y", 0.0, {f"f{i}": 1.0 for i in range(9)})
    assert many.endswith("+ 1.0000 f5 + \u2026") and "f6" not in many


def test_mendel_train_json_and_text_show_the_coefficients(tmp_path, capsys) -> None:
    ds = line_data()
    path = tmp_path / "line.csv"
    pd.DataFrame({"x": ds.records["x"], "y": ds.targets}).to_csv(path, index=False)
    assert main(["train", str(path), "--model", "linear", "--epochs", "60", "--lr", "0.05",
                 "--device", "cpu", "--no-baseline", "--json"]) == 0
    out = capsys.readouterr().out
    assert "linear model in the data's units:\n  y = " in out
    coef = json.loads(out.strip().splitlines()[-1])["coefficients"]
    assert coef["coefficients"]["x"] == pytest.approx(2.0, abs=0.05)
    assert coef["intercept"] == pytest.approx(1.0, abs=0.3)
