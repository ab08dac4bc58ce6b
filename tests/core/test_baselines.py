"""Baselines: the same split and features as the network, scored with the same metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from core.classic import baselines
from core.classic.baselines import fit_baselines
from core.data.tensors import TensorData
from core.errors import TrainError


def test_classification_baselines_on_breast_cancer() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    data = TensorData.from_arrays(X_tr, y_tr, X_te[:40], y_te[:40], X_te, y_te,
                                  class_names=["malignant", "benign"])
    res = fit_baselines(data, seed=0)
    assert set(res) == {"logistic_regression", "decision_tree"}
    lr, tree = res["logistic_regression"], res["decision_tree"]
    assert lr["test"]["n"] == len(y_te) and lr["val"]["n"] == 40
    assert lr["test"]["accuracy"] > 0.93 and lr["test"]["roc_auc"] > 0.97
    assert tree["train"]["accuracy"] > tree["test"]["accuracy"] > 0.85
    assert lr["notes"] == [] and lr["fit_seconds"] >= 0
    json.dumps(res, allow_nan=False)


def test_a_stop_request_ends_the_baselines_between_models(monkeypatch) -> None:
    from core.progress import Cancelled

    X, y = load_breast_cancer(return_X_y=True)
    data = TensorData.from_arrays(X[:400], y[:400], None, None, X[400:], y[400:])
    fitted: list[str] = []
    fit = baselines.DecisionTreeClassifier.fit

    def watch(self, *args, **kwargs):  # noqa: ANN001, ANN202
        fitted.append(type(self).__name__)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(baselines.DecisionTreeClassifier, "fit", watch)
    asked: list[int] = []

    def stop_after_the_first_model() -> bool:
        asked.append(1)
        return len(asked) > 3  # asked before model 1 and its train, val and test scoring

    with pytest.raises(Cancelled):
        fit_baselines(data, seed=0, should_stop=stop_after_the_first_model)
    assert fitted == []  # the tree, second in line, was never fitted
    assert len(asked) == 4


def test_regression_baselines_and_multiclass_with_a_missing_class() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3, 2))  # not flat: baselines flatten
    y = X.reshape(200, -1) @ np.arange(6.0) + 1.0
    res = fit_baselines(TensorData.from_arrays(X[:150], y[:150], None, None, X[150:], y[150:],
                                               task="regression"))
    assert set(res) == {"linear_regression", "decision_tree"}
    assert res["linear_regression"]["test"]["r2"] == pytest.approx(1.0, abs=1e-6)
    assert res["decision_tree"]["test"]["r2"] > 0.5
    assert res["decision_tree"]["val"] == {"n": 0}

    labels = (X[:, 0, 0] > 0).astype(np.int64)  # classes 0 and 1 of three: 2 never occurs
    cls = fit_baselines(TensorData.from_arrays(X[:150], labels[:150], None, None, X[150:],
                                               labels[150:], class_names=["a", "b", "c"]))
    assert cls["logistic_regression"]["test"]["accuracy"] > 0.9
    assert cls["logistic_regression"]["test"]["roc_auc"] is None  # class "c" has no samples


def test_large_inputs_are_reduced_with_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baselines, "MAX_FEATURES", 10)
    monkeypatch.setattr(baselines, "MAX_CELLS", 1000)
    monkeypatch.setattr(baselines, "MIN_ROWS", 50)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 40))
    y = (X[:, 7] + X[:, 31] > 0).astype(np.int64)  # only two informative columns
    res = fit_baselines(TensorData.from_arrays(X[:300], y[:300], None, None, X[300:], y[300:]))
    notes = res["decision_tree"]["notes"]
    assert notes == ["fitted on the 10 of 40 features most related to the target (ANOVA F test)",
                     "fitted on a random 100 of the 300 training samples"]
    assert res["logistic_regression"]["test"]["accuracy"] > 0.85  # kept columns 7 and 31
    assert res["logistic_regression"]["train"]["n"] == 300  # scored on every row


def test_single_class_training_split_is_an_error() -> None:
    X = np.zeros((10, 2))
    with pytest.raises(TrainError, match="at least two classes"):
        fit_baselines(TensorData.from_arrays(X, np.zeros(10, dtype=np.int64),
                                             class_names=["a", "b"]))
