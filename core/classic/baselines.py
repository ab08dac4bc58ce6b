"""Simple models on the network's own split and features: the comparison the course asks
for ("does the network beat a linear model, a tree or a forest on the same data?").

Every baseline sees the encoded inputs flattened, fitted on the training split, and is
scored with the same metric functions as the network (``core.classic.baseline_info``
names them and says what each one is). To stay within seconds on large inputs (say 50,000
k-mer profiles of 4,096 features), a training matrix above ``MAX_FEATURES`` columns keeps
the columns most related to the target (ANOVA F test on the training rows), and one above
``MAX_CELLS`` values is fitted on a seeded random subset of its rows (the F test then uses
those rows). The random forest and k-nearest neighbours, slower per row, take a further
subset (``SLOW_MAX_CELLS``). Each result says so in its ``notes``; scoring always uses
every row.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_selection import f_classif, f_regression
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from core.classic.baseline_info import BASELINES, resolve
from core.data.tensors import TensorData
from core.errors import TrainError
from core.metrics import classification_metrics, regression_metrics
from core.progress import StopFn, check_stop

__all__ = ["BASELINES", "FittedBaseline", "baseline_memory", "fit_baseline_models", "fit_baselines",
           "sample_rows", "TREE_DEPTH"]

MAX_FEATURES = 1024
MAX_CELLS = 5_000_000
MIN_ROWS = 1000
TREE_DEPTH = 8
FOREST_TREES = 100
NEIGHBOURS = 5
# The forest grows 100 deep trees and k-NN compares every scored row with every fitted
# one: 1,000 rows x 1,000 features keeps each near 5 s on one core (noise data, the worst
# case; real data with structure grows shallower trees).
SLOW_MAX_CELLS = 1_000_000
SLOW_MIN_ROWS = 500
SLOW = ("random_forest", "knn")


def _flat(X: np.ndarray) -> np.ndarray:
    return X.reshape(len(X), int(np.prod(X.shape[1:])))  # -1 fails on empty splits


def _subsample(X: np.ndarray, y: np.ndarray, max_rows: int, rng: np.random.Generator,
               n_total: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if len(X) <= max_rows:
        return X, y, []
    rows = np.sort(rng.choice(len(X), size=max_rows, replace=False))
    return X[rows], y[rows], [f"fitted on a random {max_rows:,} of the {n_total:,} training "
                              "samples"]


def sample_rows(input_shape: tuple[int, ...]) -> int:
    """Training rows the baselines fit on at most, for inputs of ``input_shape``."""
    d = int(np.prod(input_shape))
    return max(MIN_ROWS, MAX_CELLS // max(min(d, MAX_FEATURES), 1))


def _reduce(
    data: TensorData, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[str]]:
    """(training rows, training targets, kept columns or None, notes)."""
    X, y = _flat(data.X_train), data.y_train
    rng = np.random.default_rng(seed)
    n, d = X.shape
    # rows first: gathering columns of the full matrix would be slow
    X, y, notes = _subsample(X, y, sample_rows(data.input_shape), rng, n)
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


def _model(name: str, regression: bool, seed: int, X: np.ndarray) -> tuple[Any, list[str]]:
    """A fresh scikit-learn model for ``name`` (a name of this task) and what to say
    about it; "/r" marks the regression variant of a model that has both."""
    k = max(1, min(NEIGHBOURS, len(X)))  # k-NN cannot ask for more neighbours than rows
    if name == "naive_bayes":
        if len(X) and float(X.min()) >= 0:  # counts, frequencies, one-hot: a multinomial
            return MultinomialNB(), ["MultinomialNB: every training feature is non-negative "
                                     "(counts, frequencies or one-hot)"]
        return GaussianNB(), ["GaussianNB: some training features are negative, so each is "
                              "modelled as a normal distribution per class"]
    makers = {
        "logistic_regression": lambda: make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=500, random_state=seed)),
        "linear_regression": lambda: make_pipeline(StandardScaler(), LinearRegression()),
        "decision_tree": lambda: DecisionTreeClassifier(max_depth=TREE_DEPTH,
                                                        random_state=seed),
        "decision_tree/r": lambda: DecisionTreeRegressor(max_depth=TREE_DEPTH,
                                                         random_state=seed),
        "random_forest": lambda: RandomForestClassifier(FOREST_TREES, n_jobs=1,
                                                        random_state=seed),
        "random_forest/r": lambda: RandomForestRegressor(  # √features per split, as
            FOREST_TREES, max_features="sqrt", n_jobs=1, random_state=seed),  # the classifier
        "knn": lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(k)),
        "knn/r": lambda: make_pipeline(StandardScaler(), KNeighborsRegressor(k)),
        "majority": lambda: DummyClassifier(strategy="most_frequent"),
        "mean": lambda: DummyRegressor(strategy="mean"),
    }
    key = f"{name}/r" if regression and f"{name}/r" in makers else name
    return makers[key](), []


def _full_proba(model: Any, X: np.ndarray, n_classes: int) -> np.ndarray:
    """predict_proba with one column per class, also for classes missing from training."""
    proba = np.zeros((len(X), n_classes))
    proba[:, model.classes_] = model.predict_proba(X)
    return proba


def baseline_memory(data: TensorData, name: str) -> int:
    """Bytes a baseline (a name of this task) takes at its peak, roughly, measured within
    2x: the rows ``_reduce`` and ``_fitted`` sample (copies), then the larger of fitting
    (logistic regression and naive Bayes copy the rows in float64 and hold rows x
    classes; a forest's 100 trees a value per node and class, about 120 nodes per 100
    rows) and scoring the largest split (probabilities and their metrics, about 24 bytes
    a row and class, 40 for naive Bayes; a scaler's copy of the rows)."""
    n, d = len(data.X_train), int(np.prod(data.input_shape))
    f = min(d, MAX_FEATURES)
    classes = data.n_outputs if data.task == "classification" else 1
    rows = max(n, len(data.X_val), len(data.X_test))
    m = min(n, max(MIN_ROWS, MAX_CELLS // max(f, 1)))
    copies = (4 * m * d if n > m else 0) + (4 * m * f if d > f else 0)
    if d > f:  # the chosen columns of every split, taken once for all the models
        copies += 4 * (n + len(data.X_val) + len(data.X_test)) * f
    if name in SLOW and m > (slow := max(SLOW_MIN_ROWS, SLOW_MAX_CELLS // max(f, 1))):
        m = slow
        copies += 4 * m * f
    scoring = (40 if name == "naive_bayes" else 24) * rows * classes
    if name in ("logistic_regression", "knn"):  # a StandardScaler copies what it scores
        scoring += 4 * rows * f
    fit = {
        "logistic_regression": 12 * m * f + 16 * m * classes + 160 * classes * f,
        "naive_bayes": 12 * m * f + 8 * m * classes + 32 * classes * f,
        "decision_tree": 8 * m + 8 * min(2 ** (TREE_DEPTH + 1), 2 * m) * classes,
        "random_forest": 8 * m + 8 * FOREST_TREES * (6 * m // 5) * classes,
        "knn": 8 * m * f,
    }.get(name, 8 * m)
    return copies + max(fit, scoring)


@dataclass
class FittedBaseline:
    """A fitted baseline and how it reads the network's inputs: flattened, then only
    ``columns`` (None: every column) of them."""

    model: Any
    columns: np.ndarray | None
    fit_seconds: float
    notes: list[str]

    def features(self, X: np.ndarray) -> np.ndarray:
        """``X`` (N, *input_shape) as the model's input."""
        flat = _flat(X)
        return flat if self.columns is None else np.take(flat, self.columns, axis=1)


def fit_baseline_models(data: TensorData, seed: int = 0, should_stop: StopFn | None = None,
                        which: Sequence[str] | None = None) -> dict[str, FittedBaseline]:
    """The fitted models behind ``fit_baselines`` (same rows, columns and seeds, so the
    same models), unscored: for whatever needs the models themselves (permutation
    importance, ``core.explain.permutation``). Names and errors as ``fit_baselines``."""
    return dict(_fitted(data, seed, should_stop, which))


def _fitted(data: TensorData, seed: int, should_stop: StopFn | None,
            which: Sequence[str] | None) -> Iterator[tuple[str, FittedBaseline]]:
    """Each model, fitted only when asked for: a stop request between two models is
    seen before the next one fits."""
    classes = data.task == "classification"
    names, _ = resolve(which, data.task)
    if not names:
        return
    if classes and len(np.unique(data.y_train)) < 2:
        raise TrainError("baselines need at least two classes in the training split")
    X_fit, y_fit, cols, notes = _reduce(data, seed)
    for name in names:
        check_stop(should_stop)
        X, y, entry_notes = X_fit, y_fit, list(notes)
        if name in SLOW:
            rows = max(SLOW_MIN_ROWS, SLOW_MAX_CELLS // max(X.shape[1], 1))
            X, y, extra = _subsample(X, y, rows, np.random.default_rng(seed + 1),
                                     len(data.X_train))
            if extra:  # a smaller sample than the other models': its note replaces theirs
                entry_notes = [n for n in notes if not n.startswith("fitted on a random")]
                entry_notes += extra
        model, said = _model(name, not classes, seed, X)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; the scores tell the story
            model.fit(X, y)
        yield name, FittedBaseline(model, cols, time.perf_counter() - t0, said + entry_notes)


def fit_baselines(data: TensorData, seed: int = 0, should_stop: StopFn | None = None,
                  which: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """{name: result} for each baseline of ``which`` (names of ``BASELINES``; None: every
    one that fits the task), in ``BASELINES`` order.

    A name meant for the other task runs as its twin (``baseline_info.resolve``); naive
    Bayes on a regression run is left out. An unknown name raises ``TrainError``.
    ``should_stop`` is asked before each model and each scoring (``Cancelled``): a window
    closed while the baselines fit waits for one model's fit at most.

    Each value: {"train": metrics, "val": metrics, "test": metrics (each with "n"),
    "fit_seconds": float, "notes": [str]}.
    """
    classes = data.task == "classification"
    results: dict[str, dict[str, Any]] = {}
    inputs: dict[str, np.ndarray] = {}  # every model reads the same columns: take them once
    for name, fitted in _fitted(data, seed, should_stop, which):
        entry: dict[str, Any] = {"fit_seconds": fitted.fit_seconds, "notes": fitted.notes}
        for split in ("train", "val", "test"):
            check_stop(should_stop)
            X, yf = data.split_arrays(split)
            metrics: dict[str, Any] = {"n": int(len(X))}
            if len(X):
                if split not in inputs:
                    inputs[split] = fitted.features(X)
                Xf = inputs[split]
                if classes:
                    metrics.update(classification_metrics(
                        yf, _full_proba(fitted.model, Xf, data.n_outputs), data.class_names))
                else:
                    metrics.update(regression_metrics(yf, fitted.model.predict(Xf)))
            entry[split] = metrics
        results[name] = entry
    return results
