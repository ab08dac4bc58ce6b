"""Scoring a trained model on every split (running it is ``core.nn.predict``)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from core.data.tensors import TensorData
from core.metrics import classification_metrics, reconstruction_metrics, regression_metrics
from core.nn.predict import predict


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
            elif data.task == "reconstruct":
                metrics.update(reconstruction_metrics(y, pred))
            else:
                metrics.update(regression_metrics(y, pred))
        result[name] = metrics
    return result
