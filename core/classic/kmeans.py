"""k-means clustering, its quality figures, and the elbow curve for choosing k.

A typed wrapper on ``sklearn.cluster.KMeans``. When the samples have known classes
(population, family) the clusters are compared with them: adjusted Rand index and a
clusters x classes contingency table, as the population-structure lecture does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from core.classic.features import check_feature_names, check_matrix
from core.errors import DataError
from core.progress import ProgressFn, StopFn, check_stop, report

SILHOUETTE_SAMPLE = 5000  # silhouette is O(N^2): above this many samples, use a seeded sample
INITS = ("k-means++", "random")


@dataclass
class KMeansResult:
    """Cluster of every sample, centroids, and how well the clusters fit."""

    assignments: np.ndarray  # int64 (N,), cluster 0..k-1
    centroids: np.ndarray  # (k, F)
    inertia: float  # sum of squared distances to the nearest centroid
    n_iter: int
    silhouette: float | None  # None when it is undefined (every sample its own cluster...)
    silhouette_sample_size: int | None  # None when every sample was used
    k: int
    init: str
    n_init: int
    seed: int
    ari: float | None = None  # adjusted Rand index against ``labels``
    contingency: np.ndarray | None = None  # (k, C) counts: cluster x known class
    class_names: list[str] | None = None

    @property
    def sizes(self) -> list[int]:
        return [int(c) for c in np.bincount(self.assignments, minlength=self.k)]

    @property
    def cluster_names(self) -> list[str]:
        return [f"cluster {i}" for i in range(self.k)]

    def clusters_frame(
        self, ids: list[str] | None = None, labels: list[str] | None = None
    ) -> pd.DataFrame:
        """One row per sample: id, cluster, and the known label when there is one."""
        df = pd.DataFrame({
            "id": ids if ids is not None else range(len(self.assignments)),
            "cluster": self.assignments,
        })
        if labels is not None:
            df["label"] = labels
        return df

    def centroids_frame(self, feature_names: list[str] | None = None) -> pd.DataFrame:
        """One row per cluster: its centroid's value for every feature."""
        names = check_feature_names(feature_names, self.centroids.shape[1])
        df = pd.DataFrame(self.centroids, columns=names)
        df.insert(0, "cluster", range(self.k))
        return df

    def contingency_frame(self) -> pd.DataFrame | None:
        """Clusters (rows) x known classes (columns), or None without known classes."""
        if self.contingency is None:
            return None
        df = pd.DataFrame(self.contingency, columns=self.class_names)
        df.insert(0, "cluster", range(self.k))
        return df

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-sample data)."""
        return {
            "k": self.k,
            "init": self.init,
            "n_init": self.n_init,
            "seed": self.seed,
            "n_samples": len(self.assignments),
            "n_features": int(self.centroids.shape[1]),
            "inertia": self.inertia,
            "n_iter": self.n_iter,
            "silhouette": self.silhouette,
            "silhouette_sample_size": self.silhouette_sample_size,
            "sizes": self.sizes,
            "ari": self.ari,
            "class_names": self.class_names,
            "contingency": None if self.contingency is None else self.contingency.tolist(),
        }


class ElbowPoint(NamedTuple):
    k: int
    inertia: float
    silhouette: float | None


def run_kmeans(
    x: np.ndarray,
    k: int,
    init: str = "k-means++",
    n_init: int = 10,
    seed: int = 0,
    labels: np.ndarray | None = None,
    class_names: list[str] | None = None,
    max_iter: int = 300,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> KMeansResult:
    """Cluster the rows of ``x`` into ``k`` groups (best of ``n_init`` seeded starts).

    ``labels`` (int class per sample, e.g. ``Dataset.targets`` of a classification
    dataset) adds the adjusted Rand index and the contingency table. Raises
    ``DataError`` for impossible requests and ``Cancelled`` when asked to stop.
    """
    x = check_matrix(x)
    _check_k(k, x.shape[0])
    if init not in INITS:
        raise DataError(f"unknown k-means init {init!r}; use {' or '.join(INITS)}")
    if n_init < 1:
        raise DataError(f"number of starts (n_init) must be at least 1, got {n_init}")
    if labels is not None:
        labels = _check_labels(labels, x.shape[0], class_names)
        class_names = None if class_names is None else [str(c) for c in class_names]
    check_stop(should_stop)
    report(progress, 0.0, f"k-means, k = {k}")
    model = KMeans(n_clusters=k, init=init, n_init=n_init, max_iter=max_iter, random_state=seed)
    assignments = model.fit_predict(x).astype(np.int64)
    check_stop(should_stop)
    report(progress, 0.8, "silhouette")
    silhouette, sample = _silhouette(x, assignments, seed)
    result = KMeansResult(
        assignments=assignments,
        centroids=model.cluster_centers_,
        inertia=float(model.inertia_),
        n_iter=int(model.n_iter_),
        silhouette=silhouette,
        silhouette_sample_size=sample,
        k=k,
        init=init,
        n_init=n_init,
        seed=seed,
    )
    if labels is not None:
        n_classes = len(class_names) if class_names else int(labels.max()) + 1
        table = np.zeros((k, n_classes), dtype=np.int64)
        np.add.at(table, (assignments, labels), 1)
        result.ari = float(adjusted_rand_score(labels, assignments))
        result.contingency = table
        result.class_names = class_names or [str(c) for c in range(n_classes)]
    report(progress, 1.0, "k-means done")
    return result


def elbow(
    x: np.ndarray,
    k_values: Sequence[int],
    seed: int = 0,
    init: str = "k-means++",
    n_init: int = 10,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> list[ElbowPoint]:
    """Inertia and silhouette for each k (the elbow plot), stoppable between k values."""
    x = check_matrix(x)
    ks = [int(k) for k in k_values]
    if not ks:
        raise DataError("the elbow curve needs at least one k")
    for k in ks:
        _check_k(k, x.shape[0])
    points = []
    for i, k in enumerate(ks):
        check_stop(should_stop)
        report(progress, i / len(ks), f"k-means, k = {k}")
        r = run_kmeans(x, k, init=init, n_init=n_init, seed=seed)
        points.append(ElbowPoint(k, r.inertia, r.silhouette))
    check_stop(should_stop)
    report(progress, 1.0, "elbow done")
    return points


def elbow_frame(points: Sequence[ElbowPoint]) -> pd.DataFrame:
    return pd.DataFrame(points, columns=list(ElbowPoint._fields))


def _check_k(k: int, n_samples: int) -> None:
    if k < 2:
        raise DataError(f"k must be at least 2, got {k}")
    if k > n_samples:
        raise DataError(f"k = {k} is more than the {n_samples} samples")


def _check_labels(labels: np.ndarray, n: int, class_names: list[str] | None) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise DataError(f"{len(labels)} labels given for {n} samples")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError("labels must be class indices (a classification target)")
    if labels.min() < 0 or (class_names and labels.max() >= len(class_names)):
        raise DataError("labels must be class indices into the class names")
    return labels.astype(np.int64)


def _silhouette(
    x: np.ndarray, assignments: np.ndarray, seed: int
) -> tuple[float | None, int | None]:
    """Mean silhouette (sampled above ``SILHOUETTE_SAMPLE`` samples), None if undefined."""
    n = len(assignments)
    n_clusters = len(np.unique(assignments))
    if not 2 <= n_clusters <= n - 1:
        return None, None
    if n <= SILHOUETTE_SAMPLE:
        return float(silhouette_score(x, assignments)), None
    rng = np.random.default_rng(seed)
    idx = rng.choice(n, SILHOUETTE_SAMPLE, replace=False)
    if len(np.unique(assignments[idx])) < 2:
        return None, None
    return float(silhouette_score(x[idx], assignments[idx])), SILHOUETTE_SAMPLE
