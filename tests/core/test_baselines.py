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
    assert list(res) == ["logistic_regression", "decision_tree", "naive_bayes",
                         "random_forest", "knn", "majority"]
    lr, tree = res["logistic_regression"], res["decision_tree"]
    assert lr["test"]["n"] == len(y_te) and lr["val"]["n"] == 40
    assert lr["test"]["accuracy"] > 0.93 and lr["test"]["roc_auc"] > 0.97
    assert tree["train"]["accuracy"] > tree["test"]["accuracy"] > 0.85
    assert lr["notes"] == [] and lr["fit_seconds"] >= 0
    json.dumps(res, allow_nan=False)
    for name in ("naive_bayes", "random_forest", "knn"):  # each scores on every split
        assert res[name]["test"]["n"] == len(y_te) and res[name]["test"]["accuracy"] > 0.85
        assert res[name]["val"]["n"] == 40 and res[name]["train"]["n"] == len(y_tr)
    assert res["random_forest"]["test"]["roc_auc"] > 0.97
    majority = res["majority"]["test"]  # always "benign", the larger class
    assert majority["accuracy"] == pytest.approx(np.mean(y_te == 1))
    assert majority["balanced_accuracy"] == pytest.approx(0.5)
    assert res["naive_bayes"]["notes"][0].startswith("MultinomialNB")  # features are >= 0


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
    assert list(res) == ["linear_regression", "decision_tree", "random_forest", "knn", "mean"]
    assert res["linear_regression"]["test"]["r2"] == pytest.approx(1.0, abs=1e-6)
    assert res["decision_tree"]["test"]["r2"] > 0.5
    assert res["decision_tree"]["val"] == {"n": 0}
    assert res["random_forest"]["test"]["r2"] > 0.6 and res["knn"]["test"]["r2"] > 0.5
    assert res["mean"]["test"]["r2"] < 0.05  # predicts the training mean: R² near 0
    assert res["mean"]["test"]["n"] == 50

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


def _blobs(seed: int = 0, shift: float = 0.0) -> TensorData:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    X = rng.normal(size=(300, 4)) + y[:, None] * 2.0 + shift
    return TensorData.from_arrays(X[:200], y[:200], X[200:250], y[200:250], X[250:], y[250:])


def test_which_chooses_the_baselines_and_their_twins_for_the_task() -> None:
    data = _blobs()
    res = fit_baselines(data, seed=0, which=["knn", "majority"])
    assert list(res) == ["knn", "majority"]
    assert res["knn"]["test"]["accuracy"] > 0.9
    # a name for the other task runs as its twin; naive Bayes has none and is left out
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = X @ [1.0, -2.0]
    reg = TensorData.from_arrays(X[:100], y[:100], None, None, X[100:], y[100:],
                                 task="regression")
    res = fit_baselines(reg, which=["logistic_regression", "majority", "naive_bayes"])
    assert list(res) == ["linear_regression", "mean"]
    assert fit_baselines(reg, which=["naive_bayes"]) == {}
    assert fit_baselines(data, which=[]) == {}


def test_an_unknown_baseline_name_lists_the_valid_ones() -> None:
    with pytest.raises(TrainError, match="unknown baseline 'svm'; choose from "
                       "logistic_regression, linear_regression, decision_tree, naive_bayes"):
        fit_baselines(_blobs(), which=["knn", "svm"])


def test_naive_bayes_is_gaussian_when_a_feature_is_negative() -> None:
    gaussian = fit_baselines(_blobs(shift=-5.0), which=["naive_bayes"])["naive_bayes"]
    assert gaussian["notes"][0].startswith("GaussianNB")
    assert gaussian["test"]["accuracy"] > 0.9
    counts = _blobs(shift=0.0)
    counts.X_train, counts.X_val, counts.X_test = (np.abs(a) for a in (
        counts.X_train, counts.X_val, counts.X_test))  # k-mer counts are never negative
    multinomial = fit_baselines(counts, which=["naive_bayes"])["naive_bayes"]
    assert multinomial["notes"][0].startswith("MultinomialNB")


def test_the_forest_and_knn_fit_on_a_smaller_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baselines, "SLOW_MAX_CELLS", 400)
    monkeypatch.setattr(baselines, "SLOW_MIN_ROWS", 50)
    res = fit_baselines(_blobs(), which=["random_forest", "knn", "decision_tree"])
    assert res["random_forest"]["notes"] == ["fitted on a random 100 of the 200 training "
                                             "samples"]
    assert res["knn"]["notes"] == res["random_forest"]["notes"]
    assert res["decision_tree"]["notes"] == []
    assert res["knn"]["train"]["n"] == 200  # still scored on every row


def test_the_baselines_are_described_for_the_gui_and_the_cli() -> None:
    from core.classic.baseline_info import BASELINES, CHOICES, display_name

    assert baselines.BASELINES is BASELINES
    for name, entry in BASELINES.items():
        assert entry["display"] and entry["text"] and set(entry["tasks"]) <= {
            "classification", "regression"}, name
    assert display_name("naive_bayes") == "naive Bayes"
    assert display_name("knn") == "k-nearest neighbours"
    assert {name for name, _ in CHOICES} <= set(BASELINES)
