"""Principal component analysis: scores, explained variance and loadings per feature.

A typed wrapper on ``sklearn.decomposition.PCA`` that picks the solver itself (and
says which), so a 100,000-sample table does not take a full SVD, and that names every
loading after its feature ("12:A", "ACGT", "petal width (cm)").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from core.classic.features import check_feature_names, check_matrix, standardize_columns
from core.errors import DataError
from core.progress import ProgressFn, StopFn, check_stop, report

DEFAULT_COMPONENTS = 10
LARGE_CELLS = 10_000_000  # N * F above which a truncated (randomized) solver pays off


@dataclass
class PCAResult:
    """Scores (N, k), variance explained and loadings (k, F) of a fitted PCA."""

    scores: np.ndarray
    explained_variance_ratio: np.ndarray
    explained_variance: np.ndarray
    components: np.ndarray  # loadings: unit-length directions in feature space
    feature_names: list[str]
    mean: np.ndarray
    standardized: bool
    solver: str
    seed: int = 0

    @property
    def n_components(self) -> int:
        return len(self.explained_variance_ratio)

    @property
    def n_samples(self) -> int:
        return int(self.scores.shape[0])

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def cumulative(self) -> np.ndarray:
        return np.cumsum(self.explained_variance_ratio)

    @property
    def component_names(self) -> list[str]:
        return [f"PC{i + 1}" for i in range(self.n_components)]

    def top_loadings(self, component: int, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` features with the largest absolute loading on ``component`` (0 = PC1)."""
        if not 0 <= component < self.n_components:
            raise DataError(
                f"component {component + 1} does not exist; there are {self.n_components}"
            )
        row = self.components[component]
        order = np.argsort(-np.abs(row), kind="stable")[: max(n, 0)]
        return [(self.feature_names[i], float(row[i])) for i in order]

    def scores_frame(
        self, ids: list[str] | None = None, labels: list[str] | None = None
    ) -> pd.DataFrame:
        """One row per sample: id, optional label, PC1..PCk (the scatter plot's data)."""
        df = pd.DataFrame(self.scores, columns=self.component_names)
        if labels is not None:
            df.insert(0, "label", labels)
        df.insert(0, "id", ids if ids is not None else range(self.n_samples))
        return df

    def loadings_frame(self) -> pd.DataFrame:
        """One row per feature: its loading on each component."""
        df = pd.DataFrame(self.components.T, columns=self.component_names)
        df.insert(0, "feature", self.feature_names)
        return df

    def variance_frame(self) -> pd.DataFrame:
        """One row per component: explained variance ratio and cumulative ratio (scree)."""
        return pd.DataFrame({
            "component": self.component_names,
            "explained_variance_ratio": self.explained_variance_ratio,
            "cumulative": self.cumulative,
        })

    def to_dict(self, top: int = 5) -> dict[str, Any]:
        """JSON-ready summary (no per-sample data)."""
        return {
            "n_samples": self.n_samples,
            "n_features": self.n_features,
            "n_components": self.n_components,
            "standardized": self.standardized,
            "solver": self.solver,
            "explained_variance_ratio": [float(v) for v in self.explained_variance_ratio],
            "cumulative": [float(v) for v in self.cumulative],
            "top_loadings": {
                name: [{"feature": f, "loading": v} for f, v in self.top_loadings(i, top)]
                for i, name in enumerate(self.component_names)
            },
        }


def choose_solver(n_samples: int, n_features: int, n_components: int) -> str:
    """The cheapest solver that is exact enough.

    Tall, narrow tables (F <= 1000, N >= 10 F) use the covariance eigendecomposition
    (exact, one pass over X, no centred copy); other large tables with few components use
    the randomized SVD; small ones the full LAPACK SVD.
    """
    if n_features <= 1000 and n_samples >= 10 * n_features:
        return "covariance_eigh"
    large = n_samples * n_features > LARGE_CELLS or n_features > 500
    if large and n_components < 0.8 * min(n_samples, n_features):
        return "randomized"
    return "full"


def run_pca(
    x: np.ndarray,
    n_components: int | None = None,
    standardize: bool = False,
    feature_names: list[str] | None = None,
    seed: int = 0,
    solver: str | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> PCAResult:
    """PCA of ``x`` (samples x features), optionally on z-scored columns.

    ``n_components`` defaults to ``min(10, N, F)``. ``solver`` overrides
    ``choose_solver`` (any ``svd_solver`` of scikit-learn). Raises ``DataError`` for
    impossible requests and ``Cancelled`` when ``should_stop`` answers True.
    """
    x = check_matrix(x)
    n, f = x.shape
    names = check_feature_names(feature_names, f)
    if n < 2:
        raise DataError("PCA needs at least 2 samples")
    limit = min(n, f)
    if n_components is None:
        n_components = min(DEFAULT_COMPONENTS, limit)
    if n_components < 1:
        raise DataError(f"number of components must be at least 1, got {n_components}")
    if n_components > limit:
        what = f"{f} features" if f <= n else f"{n} samples"
        raise DataError(f"{n_components} components asked, but the data has only {what}")
    solver = solver or choose_solver(n, f, n_components)
    check_stop(should_stop)
    report(progress, 0.0, f"PCA ({solver} solver)")
    if standardize:
        x = standardize_columns(x)
    pca = PCA(n_components=n_components, svd_solver=solver, random_state=seed)
    with np.errstate(divide="ignore", invalid="ignore"):  # zero total variance: checked below
        scores = pca.fit_transform(x)
    if not np.isfinite(pca.explained_variance_ratio_).all():
        raise DataError("every feature has the same value in all samples; nothing to analyse")
    check_stop(should_stop)
    report(progress, 1.0, "PCA done")
    return PCAResult(
        scores=scores,
        explained_variance_ratio=pca.explained_variance_ratio_,
        explained_variance=pca.explained_variance_,
        components=pca.components_,
        feature_names=names,
        mean=pca.mean_,
        standardized=standardize,
        solver=solver,
        seed=seed,
    )
