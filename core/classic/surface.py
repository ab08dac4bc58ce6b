"""What a trained network makes of its input space, computed headless for the GUI's views.

- The decision surface (TensorFlow Playground's picture): a 100 x 100 grid over the
  range of a two-feature table, sent through the run's own preprocessing (and the
  Playground extra features, ``core.data.playground``) and the network. Two classes give
  Playground's scale, P(class 1) mapped to [-1, 1]; more classes give the winning class
  and its probability; regression gives the predicted value.
- The hidden-layer embedding: one layer's activations on some samples, projected on
  their first two principal components, signs kept consistent from one epoch to the
  next so the picture moves rather than flips.

Both run in milliseconds for the small networks they are meant for, so the GUI can call
them on the main thread a few times a second.
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
EMBEDDING_SAMPLES = 2000
EXACT_PCA_DIM = 256  # up to this many activations (or samples): exact eigendecomposition
SUBSPACE_ROUNDS = 4


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
    from core.train.predict import predict

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


@dataclass
class Embedding:
    """A hidden layer's activations on ``n`` samples, on their first two principal axes."""

    coords: np.ndarray  # (n, 2)
    explained: np.ndarray  # (2,) fraction of the activations' variance on each axis
    n_features: int  # activations per sample at that layer


def layer_activations(model: Any, X: np.ndarray, path: Sequence[int],
                      batch_size: int = 1024) -> np.ndarray:
    """The output of the layer at ``path`` (``core.nn.build.layer_modules``) for rows
    ``X``, flattened to (N, features); eval mode, no gradients, mode restored."""
    import torch

    from core.nn.build import layer_modules

    module = dict(layer_modules(model)).get(tuple(path))
    if module is None:
        raise DataError(f"the network has no layer {'.'.join(str(i + 1) for i in path)}")
    captured: list[Any] = []

    def hook(_module: Any, _inputs: Any, output: Any) -> None:
        out = output[0] if isinstance(output, tuple) else output
        captured.append(out.detach().float().reshape(len(out), -1).cpu())

    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    handle = module.register_forward_hook(hook)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                model(torch.as_tensor(X[start:start + batch_size], dtype=torch.float32,
                                      device=device))
    finally:
        handle.remove()
        model.train(was_training)
    if not captured:
        return np.zeros((0, 0), dtype=np.float32)
    return torch.cat(captured).numpy()


def project_2d(acts: np.ndarray, previous: np.ndarray | None = None,
               seed: int = 0) -> Embedding:
    """First two principal components of ``acts`` (N, F).

    With ``previous`` coordinates of the same samples, each axis's sign is chosen to agree
    with them, so that successive epochs do not mirror the picture at random. Fewer than
    two varying directions leave the missing axis at 0.
    """
    import torch

    a = torch.as_tensor(np.asarray(acts, dtype=np.float32))  # float32: a picture's accuracy
    n, f = a.shape
    coords = np.zeros((n, 2))
    explained = np.zeros(2)
    if n >= 2 and f >= 1:
        centred = a - a.mean(dim=0)
        total = float(torch.linalg.vector_norm(centred)) ** 2
        if total > 0:
            k = min(2, n, f)
            top, sq = _top_components(centred, k, seed)
            coords[:, :k] = top.double().numpy()
            explained[:k] = np.minimum(sq.double().numpy() / total, 1.0)
    if previous is not None and previous.shape == coords.shape:
        for axis in range(2):
            if float(coords[:, axis] @ previous[:, axis]) < 0:
                coords[:, axis] = -coords[:, axis]
    return Embedding(coords, explained, f)


def _top_components(a: Any, k: int, seed: int) -> tuple[Any, Any]:
    """Scores of centred ``a`` (a tensor) on its ``k`` leading principal axes, and their
    squared singular values.

    This runs after epochs of a live run, on the training thread, so it must stay a few
    milliseconds: a full SVD of 2,000 x 128 activations took 25 ms. Small problems take
    the eigendecomposition of the smaller Gram matrix (exact); wide ones (convolution
    maps) take a few rounds of seeded subspace iteration, which needs only products with
    ``a`` and its own generator (the training run's random stream is untouched).
    torch runs them on its thread pool (one thread while a run trains): numpy's BLAS
    threads would spin and take the cores from the training thread and the window.
    """
    import torch

    n, f = a.shape
    if min(n, f) <= EXACT_PCA_DIM:
        if f <= n:
            w, v = torch.linalg.eigh(a.T @ a)
            axes = v[:, -k:].flip(1)
            return a @ axes, w[-k:].flip(0).clamp(min=0)
        w, u = torch.linalg.eigh(a @ a.T)
        sq = w[-k:].flip(0).clamp(min=0)
        return u[:, -k:].flip(1) * sq.sqrt(), sq
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(f, k + 4, generator=gen, dtype=a.dtype)
    for _ in range(SUBSPACE_ROUNDS):
        q = torch.linalg.qr(((a @ q).T @ a).T).Q  # a.T @ (a @ q); this order is 15x faster
    u, s, _ = torch.linalg.svd(a @ q, full_matrices=False)
    return u[:, :k] * s[:k], s[:k] ** 2


def hidden_embedding(model: Any, X: np.ndarray, path: Sequence[int],
                     previous: np.ndarray | None = None) -> Embedding:
    """``layer_activations`` then ``project_2d`` (cap ``X`` at ``EMBEDDING_SAMPLES`` rows
    first: the picture needs no more, and each epoch pays for it)."""
    return project_2d(layer_activations(model, X, path), previous)
