"""Everything the Evaluate page shows about one held-out split of a finished run.

A trained model is run once on the split; the confusion matrix, ROC and precision-recall
curves, the per-class table and the list of worst errors are all derived from those
predictions (``core.metrics`` does the arithmetic). Rows are tied back to the
dataset (``indices`` into ``Dataset``), so a front end can show the sample behind an
error: its id, its sequence, its image or its table row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.classic.baseline_info import display_name
from core.errors import DataError
from core.metrics import (
    classification_metrics,
    confusion,
    per_class_table,
    pr_curves,
    reconstruction_metrics,
    regression_metrics,
    roc_curves,
)

SPLITS = ("val", "test")
SPLIT_TITLES = {"train": "training", "val": "validation", "test": "test"}


@dataclass
class SplitEvaluation:
    """Predictions of the network on one split and the figures drawn from them."""

    split: str
    task: str
    y_true: np.ndarray
    pred: np.ndarray
    proba: np.ndarray | None  # (N, classes) for classification
    indices: np.ndarray  # row of each sample in the dataset
    ids: list[str]
    class_names: list[str]
    metrics: dict[str, Any] = field(default_factory=dict)
    confusion: np.ndarray | None = None  # counts, rows = true class
    roc: dict[str, tuple[np.ndarray, np.ndarray, float]] = field(default_factory=dict)
    pr: dict[str, tuple[np.ndarray, np.ndarray, float]] = field(default_factory=dict)
    per_class: list[dict[str, Any]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.y_true)

    def worst(self, n: int = 20) -> np.ndarray:
        """Positions of the worst predictions, worst first.

        Classification: the misclassified samples, least probability on the true class
        first. Regression: the largest absolute errors.
        """
        if self.task == "classification":
            assert self.proba is not None
            wrong = np.flatnonzero(self.pred != self.y_true)
            p_true = self.proba[wrong, self.y_true[wrong]]
            return wrong[np.argsort(p_true, kind="stable")][:n]
        err = self.abs_error()
        return np.argsort(-err, kind="stable")[:n]

    @property
    def width(self) -> int:
        """Values per sample (an autoencoder's: every input value)."""
        return int(np.prod(np.shape(self.y_true)[1:]))

    def abs_error(self) -> np.ndarray:
        """|prediction - target| per sample (rows of several outputs: Euclidean norm)."""
        diff = np.asarray(self.pred, np.float64).reshape(self.n, -1) - np.asarray(
            self.y_true, np.float64).reshape(self.n, -1)
        return np.sqrt((diff ** 2).sum(axis=1))

    def errors_frame(self, n: int = 20) -> pd.DataFrame:
        """The worst predictions as a table: id, true, predicted, and how wrong."""
        rows = []
        for pos in self.worst(n):
            row: dict[str, Any] = {"id": self.ids[pos]}
            if self.task == "classification":
                assert self.proba is not None
                t, p = int(self.y_true[pos]), int(self.pred[pos])
                row.update({"true": self.class_names[t], "predicted": self.class_names[p],
                            "p(true)": float(self.proba[pos, t]),
                            "p(predicted)": float(self.proba[pos, p])})
            elif self.task == "reconstruct":  # hundreds of values: their error says it
                row["rms error"] = float(self.abs_error()[pos] / np.sqrt(self.width))
            else:
                row.update({"true": _value_text(self.y_true[pos]),
                            "predicted": _value_text(self.pred[pos]),
                            "abs. error": float(self.abs_error()[pos])})
            rows.append(row)
        columns = (["id", "true", "predicted", "p(true)", "p(predicted)"]
                   if self.task == "classification" else ["id", "rms error"]
                   if self.task == "reconstruct" else ["id", "true", "predicted", "abs. error"])
        return pd.DataFrame(rows, columns=columns)


def _value_text(v: Any) -> str:
    arr = np.atleast_1d(np.asarray(v, dtype=np.float64))
    return ", ".join(f"{x:.4g}" for x in arr)


def evaluate_split(outcome: Any, split: str = "test") -> SplitEvaluation:
    """Run ``outcome.result.model`` (a ``core.train.run.TrainingOutcome``) on ``split``.

    Raises ``DataError`` when the split is empty or the run has no model.
    """
    from core.nn.predict import predict

    if split not in ("train", *SPLITS):
        raise DataError(f"unknown split {split!r}; use val or test")
    result = getattr(outcome, "result", None)
    if result is None or result.model is None:
        raise DataError("the run has no trained model")
    data = outcome.data
    X, y = data.split_arrays(split)
    if len(X) == 0:
        raise DataError(f"the {SPLIT_TITLES[split]} split is empty; change the split "
                        "fractions on the Data page and train again")
    indices = np.asarray(getattr(outcome.split, split), dtype=np.int64)
    ids = [outcome.dataset.ids[i] for i in indices] if len(indices) == len(X) else [
        str(i + 1) for i in range(len(X))]
    pred, proba = predict(result.model, X, data.task)
    if data.task == "reconstruct":  # y holds the inputs; no class, no curve
        y = np.asarray(y, dtype=np.float32)
        pred = np.asarray(pred, dtype=np.float32).reshape(y.shape)
        return SplitEvaluation(split, data.task, y, pred, None, indices, ids, [],
                               metrics=reconstruction_metrics(y, pred))
    if data.task != "classification":
        return SplitEvaluation(split, data.task, np.asarray(y), pred, None, indices, ids, [],
                               metrics=regression_metrics(y, pred))
    assert proba is not None
    k = proba.shape[1]
    names = list(data.class_names or [str(i) for i in range(k)])
    return SplitEvaluation(
        split, data.task, np.asarray(y, dtype=np.int64), pred, proba, indices, ids, names,
        metrics=classification_metrics(y, proba, names),
        confusion=confusion(y, pred, k),
        roc=roc_curves(y, proba, names),
        pr=pr_curves(y, proba, names),
        per_class=per_class_table(y, pred, names),
    )


def comparison_frame(outcome: Any, split: str = "test") -> pd.DataFrame:
    """The network beside each baseline model on ``split``: one row per model."""
    task = outcome.data.task
    keys = (("accuracy", "balanced_accuracy", "f1_macro", "mcc", "roc_auc", "pr_auc")
            if task == "classification" else ("r2", "mse", "rmse", "mae")
            if task == "reconstruct" else ("r2", "mse", "rmse", "mae", "pearson_r"))
    models = [("network", outcome.metrics.get(split) or {})]
    models += [(display_name(name), entry.get(split) or {})
               for name, entry in (outcome.baseline or {}).items()]
    rows = [{"model": name, "samples": m.get("n"), **{k: m.get(k) for k in keys}}
            for name, m in models]
    return pd.DataFrame(rows, columns=["model", "samples", *keys])
