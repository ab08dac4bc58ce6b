"""A run trained with Playground's extra features predicts from plain (x1, x2) input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.cli import main
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.playground import read_features_record, with_features
from core.errors import DataError, ExportError
from core.export.bundle import load_bundle, save_bundle
from core.export.folder import write_manifest
from core.nn.predict import predict
from core.train.config import TrainConfig
from core.train.run import run_training

KEYS = ["square1", "product", "sin2"]
EXTRAS = ["x1^2", "x1*x2", "sin(x2)"]


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    """A tiny MLP trained on xor + x1^2, x1*x2, sin(x2), saved as ``mendel train --out``."""
    ds = with_features(load_dataset("demo:xor", LoadOptions(demo_size=200)), KEYS)
    outcome = run_training(ds, network="mlp", preset_options={"hidden": (8,)},
                           config=TrainConfig(epochs=3, device="cpu", seed=0), baselines=False)
    out = tmp_path_factory.mktemp("playground") / "run"
    save_bundle(out, outcome)
    return outcome, out


def _in_memory_proba(outcome, ds) -> np.ndarray:
    """The trained model's probabilities on ``ds`` carrying the extras (no bundle involved)."""
    X = outcome.preprocessing.transform(with_features(ds, KEYS))
    return predict(outcome.result.model, X, "classification")[1]


def _plain_csv(path: Path, ds, **extra_columns) -> Path:
    pd.DataFrame({"x1": ds.records["x1"], "x2": ds.records["x2"], **extra_columns}).to_csv(
        path, index=False)
    return path


@pytest.fixture(scope="module")
def new_points():
    return load_dataset("demo:xor", LoadOptions(demo_size=40, demo_seed=7))


def test_run_folder_records_the_extras_and_reads_only_the_base_columns(xor_run):
    _, run = xor_run
    prep = json.loads((run / "preprocessing.json").read_text())
    assert prep["playground_features"] == {"base_columns": ["x1", "x2"], "keys": KEYS}
    assert prep["load_options"]["features"] == ["x1", "x2"]
    assert load_bundle(run).playground == {"base_columns": ["x1", "x2"], "keys": KEYS}


def test_two_column_csv_gets_the_extras_and_the_in_memory_predictions(xor_run, new_points,
                                                                     tmp_path):
    outcome, run = xor_run
    bundle = load_bundle(run)
    ds = bundle.load_data(str(_plain_csv(tmp_path / "new.csv", new_points)))
    assert list(ds.records.columns) == ["x1", "x2", *EXTRAS]
    table = bundle.predictions_table(ds)
    expected = _in_memory_proba(outcome, new_points)
    np.testing.assert_allclose(table[["p_-1", "p_+1"]].to_numpy(), expected, atol=1e-6)


def test_extra_columns_in_the_file_are_recomputed_not_trusted(xor_run, new_points, tmp_path):
    outcome, run = xor_run
    bundle = load_bundle(run)
    stale = _plain_csv(tmp_path / "stale.csv", new_points, **{"x1^2": 0.0, "sin(x2)": 5.0})
    ds = bundle.load_data(str(stale))
    np.testing.assert_allclose(ds.records["x1^2"], new_points.records["x1"] ** 2)
    proba = bundle.predict(ds)[1]
    np.testing.assert_allclose(proba, _in_memory_proba(outcome, new_points), atol=1e-6)


def test_python_api_predicts_a_plain_dataset_and_evaluates(xor_run, new_points):
    outcome, run = xor_run
    bundle = load_bundle(run)
    proba = bundle.predict(new_points)[1]  # a Dataset built elsewhere, without the extras
    expected = _in_memory_proba(outcome, new_points)
    np.testing.assert_allclose(proba, expected, atol=1e-6)
    metrics = bundle.evaluate(new_points)
    accuracy = float((expected.argmax(axis=1) == new_points.targets).mean())
    assert metrics["n"] == 40 and metrics["accuracy"] == pytest.approx(accuracy)


def test_cli_predict_and_evaluate_on_plain_input(xor_run, new_points, tmp_path, capsys):
    outcome, run = xor_run
    csv = _plain_csv(tmp_path / "new.csv", new_points)
    out_csv = tmp_path / "pred.csv"
    assert main(["predict", str(run), str(csv), "--out", str(out_csv)]) == 0
    table = pd.read_csv(out_csv)
    expected = _in_memory_proba(outcome, new_points)
    np.testing.assert_allclose(table[["p_-1", "p_+1"]].to_numpy(), expected, atol=1e-6)
    capsys.readouterr()

    assert main(["evaluate", str(run), "demo:xor", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    demo = load_dataset("demo:xor")  # the run's own load options: Playground's 500 points
    accuracy = float((_in_memory_proba(outcome, demo).argmax(axis=1) == demo.targets).mean())
    assert result["metrics"]["n"] == 500
    assert result["metrics"]["accuracy"] == pytest.approx(accuracy)


def test_missing_base_column_is_one_line_naming_the_columns(xor_run, new_points, tmp_path,
                                                            capsys):
    _, run = xor_run
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"x1": new_points.records["x1"], "height": 1.0}).to_csv(bad, index=False)
    assert main(["predict", str(run), str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert "'x1' and 'x2'" in err and "x1^2, x1*x2, sin(x2)" in err and str(bad) in err

    bundle = load_bundle(run)
    only_x1 = load_dataset(str(bad), LoadOptions(labelled=False))
    with pytest.raises(DataError, match=r"needs columns 'x1' and 'x2'.*columns are: x1, height"):
        bundle.predict(only_x1)


def test_text_in_a_base_column_is_a_data_error(xor_run, tmp_path):
    _, run = xor_run
    bad = tmp_path / "text.csv"
    bad.write_text("x1,x2\n1.0,2.0\n0.5,abc\n")
    bundle = load_bundle(run)
    with pytest.raises(DataError, match=r"column 'x2' holds 'abc', which is not a number"):
        bundle.predict(bundle.load_data(str(bad)))


def test_damaged_record_is_refused_when_the_run_is_loaded(xor_run, tmp_path):
    _, run = xor_run
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    prep_path = copy / "preprocessing.json"
    prep = json.loads(prep_path.read_text())
    prep["playground_features"]["keys"] = ["cube"]
    prep_path.write_text(json.dumps(prep))
    write_manifest(copy)  # as one who edits the record by hand might
    with pytest.raises(ExportError, match="unknown Playground feature 'cube'"):
        load_bundle(copy)
    with pytest.raises(DataError, match="base_columns"):
        read_features_record({"base_columns": ["x1"], "keys": ["sin1"]})
    assert read_features_record(None) is None


def test_evaluating_from_a_csv_matches_numeric_labels_to_the_classes(xor_run, new_points,
                                                                    tmp_path, capsys):
    outcome, run = xor_run
    labels = np.where(new_points.targets == 1, 1, -1)  # "+1" reads back from a CSV as 1
    csv = _plain_csv(tmp_path / "labelled.csv", new_points, label=labels)
    assert main(["evaluate", str(run), str(csv), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    expected = _in_memory_proba(outcome, new_points).argmax(axis=1)
    assert result["metrics"]["accuracy"] == pytest.approx(
        float((expected == new_points.targets).mean()))
