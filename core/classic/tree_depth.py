"""A tree on a train / validation / test split, its depth chosen on validation rows only.

What the Trees page runs: the tree is fitted on the training rows; the score-versus-depth
curve, and the best depth it offers, are measured on the validation rows; the test rows
are scored once, for the tree fitted. The test rows never choose (``best_depth`` cannot
see them: they are not in the curve), so the test figure stays a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.classic.features import classic_encoding, feature_table
from core.classic.tree import DepthPoint, TreeResult, depth_curve, fit_tree
from core.data.dataset import Dataset
from core.data.options import EncodingOptions
from core.progress import ProgressFn, StopFn, check_stop, report, wrap_progress


@dataclass
class SplitTree:
    result: TreeResult  # fitted on train; val_metrics and test_metrics scored
    curve: list[DepthPoint]  # DepthPoint.test holds the *validation* score here
    best_depth: int | None  # chosen on the validation rows; None without them


def best_depth(points: Sequence[DepthPoint]) -> int | None:
    """The shallowest depth with the best held-out score (None without held-out rows);
    the held-out rows must be validation rows when the depth is chosen for the user."""
    scored = [(p.test, -p.depth) for p in points if p.test is not None]
    return -max(scored)[1] if scored else None


def tree_on_split(ds: Dataset, train: np.ndarray, val: np.ndarray, test: np.ndarray,
                  encoding: EncodingOptions | None = None, settings: dict[str, Any] | None = None,
                  progress: ProgressFn | None = None,
                  should_stop: StopFn | None = None) -> SplitTree:
    """Fit a tree with ``settings`` (``fit_tree`` keywords) on ``train``, draw the depth
    curve on ``val`` and score ``test`` once (see the module)."""
    settings = dict(settings or {})
    report(progress, 0.0, "Preparing the features")
    x, features = feature_table(ds, classic_encoding(encoding), train)
    check_stop(should_stop)
    y = ds.targets
    held = (x[test], y[test]) if len(test) else (None, None)
    chosen_on = (x[val], y[val]) if len(val) else (None, None)
    result = fit_tree(x[train], y[train], *held, features=features,
                      class_names=ds.class_names, **settings,
                      x_val=chosen_on[0], y_val=chosen_on[1],
                      progress=wrap_progress(progress, 0.05, 0.4), should_stop=should_stop)
    settings.pop("max_depth", None)  # the curve goes as deep as the unlimited tree
    curve = depth_curve(x[train], y[train], *chosen_on, max_depth=None, **settings,
                        progress=wrap_progress(progress, 0.4, 1.0), should_stop=should_stop)
    return SplitTree(result, curve, best_depth(curve))
