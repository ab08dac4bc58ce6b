"""Permutation importance on the test split: the network and the baselines side by side.

scikit-learn's ``permutation_importance`` shuffles one feature across the test rows and
measures how much the score drops (accuracy for a classifier, R² for a regression),
``n_repeats`` times per feature. A "feature" is what a person would call one:

- a one-hot or integer-coded sequence: one position (its letters move together, so a
  shuffled position still holds a letter);
- an image: one pixel (its channels move together);
- anything flat (a table, a k-mer profile): one input column.

To let scikit-learn shuffle such groups, each estimator wrapper is handed a matrix of
row numbers, one column per group, and rebuilds the inputs from it: shuffling column g
gives every test row the group-g values of another row. The network and every baseline
(refitted on the training tensors exactly as the run fitted them: same rows, columns and
seed, ``core.classic.baselines.fit_baseline_models``) are scored on the same shuffles.
The test split is only read: nothing is chosen from these numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator

from core.data.tensors import TensorData
from core.errors import ExplainError
from core.nn.predict import predict
from core.progress import ProgressFn, StopFn, check_stop, report

NETWORK = "network"
MAX_ROWS = 2000  # test rows scored; more only sharpen numbers already clear


@dataclass
class ImportanceScores:
    """One model's importances: the score drop per feature when it is shuffled."""

    score: float  # on the intact test rows
    mean: np.ndarray  # (features,)
    std: np.ndarray  # (features,) over the repeats


@dataclass
class PermutationImportance:
    features: list[str]
    models: dict[str, ImportanceScores]  # "network" first, then each baseline
    metric: str  # "accuracy" or "r2"
    n_repeats: int
    n_rows: int
    notes: list[str] = field(default_factory=list)

    def table(self) -> list[dict[str, object]]:
        """One row per feature: feature, then <model>_mean and <model>_std per model."""
        rows = []
        for i, name in enumerate(self.features):
            row: dict[str, object] = {"feature": name}
            for model, s in self.models.items():
                row[f"{model}_mean"] = float(s.mean[i])
                row[f"{model}_std"] = float(s.std[i])
            rows.append(row)
        return rows


class _Grouped(BaseEstimator):
    """An estimator whose inputs are row numbers, one column per feature group."""

    def __init__(self, predict_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                 X: np.ndarray | None = None, group_of: np.ndarray | None = None) -> None:
        self.predict_fn = predict_fn
        self.X = X
        self.group_of = group_of

    def fit(self, rows: np.ndarray, y: np.ndarray) -> _Grouped:
        return self  # fitted already: scikit-learn only needs the method

    def predict(self, rows: np.ndarray) -> np.ndarray:
        assert self.X is not None and self.group_of is not None and self.predict_fn
        flat = self.X.reshape(len(self.X), -1)
        source = np.asarray(rows, dtype=np.int64)[:, self.group_of]  # (n, columns)
        rebuilt = flat[source, np.arange(flat.shape[1])]
        return self.predict_fn(rebuilt.reshape(len(rows), *self.X.shape[1:]))


def feature_groups(input_shape: Sequence[int], layout: str,
                   feature_names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """(the group of each flattened input column, the groups' names)."""
    shape = tuple(input_shape)
    size = int(np.prod(shape))
    if layout.startswith(("onehot:", "integer:")) and len(shape) in (1, 2):
        length = shape[0]
        per = size // length
        return np.repeat(np.arange(length), per), [f"position {i + 1}" for i in range(length)]
    if layout == "image" and len(shape) == 3:
        c, h, w = shape
        pixel = np.tile(np.arange(h * w), c)  # (C, H, W) flattened: channel-major
        return pixel, [f"row {r + 1} col {k + 1}" for r in range(h) for k in range(w)]
    names = list(feature_names) if len(feature_names) == size else \
        [f"x{i + 1}" for i in range(size)]
    return np.arange(size), names


def permutation_importance_table(
    model: object, data: TensorData, *, baselines: Sequence[str] | None = None,
    seed: int = 0, n_repeats: int = 5, max_rows: int = MAX_ROWS,
    progress: ProgressFn | None = None, should_stop: StopFn | None = None,
) -> PermutationImportance:
    """Permutation importance of the network ``model`` and of the baselines (names of
    ``core.classic.baseline_info.BASELINES``; None: every one of the task, [] none) on
    ``data``'s test rows (a seeded sample of ``max_rows`` at most)."""
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import get_scorer

    from core.classic.baselines import fit_baseline_models

    if data.task == "reconstruct":
        raise ExplainError("permutation importance needs labels to score; an autoencoder "
                           "run has none")
    if len(data.X_test) == 0:
        raise ExplainError("permutation importance is measured on the test split, and this "
                           "run has no test rows")
    notes: list[str] = []
    X, y = data.X_test, data.y_test
    if len(X) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(X), max_rows, replace=False))
        X, y = X[keep], y[keep]
        notes.append(f"measured on a random {max_rows:,} of the {len(data.X_test):,} test "
                     "samples")
    group_of, names = feature_groups(data.input_shape, data.layout, data.feature_names)
    metric = "accuracy" if data.task == "classification" else "r2"

    def network(Xb: np.ndarray) -> np.ndarray:
        return predict(model, Xb, data.task)[0]  # type: ignore[arg-type]

    predictors: dict[str, Callable[[np.ndarray], np.ndarray]] = {NETWORK: network}
    check_stop(should_stop)
    for name, fitted in fit_baseline_models(data, seed, should_stop, baselines).items():
        predictors[name] = (lambda f: lambda Xb: f.model.predict(f.features(Xb)))(fitted)
        notes += [f"{name}: {n}" for n in fitted.notes]
    rows = np.tile(np.arange(len(X)), (len(names), 1)).T  # every group from its own row
    models: dict[str, ImportanceScores] = {}
    for i, (name, fn) in enumerate(predictors.items()):
        check_stop(should_stop)
        est = _Grouped(fn, X, group_of)
        got = permutation_importance(est, rows, y, scoring=metric, n_repeats=n_repeats,
                                     random_state=seed, n_jobs=1)
        score = float(get_scorer(metric)(est, rows, y))
        models[name] = ImportanceScores(score, got.importances_mean, got.importances_std)
        report(progress, (i + 1) / len(predictors), f"permutation importance: {name}")
    return PermutationImportance(names, models, metric, n_repeats, len(X), notes)

