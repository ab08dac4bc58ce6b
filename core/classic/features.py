"""Any dataset as one flat feature table, for the classic (scikit-learn) methods.

The classic methods see exactly the features a network would see: the modality's
preprocessing (one-hot or k-mer profile, table imputation and category one-hot, image
pixels) flattened to (N, F), with the preprocessing's feature names ("12:A", "ACG",
"petal width (cm)", pixel names), and each feature also as a reader says it
(``Feature.label``: "position 30 is G", "pixel (13, 22)", "colour is red"), which the
pages and the tree's rules show.

Scaling is a separate, explicit step: ``classic_encoding`` turns the table scaler off,
so PCA and k-means see unscaled values unless the user asks for ``standardize_columns``
(the same z-scoring for every modality, one-hot and k-mer columns included), and tree
thresholds read in the table's own units ("petal width (cm) <= 0.80").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.data.dataset import Dataset
from core.data.options import EncodingOptions
from core.data.preprocessing import make_preprocessing
from core.errors import DataError

RGB_NAMES = ("red", "green", "blue")


@dataclass(frozen=True)
class Feature:
    """One column of the flat table, named twice.

    ``name`` is what files and the command line write ("29:G", "c0:13:22", "colour=red");
    ``label`` is what a reader is shown ("position 30 is G", "pixel (13, 22)", "colour is
    red"). A 0/1 column (a one-hot letter, a table category) also says what it is about
    (``subject``: "position 30") and which ``value`` sets it ("G"), so that a split on it
    reads "position 30 is G" / "is not G" rather than "29:G <= 0.50".
    """

    name: str
    label: str
    subject: str | None = None
    value: str | None = None

    @property
    def is_indicator(self) -> bool:
        return self.subject is not None

    def reads_as_choice(self, threshold: float) -> bool:
        """True when a split at ``threshold`` separates "is" from "is not" (a 0/1
        column cut between its values), so it can be worded without the number."""
        return self.is_indicator and 0.0 <= threshold < 1.0

    def split_texts(self, threshold: float) -> tuple[str, str]:
        """What holds for the samples a split at ``threshold`` sends left (<=) and right.

        On a one-hot letter a threshold under 0.5 also sends ambiguity codes that may be
        the letter (N = 0.25 of each) to the right, which the right-hand text says.
        """
        if self.reads_as_choice(threshold):
            maybe = " (or may be)" if threshold < 0.5 else ""
            return (f"{self.subject} is not {self.value}",
                    f"{self.subject} is {self.value}{maybe}")
        t = format_threshold(threshold)
        return f"{self.label} <= {t}", f"{self.label} > {t}"


def format_threshold(value: float) -> str:
    """Two decimals as the lecture prints them, or 3 significant digits for tiny values."""
    if value == 0 or 0.01 <= abs(value) < 1e6:
        return f"{value:.2f}"
    return f"{value:.3g}"


def classic_encoding(options: EncodingOptions | None = None) -> EncodingOptions:
    """The user's encoding choices with the table scaler off (scaling is asked separately)."""
    return replace(options or EncodingOptions(), standardize=False)


def feature_matrix(
    ds: Dataset,
    preprocessing_options: EncodingOptions | None = None,
    fit_idx: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """(X of shape (N, F), feature names) for every row of ``ds`` (``feature_table``
    with the names files use)."""
    x, features = feature_table(ds, preprocessing_options, fit_idx)
    return x, [f.name for f in features]


def feature_table(
    ds: Dataset,
    preprocessing_options: EncodingOptions | None = None,
    fit_idx: np.ndarray | None = None,
) -> tuple[np.ndarray, list[Feature]]:
    """(X of shape (N, F), one ``Feature`` per column) for every row of ``ds``.

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
    return x, describe_features(pre)


def describe_features(pre: Any) -> list[Feature]:
    """The fitted preprocessing's features, each with its readable label.

    Sequence positions count from 1, as biologists count (raw "0:A" is "position 1 is
    A"); pixels are (row, column) from 0, as image tools show them, with the channel
    only when there is more than one (and its colour for RGB images). Anything else
    keeps its name as its label.
    """
    names = list(pre.feature_names)
    kind = getattr(pre, "kind", None)
    if kind == "sequence" and getattr(pre, "encoding", None) == "onehot":
        features = [_letter_feature(n) for n in names]
    elif kind == "sequence":
        features = [Feature(n, f"k-mer {n}") for n in names]
    elif kind == "image":  # (C, H, W)
        channels = pre.input_shape[0]
        features = [_pixel_feature(n, channels) for n in names]
    elif kind == "tabular":
        features = _table_features(pre, names)
    else:
        features = [Feature(n, n) for n in names]
    return features if len(features) == len(names) else [Feature(n, n) for n in names]


def _letter_feature(name: str) -> Feature:
    position, _, letter = name.partition(":")
    if not position.isdigit() or not letter:
        return Feature(name, name)
    subject = f"position {int(position) + 1}"
    return Feature(name, f"{subject} is {letter}", subject, letter)


def _pixel_feature(name: str, channels: int) -> Feature:
    parts = name.removeprefix("c").split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return Feature(name, name)
    c, row, column = (int(p) for p in parts)
    label = f"pixel ({row}, {column})"
    if channels > 1:
        label += f", channel {c}" + (f" ({RGB_NAMES[c]})" if channels == 3 else "")
    return Feature(name, label)


def _table_features(pre: Any, names: list[str]) -> list[Feature]:
    """Numeric columns keep their names; each category column becomes "column is value"."""
    features: list[Feature] = []
    for column in getattr(pre, "columns", None) or []:
        if column.kind == "numeric":
            features.append(Feature(column.name, column.name))
            continue
        for value in column.categories:
            features.append(Feature(f"{column.name}={value}", f"{column.name} is {value}",
                                    str(column.name), str(value)))
    if [f.name for f in features] != names:
        return [Feature(n, n) for n in names]
    return features


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
