"""One entry point for the three attribution methods, and the per-class summary.

``explain(model, X, "saliency" | "ig" | "ism")`` returns an ``Attribution`` of the
inputs' shape whatever the method, so a view or the command line draws any of them the
same way. ``class_mean_attribution`` averages, per class, the attributions of the
samples the network classifies correctly, each explained for its own class: what the
network looks at when it is right about that class.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core.errors import ExplainError
from core.explain.attribution import Attribution, integrated_gradients, saliency
from core.explain.ism import mutagenesis
from core.explain.outputs import Target, as_tensor, raw_outputs
from core.progress import ProgressFn, StopFn

METHODS = ("saliency", "ig", "ism")
METHOD_TITLES = {"saliency": "gradient x input", "ig": "integrated gradients",
                 "ism": "in-silico mutagenesis"}


def explain(model: nn.Module, X: np.ndarray | torch.Tensor, method: str,
            target: Target = None, *, layout: str = "", task: str = "classification",
            progress: ProgressFn | None = None, should_stop: StopFn | None = None,
            **options: Any) -> Attribution:
    """Attributions of every row of ``X`` by ``method``; ``options`` go to the method
    (``steps``, ``rule``, ``baseline`` for "ig"; ``batch_size`` for any)."""
    common = {"task": task, "progress": progress, "should_stop": should_stop, **options}
    if method == "saliency":
        return saliency(model, X, target, **common)
    if method == "ig":
        return integrated_gradients(model, X, target, **common)
    if method == "ism":
        return mutagenesis(model, X, target, layout=layout, **common)
    raise ExplainError(f"unknown method {method!r}; use {', '.join(METHODS)}")


@dataclass
class ClassAttribution:
    """Per class, the mean attribution over its correctly predicted samples."""

    method: str
    values: np.ndarray  # (classes, *input_shape); NaN for a class with no such sample
    counts: np.ndarray  # (classes,) samples averaged per class
    class_names: list[str]


def class_mean_attribution(model: nn.Module, X: np.ndarray, y: np.ndarray,
                           method: str = "saliency", *,
                           class_names: Sequence[str] | None = None, layout: str = "",
                           progress: ProgressFn | None = None,
                           should_stop: StopFn | None = None,
                           **options: Any) -> ClassAttribution:
    """Mean attribution per class over the rows of ``X`` predicted correctly as their
    class ``y`` (int class indices), each explained for that class's logit."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X) or not np.issubdtype(y.dtype, np.integer):
        raise ExplainError("per-class attributions need one class index per sample (a "
                           "classification run with labelled data)")
    x = as_tensor(X, model)
    logits = raw_outputs(model, x)
    n_classes = int(logits.shape[1])
    names = list(class_names) if class_names else [str(c) for c in range(n_classes)]
    right = np.flatnonzero(logits.argmax(dim=1).cpu().numpy() == y)
    att = explain(model, np.asarray(X)[right], method, y[right], layout=layout,
                  progress=progress, should_stop=should_stop, **options)
    values = np.full((n_classes, *np.shape(X)[1:]), np.nan, dtype=np.float32)
    counts = np.zeros(n_classes, dtype=np.int64)
    for c in range(n_classes):
        rows = y[right] == c
        counts[c] = int(rows.sum())
        if counts[c]:
            with warnings.catch_warnings():  # all-NaN: padding in every sample, NaN it is
                warnings.simplefilter("ignore", RuntimeWarning)
                values[c] = np.nanmean(att.values[rows], axis=0)
    return ClassAttribution(method, values, counts, names)

