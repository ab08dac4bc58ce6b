"""Autoencoders: the task "reconstruct" trains a network to rebuild its inputs through a
narrow layer, scored by reconstruction figures beside PCA of the same width."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from app.cli import main
from core.classic.pca_baseline import PCA_BASELINE, fit_pca_baseline
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.tensors import TensorData, as_reconstruction
from core.errors import TrainError
from core.metrics import reconstruction_metrics
from core.nn.embedding import bottleneck_path, bottleneck_width, layer_activations
from core.nn.shapes import check
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig
from core.train.evaluation import comparison_frame, evaluate_split
from core.train.report import results_frame
from core.train.run import prepare_run, train_prepared
from core.train.trainer import Trainer, make_loss

# Encoder, a linear code of 2 values, decoder: the layers a lead's "autoencoder" preset
# would hold (the output Dense of 10 units is added from the task).
AUTOENCODER = NetworkSpec([
    LayerSpec("Dense", {"units": 16, "activation": "tanh"}),
    LayerSpec("Dense", {"units": 2, "activation": "none"}),
    LayerSpec("Dense", {"units": 16, "activation": "tanh"}),
])
FAST = TrainConfig(epochs=150, batch_size=64, lr=0.01, device="cpu", batch_event_hz=0)


def _plane_table(path: Path, n: int = 400, seed: int = 0) -> Path:
    """10 features lying near a 2-D plane (plus a little noise) and a class label."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    X = z @ rng.normal(size=(2, 10)) + 0.05 * rng.normal(size=(n, 10))
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(10)])
    frame["label"] = np.where(z[:, 0] > 0, "right", "left")
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _plane_table(tmp_path_factory.mktemp("ae") / "plane.csv")


@pytest.fixture(scope="module")
def outcome(plane: Path):  # one trained autoencoder, shared (training costs seconds)
    prepared = prepare_run(str(plane), LoadOptions(task="reconstruct", target="label"),
                           network=AUTOENCODER)
    return train_prepared(prepared, FAST)


def test_reconstruct_targets_are_the_inputs_and_the_labels_stay(plane: Path) -> None:
    ds = load_dataset(str(plane), LoadOptions(task="reconstruct", target="label"))
    assert ds.task == "classification" and ds.training_task == "reconstruct"
    prepared = prepare_run(ds, network=AUTOENCODER)
    data = prepared.data
    assert data.task == "reconstruct" and data.n_outputs == 10 and data.class_names is None
    for name in ("train", "val", "test"):
        X, y = data.split_arrays(name)
        assert y.dtype == np.float32 and y.shape == (len(X), 10)
        np.testing.assert_array_equal(y, X.reshape(len(X), -1))
        assert not np.shares_memory(X, y)  # noise on a batch never reaches a target
    labels, names = data.split_labels("val")
    assert names == ["left", "right"] and len(labels) == len(data.X_val)
    assert prepared.summary.output_shape == (10,)


def test_autoencoder_reconstructs_the_plane_as_well_as_pca(outcome) -> None:
    assert outcome.succeeded, outcome.result.message
    net = outcome.metrics["test"]
    pca = outcome.baseline[PCA_BASELINE]
    assert pca["n_components"] == 2
    assert net["r2"] > 0.9, net
    assert pca["test"]["r2"] > 0.95
    assert abs(net["r2"] - pca["test"]["r2"]) < 0.08  # a 2-D plane: PCA(2) is the ideal
    assert set(net) >= {"mse", "mae", "rmse", "r2", "n"}
    live = outcome.result.history.rows[-1]
    assert "val_r2" in live or any("r2" in k for k in live)  # R² is on the live curves
    assert any("bottleneck: layer 2" in n for n in outcome.notes)
    table = results_frame(outcome.metrics, outcome.baseline, "reconstruct")
    assert list(table["metric"]) == ["r2", "mse", "mae", "samples"]
    assert "PCA (test)" in table.columns


def test_evaluation_of_a_reconstruct_run_has_no_classes(outcome) -> None:
    ev = evaluate_split(outcome, "test")
    assert ev.confusion is None and ev.proba is None and ev.pred.shape == ev.y_true.shape
    assert ev.metrics["r2"] == pytest.approx(outcome.metrics["test"]["r2"], abs=1e-6)
    worst = ev.errors_frame(5)
    assert list(worst.columns) == ["id", "rms error"] and len(worst) == 5
    assert worst["rms error"].is_monotonic_decreasing
    frame = comparison_frame(outcome, "test")
    assert list(frame["model"]) == ["network", "PCA"]


