"""How much the network relies on each first-layer filter: nullification (Basset).

A filter is nullified by replacing its output (the first layer's output channel, after
the layer's activation) with its mean over every position of every sequence, so the
network still sees the filter's average level but none of its signal. The rest of the
network then runs on the changed first-layer output. The influence is

- with targets: the increase of the mean loss (cross-entropy for a classifier, mean
  squared error otherwise) over the sequences, "loss increase";
- without targets: the mean change of the predictions, "output change": the total
  variation distance between the class probabilities (half the sum of |p - p'|, 0..1)
  for a classifier, the mean |change| of the values otherwise.

A filter the network ignores scores about 0; a negative loss increase means the network
does better without it on these sequences.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from core.errors import ExplainError
from core.explain.outputs import as_tensor, evaluating
from core.progress import ProgressFn, StopFn, check_stop, report

LOSS_INCREASE = "loss increase"
OUTPUT_CHANGE = "output change"


def _per_sample(out: torch.Tensor, ref: torch.Tensor, y: torch.Tensor | None,
                task: str) -> torch.Tensor:
    """(n,) loss (with targets) or change against ``ref`` (without) of each sample."""
    if y is not None:
        if task == "classification":
            return F.cross_entropy(out, y, reduction="none")
        target = y.view(len(y), -1).to(out.dtype)
        return ((out - target) ** 2).mean(dim=1)
    if task == "classification":
        return (out.softmax(dim=1) - ref.softmax(dim=1)).abs().sum(dim=1) / 2
    return (out - ref).abs().mean(dim=1)


def filter_influence(model: nn.Module, X: np.ndarray | torch.Tensor,
                     y: np.ndarray | None = None, *, task: str = "classification",
                     batch_size: int = 1024, progress: ProgressFn | None = None,
                     should_stop: StopFn | None = None) -> tuple[np.ndarray, str]:
    """(influence per first-layer channel, what it measures) on the sequences ``X``."""
    if not isinstance(model, nn.Sequential):
        raise ExplainError("filter influence needs a network built by Mendel (a sequence of "
                           "layers)")
    first, *rest = list(model.children())
    x_all = as_tensor(X, model)
    y_all = None
    if y is not None:
        y_all = torch.as_tensor(np.asarray(y)).to(x_all.device)
        y_all = y_all.long() if task == "classification" else y_all.to(x_all.dtype)

    def run_rest(h: torch.Tensor) -> torch.Tensor:
        for module in rest:
            h = module(h)
        return h

    with evaluating(model), torch.no_grad():
        firsts = [first(x_all[s:s + batch_size]) for s in range(0, len(x_all), batch_size)]
        if not firsts:
            raise ExplainError("filter influence needs at least one sequence")
        if firsts[0].dim() != 3:
            raise ExplainError("filter influence needs a first layer with one output per "
                               "position and filter")
        n_filters = firsts[0].shape[2]
        means = sum(h.sum(dim=(0, 1)) for h in firsts) / sum(h.shape[0] * h.shape[1]
                                                           for h in firsts)
        intact = torch.zeros((), dtype=torch.float64)
        changed = torch.zeros(n_filters, dtype=torch.float64)
        for i, h in enumerate(firsts):
            s = i * batch_size
            yb = None if y_all is None else y_all[s:s + len(h)]
            ref = run_rest(h)
            if yb is not None:
                intact += _per_sample(ref, ref, yb, task).double().sum()
            for f in range(n_filters):
                check_stop(should_stop)
                nulled = h.clone()
                nulled[:, :, f] = means[f]
                changed[f] += _per_sample(run_rest(nulled), ref, yb, task).double().sum()
            report(progress, (s + len(h)) / len(x_all), "filter influence")
    n = len(x_all)
    if y_all is not None:
        return ((changed - intact) / n).numpy(), LOSS_INCREASE
    return (changed / n).numpy(), OUTPUT_CHANGE
