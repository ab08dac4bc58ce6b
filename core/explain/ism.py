"""In-silico mutagenesis: every position of a one-hot sequence to every other letter.

A variant differs from its sequence in one row, which becomes the one-hot row of the new
letter; its effect is f(variant) - f(sequence) at the target output (a logit or a value,
``core.explain.outputs``). The variants of a few sequences at a time are stacked into
batches of ``batch_size`` and run on the model's device in one pass each, and through
the network's leading convolutions and poolings each variant is computed only on a short
window around its change (``core.explain.ism_window``, as fastISM does);
``tests/benchmarks/bench_explain.py`` measures it against a loop of single forward
passes.

Positions whose row is all zeros (padding after a short sequence) hold no letter: they
are not mutated and their effects are NaN. An ambiguous letter (N = 0.25 each) is
mutated to every letter, since each of them differs from it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.data.alphabet import AMINO_ACIDS, NUCLEOTIDES
from core.errors import ExplainError
from core.explain.attribution import Attribution
from core.explain.ism_window import WindowedNetwork
from core.explain.outputs import Target, as_tensor, evaluating, pick, resolve_targets
from core.progress import ProgressFn, StopFn, check_stop, report

# Variants per pass. On a CPU larger batches fall out of the caches: for the default CNN
# on 200 nt (windowed), 1,024 ran about 1.5 x faster than 256 or 4,096 (2 cores). A GPU
# wants large batches to fill it.
CPU_BATCH = 1024
GPU_BATCH = 16384


def check_one_hot(X: np.ndarray | torch.Tensor, layout: str = "") -> None:
    """``ExplainError`` unless ``X`` looks like one-hot sequences (N, length, letters).

    ``layout`` is ``TensorData.layout`` / ``input_layout``: "onehot:DNA" and the like.
    """
    if layout and not layout.startswith("onehot:"):
        what = {"image": "images", "table": "a table"}.get(layout, f"{layout} inputs")
        raise ExplainError(f"in-silico mutagenesis needs one-hot encoded sequences; this run "
                           f"has {what}")
    if np.ndim(X) != 3:
        raise ExplainError("in-silico mutagenesis needs one-hot encoded sequences "
                           f"(samples, length, letters); the inputs have shape "
                           f"{tuple(np.shape(X))}")


def layout_letters(layout: str) -> str:
    """The letters of a one-hot layout's channels, in channel order ("ACGT", "ACGU" for
    RNA, the 20 amino acids); "" when ``layout`` is not a one-hot sequence."""
    kind, _, alphabet = layout.partition(":")
    if kind != "onehot":
        return ""
    if alphabet == "protein":
        return AMINO_ACIDS
    return "ACGU" if alphabet == "RNA" else NUCLEOTIDES


def mutagenesis(model: nn.Module, X: np.ndarray | torch.Tensor, target: Target = None, *,
                layout: str = "", task: str = "classification",
                batch_size: int | None = None, windowed: bool = True,
                progress: ProgressFn | None = None,
                should_stop: StopFn | None = None) -> Attribution:
    """Effects (N, length, letters) of every single-letter change of every row of ``X``.

    ``target`` as in ``core.explain.attribution``; the model runs in eval mode, on its
    own device and in its own dtype. ``batch_size`` variants run at once (default:
    ``CPU_BATCH`` on a CPU, ``GPU_BATCH`` on a GPU). ``windowed`` recomputes each
    variant only where it differs (``core.explain.ism_window``) when the network allows
    it; False runs every variant through the whole network.
    """
    check_one_hot(X, layout)
    x_all = as_tensor(X, model)
    n, length, letters = x_all.shape
    targets = resolve_targets(model, x_all, target, task)
    t_all = torch.as_tensor(targets, device=x_all.device)
    eye = torch.eye(letters, dtype=x_all.dtype, device=x_all.device)
    if batch_size is None:
        batch_size = CPU_BATCH if x_all.device.type == "cpu" else GPU_BATCH
    fast = WindowedNetwork.of(model) if windowed else None
    effects = torch.full((n, length, letters), float("nan"), dtype=x_all.dtype,
                         device=x_all.device)
    refs = []
    # a few sequences at a time: their list of variants stays small
    rows = max(1, 4 * batch_size // max(1, length * (letters - 1)))
    with evaluating(model), torch.no_grad():
        for first in range(0, n, rows):
            x = x_all[first:first + rows]
            t = t_all[first:first + rows]
            acts = fast.references(x) if fast is not None else []
            ref = pick(model(x), t)
            refs.append(ref)
            letter_rows = x.abs().sum(dim=2, keepdim=True) > 0  # not padding
            effects[first:first + rows][letter_rows.expand(-1, -1, letters)] = 0.0
            seq, pos, letter = (letter_rows & _differs(x, eye)).nonzero(as_tuple=True)
            step = -(-len(seq) // max(1, -(-len(seq) // batch_size)))  # even batches
            for start in range(0, len(seq), max(1, step)):
                check_stop(should_stop)
                s, p = seq[start:start + step], pos[start:start + step]
                b = letter[start:start + step]
                if fast is not None:
                    out = fast.outputs(acts, s, p, eye[b])
                else:
                    variants = x[s]  # advanced indexing copies
                    variants[torch.arange(len(s), device=s.device), p] = eye[b]
                    out = model(variants)
                effects[first + s, p, b] = pick(out, t[s]) - ref[s]
            report(progress, min(1.0, (first + len(x)) / n), "mutagenesis")
    ref_all = torch.cat(refs) if refs else torch.zeros(0, dtype=x_all.dtype)
    return Attribution("ism", effects.cpu().numpy(), targets, ref_all.cpu().numpy())


def _differs(x: torch.Tensor, eye: torch.Tensor) -> torch.Tensor:
    """(N, L, A): whether letter a's one-hot row differs from the row at each position."""
    return (x.unsqueeze(2) != eye.view(1, 1, *eye.shape)).any(dim=3)


def position_importance(effects: np.ndarray) -> np.ndarray:
    """(N, length): the largest |effect| of any change at each position, NaN at padding.

    This is the score the tests rank positions by ("the top 10 % of positions").
    """
    with np.errstate(invalid="ignore"):
        mags = np.abs(effects)
        out = np.nanmax(np.where(np.isnan(mags), -np.inf, mags), axis=2)
    return np.where(np.isinf(out), np.nan, out)
