"""Any dataset as one flat feature table, for the classic (scikit-learn) methods.

The classic methods see exactly the features a network would see: the modality's
preprocessing (one-hot or k-mer profile, table imputation and category one-hot, image
pixels) flattened to (N, F), with the preprocessing's feature names ("12:A", "ACG",
"petal width (cm)", pixel names).

Scaling is a separate, explicit step: ``classic_encoding`` turns the table scaler off,
so PCA and k-means see unscaled values unless the user asks for ``standardize_columns``
(the same z-scoring for every modality, one-hot and k-mer columns included), and tree
thresholds read in the table's own units ("petal width (cm) <= 0.80").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core.data.dataset import Dataset
from core.data.options import EncodingOptions
from core.data.preprocessing import make_preprocessing
from core.errors import DataError


def classic_encoding(options: EncodingOptions | None = None) -> EncodingOptions:
    """The user's encoding choices with the table scaler off (scaling is asked separately)."""
    return replace(options or EncodingOptions(), standardize=False)


def feature_matrix(
    ds: Dataset,
    preprocessing_options: EncodingOptions | None = None,
    fit_idx: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """(X of shape (N, F), feature names) for every row of ``ds``.

    The preprocessing is fitted on rows ``fit_idx`` (the training split, so a tree's
    held-out rows do not leak into imputation), or on all rows for the unsupervised
    methods. ``preprocessing_options`` defaults to ``classic_encoding()``.
    """
    if len(ds) == 0:
        raise DataError("the dataset has no samples")
    options = preprocessing_options or classic_encoding()
    pre = make_preprocessing(ds, options)
    idx = np.arange(len(ds), dtype=np.int64) if fit_idx is None else np.asarray(fit_idx)
    pre.fit(ds, idx)
    x = pre.transform(ds)
    x = x.reshape(len(x), -1)
    return x, list(pre.feature_names)


def standardize_columns(x: np.ndarray) -> np.ndarray:
    """Each column to mean 0 and variance 1; constant columns become 0, not NaN."""
    x = np.asarray(x, dtype=np.float64 if x.dtype == np.float64 else np.float32)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    return (x - mean) / std


def check_matrix(x: np.ndarray, what: str = "features") -> np.ndarray:
    """A finite 2-D float array with at least one row and column, or a ``DataError``."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise DataError(f"{what} must be a 2-D table (samples x features), got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise DataError(f"{what} table is empty (shape {x.shape[0]} x {x.shape[1]})")
    if not np.issubdtype(x.dtype, np.floating):
        try:
            x = x.astype(np.float64)
        except (TypeError, ValueError):
            raise DataError(f"{what} must be numbers; encode text columns first") from None
    if not (np.isfinite(x.min()) and np.isfinite(x.max())):  # NaN propagates; no N x F temp
        raise DataError(f"{what} hold missing or infinite values; impute or drop them first")
    return x


def check_feature_names(names: list[str] | None, n_features: int) -> list[str]:
    """The given names, or "x0", "x1", ... when there are none."""
    if names is None:
        return [f"x{i}" for i in range(n_features)]
    names = [str(n) for n in names]
    if len(names) != n_features:
        raise DataError(f"{len(names)} feature names given for {n_features} features")
    return names
