"""Run bundles: round trip, export checks, refusing pickles, atomic writes, damaged files."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from core.atomic import write_atomic
from core.data.options import LoadOptions
from core.errors import ExportError
from core.export import onnx_export
from core.export.bundle import load_bundle, save_bundle
from core.export.folder import write_manifest
from core.export.safeload import pickle_kind, refuse_pickle
from core.nn.predict import predict
from core.nn.spec import NetworkSpec
from core.train.config import TrainConfig
from core.train.run import run_training


class _Planted:
    """Unpickling this calls ``open(path, 'w')``: the marker file proves code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204 - pickle protocol
        return (open, (str(self.marker), "w"))


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    config = TrainConfig(epochs=3, device="cpu", seed=1)
    outcome = run_training("demo:iris", network="mlp", preset_options={"hidden": (16,)},
                           config=config)
    out = tmp_path_factory.mktemp("bundle") / "run"
    report = save_bundle(out, outcome)
    return outcome, report, out


def _copy(run: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(run, dest)
    return dest


def test_bundle_holds_every_file_and_no_temporary_names(iris_run):
    outcome, report, out = iris_run
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == sorted(report.files)
    checkpoint = {n for n in names if n.startswith("checkpoint/")}  # the resumable state
    assert {"network.json", "preprocessing.json", "train_config.json", "model.safetensors",
            "model.onnx", "model.torchscript.pt", "history.csv", "metrics.json",
            "MODEL_CARD.md", "manifest.json"} == set(names) - checkpoint
    assert len(checkpoint) == 2 and "checkpoint/checkpoint.json" in checkpoint
    net = json.loads((out / "network.json").read_text())
    assert NetworkSpec.from_dict(net).to_dict() == outcome.spec.to_dict()
    assert (net["task"], net["n_outputs"], net["input_shape"]) == ("classification", 3, [4])
    assert net["class_names"] == ["setosa", "versicolor", "virginica"]
    config = TrainConfig.from_dict(json.loads((out / "train_config.json").read_text()))
    assert config == outcome.config
    history = pd.read_csv(out / "history.csv")
    assert list(history["epoch"]) == [1, 2, 3]
    assert {"train_loss", "val_loss"} <= set(history.columns)


def test_metrics_json_reports_run_baselines_and_export_checks(iris_run):
    outcome, report, out = iris_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] == pytest.approx(outcome.metrics["test"]["accuracy"])
    assert set(metrics["baseline"]) == {"logistic_regression", "decision_tree", "naive_bayes",
                                        "random_forest", "knn", "majority"}
    assert "accuracy" in metrics["baseline"]["decision_tree"]
    assert metrics["epochs_run"] == 3 and metrics["stopped_because"] == "completed"
    assert metrics["onnx_max_abs_diff"] == pytest.approx(report.onnx_max_abs_diff)
    assert 0 <= report.onnx_max_abs_diff <= 1e-4
    assert 0 <= report.torchscript_max_abs_diff <= 1e-4
    assert metrics["versions"]["torch"] == torch.__version__


def test_model_card_states_data_network_results_and_limits(iris_run):
    _, _, out = iris_run
    card = (out / "MODEL_CARD.md").read_text()
    for heading in ("## Intended use", "## Limitations", "## Data", "## Network",
                    "## Training", "## Results", "## Reproducibility"):
        assert heading in card
    assert "demo:iris" in card and "logistic regression (test)" in card
    assert "Total params" in card and "Seed: 1" in card


def test_loaded_bundle_reproduces_torch_onnx_and_torchscript_outputs(iris_run):
    outcome, _, out = iris_run
    bundle = load_bundle(out)
    X = torch.from_numpy(outcome.data.X_test)
    with torch.no_grad():
        expected = outcome.result.model.cpu().eval()(X).numpy()
        loaded = bundle.model(X).numpy()
    np.testing.assert_array_equal(loaded, expected)
    assert np.abs(onnx_export.run_onnx(out / "model.onnx", X.numpy()) - expected).max() <= 1e-4
    traced = torch.jit.load(str(out / "model.torchscript.pt"))  # our own file, in a test
    with torch.no_grad():
        assert np.abs(traced(X).numpy() - expected).max() <= 1e-4


def test_bundle_predictions_equal_in_process_predictions(iris_run):
    outcome, _, out = iris_run
    bundle = load_bundle(out)
    ds = bundle.load_data("demo:iris")
    table = bundle.predictions_table(ds)
    assert list(table.columns) == ["id", "prediction", "p_setosa", "p_versicolor",
                                   "p_virginica"]
    X = outcome.preprocessing.transform(outcome.dataset)
    pred, proba = predict(outcome.result.model, X, "classification")
    np.testing.assert_allclose(table.iloc[:, 2:].to_numpy(), proba, rtol=0, atol=1e-6)
    assert list(table["prediction"]) == [outcome.data.class_names[i] for i in pred]
    assert table["id"].tolist() == outcome.dataset.ids
    metrics = bundle.evaluate(bundle.load_data("demo:iris", labelled=True))
    assert metrics["n"] == 150 and 0 <= metrics["accuracy"] <= 1


