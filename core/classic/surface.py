"""The decision surface, TensorFlow Playground's picture, computed headless for the GUI.

A 100 x 100 grid over the range of a two-feature table is sent through the run's own
preprocessing (and the Playground extra features, ``core.data.playground``) and the
network. Two classes give Playground's scale, P(class 1) mapped to [-1, 1]; more classes
give the winning class and its probability; regression gives the predicted value. It runs
in milliseconds for the small networks it is meant for, so the GUI can call it a few times
a second. The hidden-layer picture is ``core.nn.embedding``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.data.dataset import Dataset
from core.data.playground import add_features
from core.errors import DataError

GRID_SIZE = 100
PLAYGROUND_RANGE = (-6.0, 6.0)  # Playground draws its picture over [-6, 6]^2
MARGIN = 0.08  # other tables: the data range widened by this fraction on each side


@dataclass(frozen=True)
class Grid:
    """Cell centres of an n x n grid; row i of an image is ``ys[i]``, column j ``xs[j]``."""

    xs: np.ndarray
    ys: np.ndarray

    @property
    def n(self) -> int:
        return len(self.xs)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x min, x max, y min, y max) of the cell edges."""
        dx = (self.xs[-1] - self.xs[0]) / max(len(self.xs) - 1, 1)
        dy = (self.ys[-1] - self.ys[0]) / max(len(self.ys) - 1, 1)
        return (float(self.xs[0] - dx / 2), float(self.xs[-1] + dx / 2),
                float(self.ys[0] - dy / 2), float(self.ys[-1] + dy / 2))

    def points(self) -> np.ndarray:
        """(n*n, 2) points, row-major: y outer, x inner (``values.reshape(n, n)``)."""
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.column_stack([gx.ravel(), gy.ravel()])


def make_grid(x: np.ndarray, y: np.ndarray, n: int = GRID_SIZE,
              playground: bool = False) -> Grid:
    """A grid covering the points (x, y) with a margin, or Playground's [-6, 6]^2 when the
    data is a Playground demo and fits inside it."""
    if n < 2:
        raise DataError(f"a surface grid needs at least 2 cells a side, got {n}")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) == 0 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise DataError("the surface needs finite x and y values")
    lo, hi = PLAYGROUND_RANGE
    if playground and x.min() >= lo and x.max() <= hi and y.min() >= lo and y.max() <= hi:
        bounds = (lo, hi, lo, hi)
    else:
        bounds = (*_padded(x), *_padded(y))
    # cell centres, so that the grid's cells tile [x0, x1] exactly
    xs = bounds[0] + (np.arange(n) + 0.5) * (bounds[1] - bounds[0]) / n
    ys = bounds[2] + (np.arange(n) + 0.5) * (bounds[3] - bounds[2]) / n
    return Grid(xs, ys)


def _padded(v: np.ndarray) -> tuple[float, float]:
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else max(abs(lo), 1.0)
    return lo - MARGIN * span, hi + MARGIN * span


def grid_inputs(grid: Grid, preprocessing: Any, columns: Sequence[str],
                extras: Sequence[str], task: str = "classification") -> np.ndarray:
    """The grid as network inputs: base columns, the same extra features as the training
    table, then the run's fitted preprocessing (float32, (n*n, F))."""
    pts = grid.points()
    frame = add_features(pd.DataFrame({columns[0]: pts[:, 0], columns[1]: pts[:, 1]}),
                         columns, extras)
    ds = Dataset(name="grid", modality="tabular", task=task,  # type: ignore[arg-type]
                 records=frame, targets=np.zeros(len(frame)),
                 ids=[f"grid{i}" for i in range(len(frame))])
    return np.ascontiguousarray(preprocessing.transform(ds), dtype=np.float32)


@dataclass
class Surface:
    """The network's answer at every grid cell, shaped (n, n) like an image.

    ``values``: 2 classes -> 2 P(class 1) - 1 in [-1, 1] (Playground's scale);
    more classes -> the winning class index; regression -> the predicted value.
    ``confidence``: the winning probability (classification), else None.
    """

    grid: Grid
    task: str
    n_classes: int
    values: np.ndarray
    confidence: np.ndarray | None


def predict_surface(model: Any, inputs: np.ndarray, grid: Grid, task: str) -> Surface:
    """Run ``model`` (a torch module) on ``grid_inputs`` output, without gradients, in
    eval mode (restored afterwards)."""
    from core.nn.predict import predict

    n = grid.n
    pred, proba = predict(model, inputs, task, batch_size=len(inputs) or 1)
    if task != "classification":
        values = np.asarray(pred, dtype=np.float64)
        values = values.reshape(len(inputs), -1)[:, 0].reshape(n, n)
        return Surface(grid, task, 0, values, None)
    assert proba is not None
    k = proba.shape[1]
    confidence = proba.max(axis=1).reshape(n, n)
    if k == 2:
        values = (2.0 * proba[:, 1] - 1.0).reshape(n, n)
    else:
        values = pred.reshape(n, n).astype(np.float64)
    return Surface(grid, task, k, values, confidence)
