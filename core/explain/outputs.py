"""The scalar each explanation is about: one output of the network per sample.

Attributions, mutagenesis and influence all explain a *raw* output of the network (a
class's logit, a regression value), not a probability: a logit changes additively with
the evidence, whereas a softmax probability saturates near 0 and 1 and would hide the
effect of strong motifs. ``target`` picks the output per sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from core.errors import ExplainError

Target = int | np.ndarray | None


def model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def model_dtype(model: nn.Module) -> torch.dtype:
    p = next(model.parameters(), None)
    return p.dtype if p is not None else torch.float32


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode (dropout off, batch norm frozen), put back as it was."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def as_tensor(X: np.ndarray | torch.Tensor, model: nn.Module) -> torch.Tensor:
    """``X`` on the model's device in the model's dtype."""
    t = torch.as_tensor(X) if torch.is_tensor(X) else torch.from_numpy(np.asarray(X))
    return t.to(device=model_device(model), dtype=model_dtype(model))


def raw_outputs(model: nn.Module, X: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """The model's outputs (N, outputs) without gradients, in eval mode."""
    with evaluating(model), torch.no_grad():
        parts = [model(X[s:s + batch_size]) for s in range(0, len(X), max(1, batch_size))]
    return torch.cat(parts) if parts else torch.zeros((0, 1), device=X.device)


def resolve_targets(model: nn.Module, X: torch.Tensor, target: Target,
                    task: str = "classification", batch_size: int = 1024) -> np.ndarray:
    """int64 (N,): the output explained for each row. None: a classifier's predicted
    class (its largest logit), else the first output (a regression's value)."""
    n = len(X)
    if target is None and task != "classification":
        target = 0
    if target is None:
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        return raw_outputs(model, X, batch_size).argmax(dim=1).cpu().numpy().astype(np.int64)
    t = np.asarray(target, dtype=np.int64)
    t = np.full(n, int(t), dtype=np.int64) if t.ndim == 0 else t
    if t.shape != (n,):
        raise ExplainError(f"give one target per sample: {n} samples, {t.size} targets")
    n_out = getattr(model, "n_outputs", None)
    if n_out is not None and len(t) and (t.min() < 0 or t.max() >= n_out):
        raise ExplainError(f"target output {int(t.max() if t.max() >= n_out else t.min())} "
                           f"does not exist; the network has {n_out} outputs")
    return t


def pick(out: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """out[i, targets[i]] for every row."""
    return out.gather(1, targets.view(-1, 1)).squeeze(1)
