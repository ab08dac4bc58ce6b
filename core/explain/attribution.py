"""Which parts of one input made the network say what it said: gradient x input and
integrated gradients, for inputs of any shape (sequences, images, table rows).

Both return one attribution per input value, of the input's shape, for one raw output
per sample (``core.explain.outputs``: a class's logit or a regression value).

- Saliency here is gradient x input (Shrikumar et al. 2016): for a one-hot sequence it
  is the gradient at the letter present, zero at the absent ones, so a logo of it shows
  the sequence itself, scaled by how much each letter pushes the output.
- Integrated gradients (Sundararajan et al. 2017) average the gradient along the straight
  path from a baseline x' (all zeros by default: no letter, a black image, every
  standardized feature at its training mean) to x, times (x - x'). Their sum over the
  input equals f(x) - f(x') (completeness) up to the quadrature error; ``Attribution.
  completeness_gap`` reports it. The path integral is taken with Gauss-Legendre nodes
  (default, as Captum does) or the trapezoid rule on evenly spaced points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.errors import ExplainError
from core.explain.outputs import (
    Target,
    as_tensor,
    evaluating,
    pick,
    raw_outputs,
    resolve_targets,
)
from core.progress import ProgressFn, StopFn, check_stop, report

RULES = ("gausslegendre", "trapezoid")


@dataclass
class Attribution:
    """Attributions of N samples and what they explain.

    ``values`` has the shape of the inputs, (N, *input_shape), in the model's dtype
    (float32 for a trained Mendel network). For "ism" (``core.explain.
    ism``) a value is instead f(x with that letter at that position) - f(x): 0 at the
    letters present, NaN at padding positions (no letter to mutate).
    """

    method: str  # "saliency", "ig" or "ism"
    values: np.ndarray
    targets: np.ndarray  # (N,) int64: the output explained per sample
    outputs: np.ndarray  # (N,): f(x) at that output
    baseline_outputs: np.ndarray | None = None  # IG: f(x') at that output
    steps: int = 0  # IG: points on the path
    rule: str = ""  # IG: "gausslegendre" or "trapezoid"

    def totals(self) -> np.ndarray:
        """(N,) the sum of each sample's attributions (NaNs left out)."""
        return np.nansum(self.values.reshape(len(self.values), -1), axis=1)

    def completeness_gap(self) -> np.ndarray | None:
        """IG only: (N,) |sum of attributions - (f(x) - f(x'))| / |f(x) - f(x')|, the
        quadrature's relative error (0.01 is 1 %); None for the other methods."""
        if self.baseline_outputs is None:
            return None
        diff = self.outputs.astype(np.float64) - self.baseline_outputs
        gap = np.abs(self.totals() - diff)
        return gap / np.maximum(np.abs(diff), 1e-12)


def quadrature(steps: int, rule: str = "gausslegendre") -> tuple[np.ndarray, np.ndarray]:
    """(alphas in [0, 1], weights summing to 1) for the path integral."""
    if steps < 2:
        raise ExplainError(f"integrated gradients need at least 2 steps, got {steps}")
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)  # on [-1, 1]
        return (nodes + 1) / 2, weights / 2
    if rule == "trapezoid":
        weights = np.full(steps, 1.0 / (steps - 1))
        weights[[0, -1]] /= 2
        return np.linspace(0.0, 1.0, steps), weights
    raise ExplainError(f"unknown integration rule {rule!r}; use {' or '.join(RULES)}")


