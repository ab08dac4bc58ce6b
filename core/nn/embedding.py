"""A trained network's hidden layer as a picture: one layer's activations on some samples,
projected on their first two principal components.

It belongs to the network, not to the classic methods: it needs the built module's layers
(``core.nn.build.layer_modules``) and a forward hook. Signs are kept consistent from one
epoch to the next, so the picture moves rather than flips, and it runs in milliseconds for
the small networks it is meant for, so a live run can redraw it every epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError

EMBEDDING_SAMPLES = 2000
EXACT_PCA_DIM = 256  # up to this many activations (or samples): exact eigendecomposition
SUBSPACE_ROUNDS = 4


@dataclass
class Embedding:
    """A hidden layer's activations on ``n`` samples, on their first two principal axes."""

    coords: np.ndarray  # (n, 2)
    explained: np.ndarray  # (2,) fraction of the activations' variance on each axis
    n_features: int  # activations per sample at that layer


def bottleneck_path(summary: Any) -> tuple[int, ...] | None:
    """Path of the narrowest hidden layer of ``summary`` (``core.nn.shapes.NetworkSummary``)
    by values per sample: an autoencoder's code. The first of equally narrow layers wins
    (a Dense before its Dropout: the layer that makes the code). Layers inside a residual
    block are passed over (the skip path carries the full width around them), and so are
    the automatic Flatten and output layers; None when no hidden layer has a known size.
    """
    best: tuple[int, tuple[int, ...]] | None = None
    for info in summary.layers:
        if info.auto or len(info.path) != 1 or not info.output_shape:
            continue
        size = int(np.prod(info.output_shape))
        if best is None or size < best[0]:
            best = (size, tuple(info.path))
    return None if best is None else best[1]


def bottleneck_width(summary: Any) -> int | None:
    """Values per sample at ``bottleneck_path`` (None without a hidden layer)."""
    path = bottleneck_path(summary)
    if path is None:
        return None
    info = next(i for i in summary.layers if tuple(i.path) == path)
    return int(np.prod(info.output_shape))


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
