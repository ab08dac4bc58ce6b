"""``core.explain.permutation``: permutation importance of the network and the baselines
on the test split, with features grouped as a person names them."""

from __future__ import annotations

import numpy as np
import pytest

from core.classic.baselines import fit_baselines
from core.data.tensors import TensorData, as_reconstruction
from core.errors import ExplainError
from core.explain.permutation import _Grouped, feature_groups, permutation_importance_table
from core.nn.presets import make_preset
from core.train.config import TrainConfig
from core.train.trainer import train_network


def _table(n: int = 500, seed: int = 0) -> TensorData:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)  # only the first column matters
    cut = int(n * 0.6), int(n * 0.8)
    return TensorData.from_arrays(X[:cut[0]], y[:cut[0]], X[cut[0]:cut[1]], y[cut[0]:cut[1]],
                                  X[cut[1]:], y[cut[1]:], layout="table",
                                  feature_names=["signal", "a", "b", "c"])


def test_the_signal_column_matters_to_the_network_and_the_baselines() -> None:
    data = _table()
    spec = make_preset("mlp", (4,), 2, hidden=(16,))
    result = train_network(spec, TrainConfig(epochs=30, device="cpu", seed=0,
                                             checkpoint_every=0), data)
    got = permutation_importance_table(result.model, data, baselines=["logistic_regression",
                                                                        "decision_tree"])
    assert got.features == ["signal", "a", "b", "c"] and got.metric == "accuracy"
    assert list(got.models) == ["network", "logistic_regression", "decision_tree"]
    for name, scores in got.models.items():
        assert scores.score > 0.85, name
        assert scores.mean.argmax() == 0 and scores.mean[0] > 0.25, name
        assert np.abs(scores.mean[1:]).max() < 0.05, name
    refit = fit_baselines(data, which=["logistic_regression"])["logistic_regression"]
    assert got.models["logistic_regression"].score == pytest.approx(refit["test"]["accuracy"])
    rows = got.table()
    assert rows[0]["feature"] == "signal" and set(rows[0]) == {
        "feature", *(f"{m}_{s}" for m in got.models for s in ("mean", "std"))}


def test_a_shuffled_position_keeps_whole_letters() -> None:
    rng = np.random.default_rng(0)
    X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(6, 10))]
    group_of, names = feature_groups((10, 4), "onehot:DNA", [])
    assert names[0] == "position 1" and len(names) == 10
    est = _Grouped(lambda Xb: Xb, X, group_of)
    rows = np.tile(np.arange(6), (10, 1)).T
    rows[:, 3] = rows[::-1, 3]  # position 4 of every sample from another one
    rebuilt = est.predict(rows)
    assert np.array_equal(rebuilt[:, 3], X[::-1, 3])
    assert np.array_equal(np.delete(rebuilt, 3, axis=1), np.delete(X, 3, axis=1))
    pixel_of, pixels = feature_groups((3, 2, 2), "image", [])
    assert pixels == ["row 1 col 1", "row 1 col 2", "row 2 col 1", "row 2 col 2"]
    assert pixel_of.tolist() == [0, 1, 2, 3] * 3  # a pixel's channels move together


def test_what_cannot_be_scored_is_one_line() -> None:
    data = _table(100)
    no_test = TensorData.from_arrays(data.X_train, data.y_train)
    for bad, words in [(as_reconstruction(_table(100)), "autoencoder"),
                       (no_test, "no test rows")]:
        with pytest.raises(ExplainError, match=words) as info:
            permutation_importance_table(None, bad, baselines=[])
        assert "\n" not in str(info.value)
