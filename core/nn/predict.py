"""Running a built network on encoded inputs: predictions and class probabilities.

It sits with the network (``core.nn``) rather than with training, because everything
that shows what a network does calls it: the evaluation, a saved bundle, the decision
surface, as well as the end of a training run.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def predict(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    task: str,
    batch_size: int = 1024,
    device: torch.device | str | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(predictions, probabilities) for the rows of ``X``.

    Classification: int64 class indices and softmax probabilities (N, classes).
    Regression: float32 values, shape (N,) for one output or (N, k), and None.
    The model runs in eval mode without gradients and is put back in the mode it was in.
    ``device=None`` uses the model's own device; naming one moves the model there.
    """
    if device is None:
        dev = _model_device(model)
    else:
        dev = torch.device(device)
        model.to(dev)
    lazy = hasattr(X, "rows")  # core.data.lazy.LazyRows: decoded a chunk at a time
    if not lazy:
        X = torch.as_tensor(np.asarray(X, dtype=np.float32) if not torch.is_tensor(X) else X)
    was_training = model.training
    model.eval()
    outs = []
    try:
        with torch.no_grad():
            for start in range(0, len(X), max(1, batch_size)):
                chunk = X[start:start + batch_size]
                if lazy:
                    chunk = torch.from_numpy(np.asarray(chunk))
                outs.append(model(chunk.to(dev)).float().cpu())
    finally:
        model.train(was_training)
    out = torch.cat(outs) if outs else torch.zeros((0, 1))
    if task == "classification":
        proba = torch.softmax(out, dim=1).numpy()
        return proba.argmax(axis=1).astype(np.int64), proba
    values = out.numpy().astype(np.float32)
    return (values[:, 0] if values.shape[1] == 1 else values), None
