"""Running a trained model on encoded inputs, and scoring it on every split."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from core.train.data import TensorData
from core.train.metrics import classification_metrics, regression_metrics


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
    X = torch.as_tensor(np.asarray(X, dtype=np.float32) if not torch.is_tensor(X) else X)
    was_training = model.training
    model.eval()
    outs = []
    try:
        with torch.no_grad():
            for start in range(0, len(X), max(1, batch_size)):
                outs.append(model(X[start:start + batch_size].to(dev)).float().cpu())
    finally:
        model.train(was_training)
    out = torch.cat(outs) if outs else torch.zeros((0, 1))
    if task == "classification":
        proba = torch.softmax(out, dim=1).numpy()
        return proba.argmax(axis=1).astype(np.int64), proba
    values = out.numpy().astype(np.float32)
    return (values[:, 0] if values.shape[1] == 1 else values), None


def evaluate_model(
    model: nn.Module, data: TensorData, device: torch.device | str | None = None
) -> dict[str, dict[str, Any]]:
    """{"train": metrics, "val": metrics, "test": metrics}; each holds "n" (its size), and
    an empty split holds only ``{"n": 0}``."""
    result: dict[str, dict[str, Any]] = {}
    for name in ("train", "val", "test"):
        X, y = data.split_arrays(name)
        metrics: dict[str, Any] = {"n": int(len(X))}
        if len(X):
            pred, proba = predict(model, X, data.task, device=device)
            if data.task == "classification":
                metrics.update(classification_metrics(y, proba, data.class_names))
            else:
                metrics.update(regression_metrics(y, pred))
        result[name] = metrics
    return result
