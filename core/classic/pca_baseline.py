"""The classic comparison for an autoencoder: PCA with as many components as the
network's bottleneck, scored by the same reconstruction figures on the same splits.

PCA is the best *linear* code of that width (no linear autoencoder can beat it on the
training rows), so a network that does no better has learned nothing a straight line
could not; one that does better found curved structure. Fitted on the training rows only,
like every baseline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.decomposition import PCA

from core.classic.pca import choose_solver
from core.data.tensors import TensorData
from core.errors import TrainError
from core.metrics import reconstruction_metrics

PCA_BASELINE = "PCA"  # its key in ``TrainingOutcome.baseline`` and its column title
MAX_CELLS = 20_000_000  # training values above which PCA is fitted on a seeded subset


def _flat(X: np.ndarray) -> np.ndarray:
    return X.reshape(len(X), int(np.prod(X.shape[1:])))  # -1 fails on empty splits


def fit_pca_baseline(data: TensorData, n_components: int, seed: int = 0) -> dict[str, Any]:
    """{"train"/"val"/"test": reconstruction metrics (with "n"), "n_components", "notes"}.

    ``n_components`` is capped at what the training rows allow (features, rows); a cap
    is said in the notes. Raises ``TrainError`` for fewer than two training rows.
    """
    X = _flat(data.X_train).astype(np.float64)
    n, d = X.shape
    if n < 2:
        raise TrainError("PCA needs at least 2 training samples")
    k = max(1, min(int(n_components), d, n - 1))
    notes = [f"{k} component(s), as many values as the network's narrowest hidden layer"]
    if k != n_components:
        notes = [f"{k} component(s): the training data allow no more than that (the "
                 f"network's narrowest hidden layer has {n_components})"]
    rng = np.random.default_rng(seed)
    if X.size > MAX_CELLS:
        rows = np.sort(rng.choice(n, size=max(MAX_CELLS // d, k + 1), replace=False))
        X = X[rows]
        notes.append(f"fitted on a random {len(rows):,} of the {n:,} training samples")
    solver = choose_solver(len(X), d, k)
    pca = PCA(n_components=k, svd_solver=solver, random_state=seed).fit(X)
    out: dict[str, Any] = {"n_components": k, "notes": notes}
    for name in ("train", "val", "test"):
        Xs = _flat(data.split_arrays(name)[0]).astype(np.float64)
        metrics: dict[str, Any] = {"n": int(len(Xs))}
        if len(Xs):
            rebuilt = pca.inverse_transform(pca.transform(Xs))
            metrics.update(reconstruction_metrics(Xs, rebuilt))
        out[name] = metrics
    return out
