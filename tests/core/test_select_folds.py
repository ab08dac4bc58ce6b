"""Cross-validation folds: stratified, grouped, over training + validation rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.dataset import Dataset
from core.data.splits import make_split
from core.errors import DataError
from core.select.folds import cv_splits, pool_rows


def _ds(targets: np.ndarray, groups: np.ndarray | None = None) -> Dataset:
    n = len(targets)
    return Dataset(name="t", modality="tabular", task="classification",
                   records=pd.DataFrame({"x": np.arange(n, dtype=float)}),
                   targets=np.asarray(targets, dtype=np.int64),
                   ids=[f"s{i}" for i in range(n)],
                   class_names=[str(c) for c in range(int(targets.max()) + 1)],
                   groups=groups)


def test_folds_cover_train_and_val_once_stratified_and_never_test() -> None:
    targets = np.array([0] * 120 + [1] * 60)
    ds = _ds(targets)
    split = make_split(ds, 0.15, 0.2, seed=3)
    folds = cv_splits(ds, split, 5, seed=1)
    pool = pool_rows(split)
    held = np.concatenate([f.val for f in folds])
    assert np.array_equal(np.sort(held), pool)  # every pool row held out exactly once
    test = set(split.test.tolist())
    for f in folds:
        assert not test & set(f.train.tolist()) and not test & set(f.val.tolist())
        assert len(f.test) == 0
        assert not set(f.train.tolist()) & set(f.val.tolist())
        assert len(f.train) + len(f.val) == len(pool)
        share = targets[f.val].mean()  # one third of each fold is class 1, as in the pool
        assert abs(share - targets[pool].mean()) < 0.05


def test_grouped_folds_keep_a_group_together() -> None:
    groups = np.repeat(np.arange(40), 3).astype(str)  # a patient's three samples
    targets = (np.arange(120) // 3) % 2
    ds = _ds(targets, groups)
    split = make_split(ds, 0.1, 0.2, seed=0)
    folds = cv_splits(ds, split, 4, seed=0)
    for f in folds:
        assert not set(groups[f.train]) & set(groups[f.val])
        assert not set(groups[split.test]) & (set(groups[f.train]) | set(groups[f.val]))
    again = cv_splits(ds, split, 4, seed=0)
    assert all(np.array_equal(a.val, b.val) for a, b in zip(folds, again, strict=True))


@pytest.mark.parametrize(("k", "message"), [(1, "at least 2 folds"),
                                            (200, "k-fold needs 2 <= k <= ")])
def test_impossible_fold_counts_are_one_line_data_errors(k: int, message: str) -> None:
    ds = _ds(np.arange(60) % 2)
    split = make_split(ds, 0.2, 0.2, seed=0)
    with pytest.raises(DataError, match=message) as err:
        cv_splits(ds, split, k)
    assert "\n" not in str(err.value)
    if k > 2:
        assert "of the training and validation rows" in str(err.value)