def _gradients(model: nn.Module, points: torch.Tensor,
               targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(d output / d input, output) at ``points``; parameters' .grad are untouched."""
    with torch.enable_grad():
        x = points.detach().requires_grad_(True)
        out = pick(model(x), targets)
        (grad,) = torch.autograd.grad(out.sum(), x)
    return grad, out.detach()


def saliency(model: nn.Module, X: np.ndarray | torch.Tensor, target: Target = None, *,
             task: str = "classification", batch_size: int = 256,
             progress: ProgressFn | None = None,
             should_stop: StopFn | None = None) -> Attribution:
    """Gradient x input of the target output for every row of ``X`` (N, *input_shape)."""
    x_all = as_tensor(X, model)
    targets = resolve_targets(model, x_all, target, task)
    t_all = torch.as_tensor(targets, device=x_all.device)
    values, outputs = [], []
    with evaluating(model):
        for start in range(0, len(x_all), batch_size):
            check_stop(should_stop)
            x = x_all[start:start + batch_size]
            grad, out = _gradients(model, x, t_all[start:start + batch_size])
            values.append((grad * x).cpu())
            outputs.append(out.cpu())
            report(progress, (start + len(x)) / len(x_all), "saliency")
    return Attribution("saliency", _numpy(values, x_all), targets, _numpy(outputs, None))


def integrated_gradients(model: nn.Module, X: np.ndarray | torch.Tensor,
                         target: Target = None, *, baseline: np.ndarray | float | None = None,
                         steps: int = 128, rule: str = "gausslegendre",
                         task: str = "classification", batch_size: int = 1024,
                         progress: ProgressFn | None = None,
                         should_stop: StopFn | None = None) -> Attribution:
    """Integrated gradients of the target output for every row of ``X``.

    ``baseline``: None (zeros), a number, or an array of the input shape (e.g. 0.25 for
    a uniform letter background) or of ``X``'s shape. ``batch_size`` counts points on
    the paths evaluated in one pass (rows x steps).
    """
    x_all = as_tensor(X, model)
    base_all = _baseline(baseline, x_all)
    targets = resolve_targets(model, x_all, target, task)
    t_all = torch.as_tensor(targets, device=x_all.device)
    alphas, weights = quadrature(steps, rule)
    a = torch.as_tensor(alphas, dtype=x_all.dtype, device=x_all.device)
    w = torch.as_tensor(weights, dtype=x_all.dtype, device=x_all.device)
    rows = max(1, batch_size // steps)
    values: list[torch.Tensor] = []
    with evaluating(model):
        for start in range(0, len(x_all), rows):
            x, x0 = x_all[start:start + rows], base_all[start:start + rows]
            t = t_all[start:start + rows]
            total = torch.zeros_like(x)
            for s0 in range(0, steps, max(1, batch_size // len(x))):
                check_stop(should_stop)
                s1 = min(steps, s0 + max(1, batch_size // len(x)))
                shape = (s1 - s0, *([1] * x.dim()))
                points = x0 + a[s0:s1].view(shape) * (x - x0)  # (steps, rows, ...)
                grad, _ = _gradients(model, points.reshape(-1, *x.shape[1:]),
                                     t.repeat(s1 - s0))
                total += (w[s0:s1].view(shape) * grad.view(s1 - s0, *x.shape)).sum(0)
            values.append(((x - x0) * total).cpu())
            report(progress, (start + len(x)) / len(x_all), "integrated gradients")
        out = pick(raw_outputs(model, x_all), t_all).cpu()
        base_out = pick(raw_outputs(model, base_all), t_all).cpu()
    return Attribution("ig", _numpy(values, x_all), targets, out.numpy(),
                       base_out.numpy(), steps=steps, rule=rule)


def _baseline(baseline: np.ndarray | float | None, x: torch.Tensor) -> torch.Tensor:
    if baseline is None:
        return torch.zeros_like(x)
    b = torch.as_tensor(np.asarray(baseline, dtype=np.float32), device=x.device,
                        dtype=x.dtype)
    try:
        return torch.broadcast_to(b, x.shape).contiguous()
    except RuntimeError:
        raise ExplainError(f"the baseline's shape {tuple(b.shape)} does not fit inputs of "
                           f"shape {tuple(x.shape[1:])}") from None


def _numpy(parts: list[torch.Tensor], like: torch.Tensor | None) -> np.ndarray:
    if parts:
        return torch.cat(parts).numpy()
    shape = (0, *like.shape[1:]) if like is not None else (0,)
    return np.zeros(shape, dtype=np.float32 if like is None else
                    torch.empty(0, dtype=like.dtype).numpy().dtype)