def test_pickled_weights_are_refused_without_running_them(iris_run, tmp_path):
    _, _, out = iris_run
    run = _copy(out, tmp_path)
    marker = tmp_path / "code-ran"
    for protocol in (2, 4, 5):
        (run / "model.safetensors").write_bytes(pickle.dumps(_Planted(marker), protocol))
        write_manifest(run)  # one who plants a pickle can rewrite the manifest as well
        with pytest.raises(ExportError, match="model.safetensors: the file is a Python "
                           "pickle; Mendel never loads pickles"):
            load_bundle(run)
    assert not marker.exists()


def test_a_pickle_or_torch_archive_given_as_the_run_is_refused(tmp_path):
    marker = tmp_path / "code-ran"
    pt = tmp_path / "model.pt"
    pt.write_bytes(pickle.dumps(_Planted(marker)))
    with pytest.raises(ExportError,
                       match=r"model.pt: the file is a Python pickle.*safetensors or ONNX"):
        load_bundle(pt)
    archive = tmp_path / "weights.pth"
    torch.save({"w": torch.zeros(2)}, archive)
    assert pickle_kind(archive) == "torch archive"
    with pytest.raises(ExportError,
                       match="weights.pth: the file is a PyTorch archive of Python pickles"):
        refuse_pickle(archive)
    assert not marker.exists()


def test_plain_zip_and_safetensors_are_not_mistaken_for_pickles(iris_run, tmp_path):
    _, _, out = iris_run
    assert pickle_kind(out / "model.safetensors") is None
    plain = tmp_path / "notes.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert pickle_kind(plain) is None


def test_interrupted_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "metrics.json"

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text('{"accuracy": 0.')
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomic(target, half_then_fail)
    assert list(tmp_path.iterdir()) == []
    target.write_text("{}")
    with pytest.raises(OSError):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_onnx_disagreement_fails_the_export_and_writes_no_onnx_file(iris_run, tmp_path,
                                                                   monkeypatch):
    outcome, _, _ = iris_run
    monkeypatch.setattr(onnx_export, "run_onnx", lambda path, x: np.zeros((len(x), 3)) + 5)
    out = tmp_path / "run"
    with pytest.raises(ExportError, match="ONNX model disagrees with PyTorch"):
        save_bundle(out, outcome)
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nor a hidden half folder


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda run: (run / "network.json").unlink(), "network.json is missing"),
        (lambda run: (run / "preprocessing.json").write_text("{oops"),
         "preprocessing.json: not valid JSON"),
        (lambda run: (run / "model.safetensors").write_bytes(
            (run / "model.safetensors").read_bytes()[:50]), "damaged"),
        (lambda run: (run / "model.safetensors").unlink(), "model.safetensors is missing"),
        (lambda run: (run / "network.json").write_text(
            (run / "network.json").read_text().replace('"units": 16', '"units": 17')),
         "weights do not fit network.json"),
    ],
)
def test_damaged_bundles_give_one_clear_error(iris_run, tmp_path, damage, message):
    _, _, out = iris_run
    run = _copy(out, tmp_path)
    damage(run)
    with pytest.raises(ExportError, match="the run (was altered|is incomplete)") as err:
        load_bundle(run)  # the manifest tells first
    assert "\n" not in str(err.value)
    write_manifest(run)  # and when the manifest was rewritten to match, the file itself
    with pytest.raises(ExportError, match=message) as err:
        load_bundle(run)
    assert "\n" not in str(err.value)


def test_missing_run_folder_is_named(tmp_path):
    with pytest.raises(ExportError, match="no such run folder"):
        load_bundle(tmp_path / "nope")


def test_unfinished_run_cannot_be_exported(tmp_path):
    config = TrainConfig(epochs=3, optimizer="sgd", lr=1e12, device="cpu")
    outcome = run_training("demo:line", LoadOptions(demo_size=40), network="linear",
                           config=config, baselines=False)
    assert not outcome.succeeded
    with pytest.raises(ExportError, match="nothing to export"):
        save_bundle(tmp_path / "run", outcome)
    assert not (tmp_path / "run").exists()


def test_every_run_file_has_the_same_normal_permissions(iris_run):
    """model.safetensors was 0600 while the other files were 0644 (umask 022)."""
    _, report, out = iris_run
    umask = os.umask(0)
    os.umask(umask)
    modes = {name: (out / name).stat().st_mode & 0o777 for name in report.files}
    assert modes == dict.fromkeys(report.files, 0o666 & ~umask)
