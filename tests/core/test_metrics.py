"""Evaluation figures agree with sklearn / numpy and are JSON-able."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm

from core.metrics import (
    classification_metrics,
    confusion,
    per_class_table,
    pr_curves,
    regression_metrics,
    roc_curves,
)

Y3 = np.array([0, 0, 1, 1, 2, 2, 2, 1, 0, 2])
P3 = np.array([
    [0.7, 0.2, 0.1], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8],
    [0.2, 0.2, 0.6], [0.5, 0.1, 0.4], [0.2, 0.6, 0.2], [0.6, 0.3, 0.1], [0.1, 0.3, 0.6],
])


def test_multiclass_metrics_equal_sklearn() -> None:
    m = classification_metrics(Y3, P3, ["a", "b", "c"])
    pred = P3.argmax(1)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(Y3, pred))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(Y3, pred))
    assert m["f1_macro"] == pytest.approx(skm.f1_score(Y3, pred, average="macro"))
    assert m["precision_weighted"] == pytest.approx(
        skm.precision_score(Y3, pred, average="weighted"))
    assert m["recall_macro"] == pytest.approx(skm.recall_score(Y3, pred, average="macro"))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(Y3, pred))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(Y3, P3, multi_class="ovr"))
    onehot = np.eye(3)[Y3]
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(onehot, P3))
    assert m["accuracy"] == pytest.approx(0.7)
    json.dumps(m, allow_nan=False)
    assert all(isinstance(v, float) for v in m.values())


def test_binary_metrics_use_class_one_as_positive() -> None:
    y = np.array([0, 1, 1, 0, 1, 0])
    p1 = np.array([0.2, 0.9, 0.4, 0.6, 0.7, 0.1])
    m = classification_metrics(y, np.c_[1 - p1, p1], ["neg", "pos"])
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p1))
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(y, p1))
    assert m["f1_macro"] == pytest.approx(skm.f1_score(y, (p1 > 0.5).astype(int),
                                                       average="macro"))


def test_missing_class_gives_none_not_nan() -> None:
    y = np.array([0, 0, 1, 1])  # class 2 never occurs in y_true
    p = np.array([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.7, 0.2], [0.2, 0.2, 0.6]])
    m = classification_metrics(y, p, ["a", "b", "c"])
    assert m["roc_auc"] is None and m["pr_auc"] is None
    assert m["accuracy"] == pytest.approx(0.75)
    json.dumps(m, allow_nan=False)
    single = classification_metrics(np.array([1, 1]), np.array([[0.3, 0.7], [0.6, 0.4]]))
    assert single["roc_auc"] is None
    assert roc_curves(np.array([1, 1]), np.array([[0.3, 0.7], [0.6, 0.4]])) == {}


def test_regression_metrics_equal_sklearn() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    pred = y + rng.normal(scale=0.3, size=50)
    m = regression_metrics(y, pred)
    assert m["mse"] == pytest.approx(skm.mean_squared_error(y, pred))
    assert m["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    assert m["mae"] == pytest.approx(skm.mean_absolute_error(y, pred))
    assert m["r2"] == pytest.approx(skm.r2_score(y, pred))
    assert m["pearson_r"] == pytest.approx(np.corrcoef(y, pred)[0, 1])
    flat = regression_metrics(y, np.zeros(50))
    assert flat["pearson_r"] is None and flat["r2"] is not None
    json.dumps(flat, allow_nan=False)


def test_confusion_and_per_class_table() -> None:
    pred = P3.argmax(1)
    cm = confusion(Y3, pred, 3)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(Y3, pred))
    norm = confusion(np.array([0, 0, 1]), np.array([0, 1, 1]), 3, normalize=True)
    np.testing.assert_allclose(norm, [[0.5, 0.5, 0], [0, 1, 0], [0, 0, 0]])
    rows = per_class_table(Y3, pred, ["a", "b", "c"])
    assert [r["class"] for r in rows] == ["a", "b", "c"]
    assert [r["support"] for r in rows] == [3, 3, 4]
    assert rows[2]["recall"] == pytest.approx(0.75)
    never_predicted = per_class_table(np.array([0, 1]), np.array([0, 0]), ["a", "b"])
    assert never_predicted[1]["precision"] is None and never_predicted[1]["recall"] == 0.0


def test_curves_per_class() -> None:
    roc = roc_curves(Y3, P3, ["a", "b", "c"])
    assert set(roc) == {"a", "b", "c"}
    fpr, tpr, auc = roc["c"]
    assert fpr[0] == 0 and tpr[-1] == 1
    assert auc == pytest.approx(skm.roc_auc_score(Y3 == 2, P3[:, 2]))
    pr = pr_curves(np.array([0, 1, 1, 0]), np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4],
                                                     [0.7, 0.3]]), ["no", "yes"])
    assert list(pr) == ["yes"]
    assert pr["yes"][2] == pytest.approx(skm.average_precision_score([0, 1, 1, 0],
                                                                     [0.1, 0.8, 0.4, 0.3]))
