"""Evaluation figures and plot data, computed by ``sklearn.metrics``.

Every metric dict holds plain Python floats (JSON-able). A figure that is undefined for
the data at hand (ROC AUC when the test set lacks a class, Pearson r of a constant) is
``None`` rather than NaN, so reports and JSON files say "not defined" instead of lying.
Binary problems take class index 1 as the positive class.

It sits at the bottom of ``core``, beside ``errors`` and ``progress``: the trainer, the
classic baselines and trees and a loaded bundle all score with it, so a network and the
models it is compared with are measured by the same code.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize


def _num(x: Any) -> float | None:
    """A finite value as a Python float, anything else (NaN, inf) as None."""
    x = float(x)
    return x if math.isfinite(x) else None


def _names(class_names: list[str] | None, n: int) -> list[str]:
    return list(class_names) if class_names else [str(i) for i in range(n)]


def classification_metrics(
    y_true: np.ndarray, proba: np.ndarray, class_names: list[str] | None = None
) -> dict[str, float | None]:
    """Accuracy, balanced accuracy, macro/weighted precision-recall-F1, MCC, ROC and PR AUC.

    ``proba`` has one column per class. Multiclass AUCs are one-vs-rest macro averages;
    they are None when some class has no sample in ``y_true`` (its curve is undefined).
    """
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    proba = np.asarray(proba, dtype=np.float64)
    n_classes = proba.shape[1]
    if len(y_true) == 0:
        return {}
    y_pred = proba.argmax(axis=1)
    out: dict[str, float | None] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ill-defined figures are reported as None below
        out["accuracy"] = _num(skm.accuracy_score(y_true, y_pred))
        out["balanced_accuracy"] = _num(skm.balanced_accuracy_score(y_true, y_pred))
        for avg in ("macro", "weighted"):
            p, r, f, _ = skm.precision_recall_fscore_support(
                y_true, y_pred, average=avg, zero_division=0
            )
            out[f"precision_{avg}"] = _num(p)
            out[f"recall_{avg}"] = _num(r)
            out[f"f1_{avg}"] = _num(f)
        out["mcc"] = _num(skm.matthews_corrcoef(y_true, y_pred))
        present = np.unique(y_true)
        if n_classes == 2:
            ok = len(present) == 2
            out["roc_auc"] = _num(skm.roc_auc_score(y_true, proba[:, 1])) if ok else None
            out["pr_auc"] = (
                _num(skm.average_precision_score(y_true == 1, proba[:, 1])) if ok else None
            )
        else:
            ok = len(present) == n_classes
            onehot = label_binarize(y_true, classes=np.arange(n_classes))
            out["roc_auc"] = (
                _num(skm.roc_auc_score(onehot, proba, average="macro")) if ok else None
            )
            out["pr_auc"] = (
                _num(skm.average_precision_score(onehot, proba, average="macro")) if ok else None
            )
    return out


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float | None]:
    """MSE, RMSE, MAE, R² and Pearson r (several outputs: R² averaged, errors pooled)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    if len(y_true) == 0:
        return {}
    mse = float(np.mean((y_true - y_pred) ** 2))
    out: dict[str, float | None] = {
        "mse": _num(mse),
        "rmse": _num(math.sqrt(mse)),
        "mae": _num(np.mean(np.abs(y_true - y_pred))),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["r2"] = _num(skm.r2_score(y_true, y_pred)) if len(y_true) >= 2 else None
        a, b = y_true.ravel(), y_pred.ravel()
        defined = len(a) >= 2 and np.ptp(a) > 0 and np.ptp(b) > 0
        out["pearson_r"] = _num(np.corrcoef(a, b)[0, 1]) if defined else None
    return out


def reconstruction_metrics(x_true: np.ndarray, x_pred: np.ndarray) -> dict[str, float | None]:
    """How well rows are rebuilt (an autoencoder, PCA): MSE, RMSE and MAE over every value,
    and R² over every value: 1 - squared error / the squared deviations of each value from
    its column's mean, the share of the inputs' variance the reconstruction keeps (what the
    trainer's live R² measures; low-variance columns weigh less than in a per-column mean).
    """
    a = np.asarray(x_true, dtype=np.float64)
    if len(a) == 0:
        return {}
    a = a.reshape(len(a), -1)
    b = np.asarray(x_pred, dtype=np.float64).reshape(a.shape)
    sq = float(((a - b) ** 2).sum())
    mse = sq / a.size
    ss = float(((a - a.mean(axis=0)) ** 2).sum())
    return {
        "mse": _num(mse),
        "rmse": _num(math.sqrt(mse)),
        "mae": _num(np.mean(np.abs(a - b))),
        "r2": _num(1.0 - sq / ss) if ss > 0 else None,
    }


def confusion(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, normalize: bool = False
) -> np.ndarray:
    """Rows = true class, columns = predicted class; ``normalize`` divides each row by its
    count (a row with no samples stays 0)."""
    cm = skm.confusion_matrix(
        np.asarray(y_true).ravel(), np.asarray(y_pred).ravel(), labels=np.arange(n_classes)
    )
    if not normalize:
        return cm
    rows = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, rows, out=np.zeros(cm.shape, dtype=np.float64), where=rows > 0)


def _one_vs_rest(
    y_true: np.ndarray, proba: np.ndarray, class_names: list[str] | None
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, is-this-class, score) for each class whose curve is defined.

    Binary problems give one curve, for the positive class (index 1).
    """
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    proba = np.asarray(proba, dtype=np.float64)
    n = proba.shape[1]
    names = _names(class_names, n)
    classes = [1] if n == 2 else range(n)
    out = []
    for c in classes:
        pos = y_true == c
        if pos.any() and not pos.all():
            out.append((names[c], pos, proba[:, c]))
    return out


def roc_curves(
    y_true: np.ndarray, proba: np.ndarray, class_names: list[str] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """class name -> (false-positive rates, true-positive rates, AUC), one-vs-rest."""
    curves = {}
    for name, pos, score in _one_vs_rest(y_true, proba, class_names):
        fpr, tpr, _ = skm.roc_curve(pos, score)
        curves[name] = (fpr, tpr, float(skm.auc(fpr, tpr)))
    return curves


def pr_curves(
    y_true: np.ndarray, proba: np.ndarray, class_names: list[str] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """class name -> (recall, precision, average precision), one-vs-rest."""
    curves = {}
    for name, pos, score in _one_vs_rest(y_true, proba, class_names):
        precision, recall, _ = skm.precision_recall_curve(pos, score)
        curves[name] = (recall, precision, float(skm.average_precision_score(pos, score)))
    return curves


def per_class_table(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: list[str]
) -> list[dict[str, Any]]:
    """One row per class: support, precision, recall, F1 (None where undefined)."""
    n = len(class_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = skm.precision_recall_fscore_support(
            np.asarray(y_true).ravel(), np.asarray(y_pred).ravel(),
            labels=np.arange(n), zero_division=np.nan,
        )
    return [
        {"class": class_names[i], "support": int(s[i]), "precision": _num(p[i]),
         "recall": _num(r[i]), "f1": _num(f[i])}
        for i in range(n)
    ]
