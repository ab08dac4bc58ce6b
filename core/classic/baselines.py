"""Simple models on the network's own split and features: the comparison the course asks
for ("does the network beat a linear model or a small tree on the same data?").

Both baselines see the encoded inputs flattened, fitted on the training split, and are
scored with the same metric functions as the network. To stay within seconds on large
inputs (say 50,000 k-mer profiles of 4,096 features), a training matrix above
``MAX_FEATURES`` columns keeps the columns most related to the target (ANOVA F test on the
training rows), and one above ``MAX_CELLS`` values is fitted on a seeded random subset of
its rows (the F test then uses those rows). Each result says so in its ``notes``; scoring
always uses every row.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from sklearn.feature_selection import f_classif, f_regression
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from core.data.tensors import TensorData
from core.errors import TrainError
from core.metrics import classification_metrics, regression_metrics
from core.progress import StopFn, check_stop

MAX_FEATURES = 1024
MAX_CELLS = 5_000_000
MIN_ROWS = 1000
TREE_DEPTH = 8


def _flat(X: np.ndarray) -> np.ndarray:
    return X.reshape(len(X), int(np.prod(X.shape[1:])))  # -1 fails on empty splits


def _reduce(
    data: TensorData, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[str]]:
    """(training rows, training targets, kept columns or None, notes)."""
    X, y = _flat(data.X_train), data.y_train
    notes: list[str] = []
    rng = np.random.default_rng(seed)
    n, d = X.shape
    max_rows = max(MIN_ROWS, MAX_CELLS // min(d, MAX_FEATURES))
    if n > max_rows:  # rows first: gathering columns of the full matrix would be slow
        rows = np.sort(rng.choice(n, size=max_rows, replace=False))
        X, y = X[rows], y[rows]
        notes.append(f"fitted on a random {max_rows:,} of the {n:,} training samples")
    cols = None
    if d > MAX_FEATURES:
        score_fn = f_classif if data.task == "classification" else f_regression
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # constant columns give NaN scores
            F, _ = score_fn(X, y if y.ndim == 1 else y[:, 0])
        cols = np.sort(np.argsort(-np.nan_to_num(F, nan=-1.0), kind="stable")[:MAX_FEATURES])
        X = X[:, cols]
        notes.insert(0, f"fitted on the {MAX_FEATURES} of {d} features most related to the"
                        " target (ANOVA F test)")
    return X, y, cols, notes


def _full_proba(model: Any, X: np.ndarray, n_classes: int) -> np.ndarray:
    """predict_proba with one column per class, also for classes missing from training."""
    proba = np.zeros((len(X), n_classes))
    proba[:, model.classes_] = model.predict_proba(X)
    return proba


def fit_baselines(data: TensorData, seed: int = 0,
                  should_stop: StopFn | None = None) -> dict[str, dict[str, Any]]:
    """{"logistic_regression" | "linear_regression": ..., "decision_tree": ...}.

    ``should_stop`` is asked before each model and each scoring (``Cancelled``): a window
    closed while the baselines fit waits for one model's fit at most.

    Each value: {"train": metrics, "val": metrics, "test": metrics (each with "n"),
    "fit_seconds": float, "notes": [str]}.
    """
    classes = data.task == "classification"
    if classes and len(np.unique(data.y_train)) < 2:
        raise TrainError("baselines need at least two classes in the training split")
    X_fit, y_fit, cols, notes = _reduce(data, seed)
    if classes:
        models = {
            "logistic_regression": make_pipeline(
                StandardScaler(), LogisticRegression(max_iter=500, random_state=seed)),
            "decision_tree": DecisionTreeClassifier(max_depth=TREE_DEPTH, random_state=seed),
        }
    else:
        models = {
            "linear_regression": make_pipeline(StandardScaler(), LinearRegression()),
            "decision_tree": DecisionTreeRegressor(max_depth=TREE_DEPTH, random_state=seed),
        }
    splits = {}
    for split in ("train", "val", "test"):
        X, y = data.split_arrays(split)
        splits[split] = (_flat(X) if cols is None else np.take(_flat(X), cols, axis=1), y)
    results: dict[str, dict[str, Any]] = {}
    for name, model in models.items():
        check_stop(should_stop)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; the scores tell the story
            model.fit(X_fit, y_fit)
        entry: dict[str, Any] = {"fit_seconds": time.perf_counter() - t0, "notes": list(notes)}
        for split, (Xf, y) in splits.items():
            check_stop(should_stop)
            metrics: dict[str, Any] = {"n": int(len(Xf))}
            if len(Xf):
                if classes:
                    metrics.update(classification_metrics(
                        y, _full_proba(model, Xf, data.n_outputs), data.class_names))
                else:
                    metrics.update(regression_metrics(y, model.predict(Xf)))
            entry[split] = metrics
        results[name] = entry
    return results