def test_the_bottleneck_is_the_narrowest_hidden_layer() -> None:
    spec = NetworkSpec([LayerSpec("Dense", {"units": 64, "activation": "relu"}),
                        LayerSpec("Dense", {"units": 8, "activation": "none"}),
                        LayerSpec("Dropout", {"rate": 0.1}),
                        LayerSpec("Dense", {"units": 64, "activation": "relu"})])
    summary = check(spec, (30,), 30)
    assert bottleneck_path(summary) == (1,)  # before its equally narrow Dropout
    assert bottleneck_width(summary) == 8
    assert bottleneck_path(check(NetworkSpec([]), (30,), 30)) is None  # no hidden layer


def test_the_bottleneck_exports_as_an_embedding(outcome) -> None:
    path = bottleneck_path(outcome.summary)
    codes = layer_activations(outcome.result.model, outcome.data.X_test, path)
    assert codes.shape == (len(outcome.data.X_test), 2)


def test_denoising_noise_touches_only_the_training_inputs() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 6)).astype(np.float32)
    data = as_reconstruction(TensorData.from_arrays(X[:48], np.zeros(48, np.int64),
                                                    X[48:], np.zeros(16, np.int64)))
    before = [a.copy() for a in (data.X_train, data.y_train, data.X_val, data.y_val)]
    seen: list[torch.Tensor] = []
    model = torch.nn.Sequential(torch.nn.Linear(6, 6))
    model.register_forward_pre_hook(lambda _m, args: seen.append(args[0].detach().clone()))
    config = TrainConfig(epochs=1, batch_size=None, device="cpu", reconstruct_noise=0.5,
                         batch_event_hz=0)
    result = Trainer(model, config, data).run()
    assert result.failed is None, result.failed
    for kept, now in zip(before, (data.X_train, data.y_train, data.X_val, data.y_val),
                         strict=True):
        np.testing.assert_array_equal(kept, now)  # the arrays themselves stay clean
    # seen: the probe (2 clean rows), the noisy training batch, the clean validation pass
    batch, val = seen[1], seen[2]
    noise = (batch - torch.from_numpy(data.X_train)).std().item()
    assert 0.4 < noise < 0.6
    torch.testing.assert_close(val, torch.from_numpy(data.X_val))


def test_a_class_loss_or_stray_noise_is_a_one_line_error() -> None:
    X = np.eye(4, dtype=np.float32)
    data = as_reconstruction(TensorData.from_arrays(X, np.arange(4)))
    for loss in ("cross_entropy", "bce"):
        with pytest.raises(TrainError) as info:
            make_loss(TrainConfig(loss=loss), data, torch.device("cpu"))
        assert "\n" not in str(info.value) and "mse" in str(info.value)
    for loss in ("auto", "mse", "mae", "huber"):
        make_loss(TrainConfig(loss=loss), data, torch.device("cpu"))
    classes = TensorData.from_arrays(X, np.arange(4))
    with pytest.raises(TrainError, match="reconstruct runs only"):
        make_loss(TrainConfig(reconstruct_noise=0.1), classes, torch.device("cpu"))
    with pytest.raises(TrainError, match="must not be negative"):
        TrainConfig(reconstruct_noise=-1.0).validate()


def test_reconstruction_r2_counts_every_value() -> None:
    x = np.array([[0.0, 10.0], [2.0, 30.0]])
    perfect = reconstruction_metrics(x, x)
    assert perfect["r2"] == 1.0 and perfect["mse"] == 0.0
    means = reconstruction_metrics(x, np.tile(x.mean(axis=0), (2, 1)))
    assert means["r2"] == pytest.approx(0.0)
    assert reconstruction_metrics(np.zeros((0, 2)), np.zeros((0, 2))) == {}


def test_pca_baseline_is_capped_by_the_data() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3)).astype(np.float32)
    data = as_reconstruction(TensorData.from_arrays(X[:20], np.zeros(20), X[20:],
                                                    np.zeros(10), task="regression"))
    entry = fit_pca_baseline(data, 8)
    assert entry["n_components"] == 3 and entry["val"]["r2"] == pytest.approx(1.0)
    assert entry["test"] == {"n": 0} and "no more" in entry["notes"][0]


def test_cli_trains_an_autoencoder_beside_pca(plane: Path, capsys) -> None:
    code = main(["train", str(plane), "--task", "reconstruct", "--target", "label",
                 "--model", "mlp", "--hidden", "16,2,16", "--activation", "tanh",
                 "--epochs", "5", "--device", "cpu", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert "reconstruct, 10 values per sample" in out and "PCA (test)" in out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["task"] == "reconstruct"
    assert set(result["test"]) >= {"r2", "mse", "mae"}
    assert result["baseline"]["PCA"]["r2"] > 0.95
