"""The tree's best depth is chosen on validation rows: poisoned test rows change nothing."""

from __future__ import annotations

import numpy as np

from core.classic.tree_depth import best_depth, tree_on_split
from core.data.load import load_dataset
from core.data.splits import make_split


def test_poisoned_test_rows_change_the_test_score_but_not_the_choice() -> None:
    ds = load_dataset("demo:breast-cancer")
    split = make_split(ds, 0.2, 0.2, seed=1)
    fair = tree_on_split(ds, split.train, split.val, split.test)
    bad = ds.subset(np.arange(len(ds)))
    bad.records = bad.records.copy()
    bad.records.iloc[split.test, :] = bad.records.iloc[split.test, :].to_numpy()[::-1] * -3
    bad.targets = bad.targets.copy()
    bad.targets[split.test] = 1 - bad.targets[split.test]
    poisoned = tree_on_split(bad, split.train, split.val, split.test)
    assert poisoned.curve == fair.curve and poisoned.best_depth == fair.best_depth
    assert fair.best_depth is not None
    assert poisoned.result.test_metrics["accuracy"] < fair.result.test_metrics["accuracy"]
    assert poisoned.result.val_metrics == fair.result.val_metrics


def test_best_depth_is_the_shallowest_of_the_best() -> None:
    from core.classic.tree import DepthPoint

    points = [DepthPoint(1, 0.8, 0.7), DepthPoint(2, 0.9, 0.9), DepthPoint(3, 1.0, 0.9)]
    assert best_depth(points) == 2 and best_depth([DepthPoint(1, 0.8, None)]) is None
