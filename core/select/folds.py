"""Cross-validation folds over the training and validation rows of a split, never its test.

A fold is a ``Split`` whose train side is the fold's training rows, whose validation side
is the fold's held-out rows and whose test side is empty, so a fold runs through the same
``prepare_run`` / ``train_prepared`` as any run: the preprocessing is refitted on the
fold's training rows (nothing of the held-out rows leaks into scalers or lengths), and
early stopping, if on, watches the fold's held-out rows.

The folds are stratified by class (or target decile), and grouped when the dataset has
groups (a patient's samples all sit in one fold): ``core.data.splits.kfold_indices``.
"""

from __future__ import annotations

import numpy as np

from core.data.dataset import Dataset, Split
from core.data.splits import kfold_indices
from core.errors import DataError


def pool_rows(split: Split) -> np.ndarray:
    """The rows cross-validation and search may look at: training and validation."""
    return np.sort(np.concatenate([split.train, split.val])).astype(np.int64)


def cv_splits(ds: Dataset, split: Split, k: int, seed: int = 0) -> list[Split]:
    """``k`` fold splits of ``split``'s training and validation rows; ``DataError`` for
    fewer than 2 folds or more folds than samples (groups) to hold them out."""
    if k < 2:
        raise DataError(f"cross-validation needs at least 2 folds, got {k}")
    pairs = kfold_indices(ds, k, seed, among=pool_rows(split))
    empty = np.zeros(0, dtype=np.int64)
    return [Split(train=train, val=held, test=empty, seed=seed) for train, held in pairs]
