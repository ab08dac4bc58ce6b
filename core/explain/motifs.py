"""First-layer Conv1D filters as motifs: the DeepBind / Basset method.

For each sequence and filter, the window where the filter responds most (its largest
pre-activation over the sequence's full windows) is one candidate site; the sites whose
activation exceeds ``threshold`` x the filter's largest activation over all the
sequences (and is positive) are kept. Their letters, summed, are the filter's position
frequency matrix (PFM); with a pseudocount spread over the letters it becomes
probabilities, log-odds against a uniform background (the PWM) and information content.

Pre-activations are the convolution's own outputs (weights and bias, no activation):
the monotone activations that follow (ReLU and kin) keep the same best window. Only
full windows are scanned: a 'same'-padded model also sees windows hanging over the ends,
but those hold padding, not letters. The filters are ranked by influence
(``core.explain.influence``) when it is measured, else by information content.

``live_motifs`` computes the same from a state dict and a fixed sample, without the
influence, for the Motifs view during training (a few milliseconds per call).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from core.errors import ExplainError
from core.explain.ism import check_one_hot
from core.nn.layers import resolved_params
from core.nn.spec import NetworkSpec
from core.progress import ProgressFn, StopFn, check_stop, wrap_progress

if TYPE_CHECKING:
    from core.explain.match import MotifMatch

DEFAULT_THRESHOLD = 0.5
DEFAULT_PSEUDOCOUNT = 1.0
_CHUNK = 4096  # sequences whose windows are gathered at once
INFLUENCE_ROWS = 2000  # sequences the influence is measured on (one pass per filter)


@dataclass
class ConvFilters:
    """The first Conv1D layer's weights: (filters, letters, kernel), and how it steps."""

    weight: torch.Tensor
    bias: torch.Tensor
    stride: int = 1
    dilation: int = 1

    @property
    def width(self) -> int:
        return int(self.weight.shape[2])


@dataclass
class FilterMotif:
    """One filter as a motif. Matrices are (width, letters), one row per filter column."""

    index: int  # the filter's channel in the first layer (0-based)
    counts: np.ndarray  # PFM: letters of its sites, summed
    probabilities: np.ndarray  # (counts + pseudocount / letters) / (sites + pseudocount)
    pwm: np.ndarray  # log2(probability / (1 / letters))
    information: np.ndarray  # (width,) bits per column: log2(letters) - entropy
    n_sites: int
    max_activation: float  # the filter's largest pre-activation over the sequences
    influence: float | None = None  # ``core.explain.influence``: larger matters more
    match: MotifMatch | None = None  # the best known motif, once matched

    @property
    def information_content(self) -> float:
        """Bits of the whole motif (the sum over its columns)."""
        return float(self.information.sum())

    def consensus(self, letters: str) -> str:
        """The likeliest letter per column, lower case where the column holds < 0.5 bit."""
        best = [letters[i] for i in self.probabilities.argmax(axis=1)]
        return "".join(c if bits >= 0.5 else c.lower()
                       for c, bits in zip(best, self.information, strict=True))


@dataclass
class FilterMotifs:
    """Every filter of the first layer, ranked (most influential or informative first)."""

    filters: list[FilterMotif]
    letters: str
    threshold: float
    pseudocount: float
    n_sequences: int
    influence_measure: str = ""  # what ``influence`` is (``core.explain.influence``)
    notes: list[str] = field(default_factory=list)

    def by_index(self) -> dict[int, FilterMotif]:
        return {f.index: f for f in self.filters}


def first_conv(model: nn.Module, spec: NetworkSpec) -> ConvFilters:
    """The first layer's filters; ``ExplainError`` when it is not a Conv1D."""
    if not spec.layers or spec.layers[0].kind != "Conv1D":
        kind = spec.layers[0].kind if spec.layers else "the output layer"
        raise ExplainError(f"motifs need a network whose first layer is a Conv1D; this "
                           f"one starts with {kind}")
    conv = next((m for m in next(iter(model.children())).modules()
                 if isinstance(m, nn.Conv1d)), None)
    if conv is None:
        raise ExplainError("the first layer of this model holds no Conv1D filters")
    return _filters(conv.weight, conv.bias, spec)


def _filters(weight: torch.Tensor, bias: torch.Tensor | None,
             spec: NetworkSpec) -> ConvFilters:
    p = resolved_params(spec.layers[0])
    w = weight.detach().float().cpu()
    b = bias.detach().float().cpu() if bias is not None else torch.zeros(w.shape[0])
    return ConvFilters(w, b, int(p["stride"]), int(p["dilation"]))


def filters_from_state(state: Mapping[str, torch.Tensor], spec: NetworkSpec) -> ConvFilters:
    """The first layer's filters from a model's state dict (keys "0.…"), without building
    the model: its weight is the 3-D tensor of the spec's (filters, ?, kernel) shape."""
    if not spec.layers or spec.layers[0].kind != "Conv1D":
        kind = spec.layers[0].kind if spec.layers else "the output layer"
        raise ExplainError(f"motifs need a network whose first layer is a Conv1D; this "
                           f"one starts with {kind}")
    p = resolved_params(spec.layers[0])
    for key, value in state.items():
        if (key.startswith("0.") and key.endswith(".weight") and value.dim() == 3
                and value.shape[0] == p["filters"] and value.shape[2] == p["kernel"]):
            return _filters(value, state.get(key[:-len("weight")] + "bias"), spec)
    raise ExplainError("the state dict holds no first-layer Conv1D weights")


def activations(filters: ConvFilters, X: torch.Tensor, bias: bool = True) -> torch.Tensor:
    """(N, windows, filters): every full window's pre-activation; X is (N, L, letters).

    Windows unfolded and multiplied with the filters as one matrix product: four times
    faster than ``conv1d`` on channels-last input for a layer this small. ``bias=False``
    leaves the bias out (it does not move a filter's best window).
    """
    if X.shape[2] != filters.weight.shape[1]:
        raise ExplainError(f"the sequences have {X.shape[2]} letters per position, the "
                           f"filters {filters.weight.shape[1]}")
    span = (filters.width - 1) * filters.dilation + 1
    if X.shape[1] < span:
        raise ExplainError(f"sequences of length {X.shape[1]} are shorter than the "
                           f"filters ({span} positions)")
    windows = X.unfold(1, span, filters.stride)[..., ::filters.dilation]  # (N, W, A, k)
    n, w = windows.shape[:2]
    flat = windows.reshape(n * w, -1) @ filters.weight.reshape(len(filters.weight), -1).T
    out = flat.view(n, w, -1)
    return out + filters.bias if bias else out


def motifs_from_filters(filters: ConvFilters, X: np.ndarray | torch.Tensor, letters: str,
                        *, threshold: float = DEFAULT_THRESHOLD,
                        pseudocount: float = DEFAULT_PSEUDOCOUNT,
                        should_stop: StopFn | None = None) -> FilterMotifs:
    """Each filter's PFM, probabilities, PWM and information from the sequences ``X``
    (N, length, letters), in filter order (no influence, no ranking)."""
    if not 0 <= threshold <= 1:
        raise ExplainError(f"the activation threshold is a share of the largest "
                           f"activation, between 0 and 1; got {threshold:g}")
    check_one_hot(X)
    x_all = torch.as_tensor(np.asarray(X, dtype=np.float32)) if not torch.is_tensor(X) \
        else X.detach().float().cpu()
    n_f, k, a = filters.weight.shape[0], filters.width, x_all.shape[2]
    with torch.no_grad():
        best_val, best_pos = [], []
        for start in range(0, len(x_all), _CHUNK):
            check_stop(should_stop)
            v, p = activations(filters, x_all[start:start + _CHUNK], bias=False).max(dim=1)
            best_val.append(v + filters.bias)
            best_pos.append(p)
        val = torch.cat(best_val) if best_val else torch.zeros((0, n_f))
        pos = torch.cat(best_pos) if best_pos else torch.zeros((0, n_f), dtype=torch.long)
        top = val.max(dim=0).values if len(val) else torch.zeros(n_f)
        keep = (val > threshold * top) & (val > 0)  # (N, F)
        counts = torch.zeros((n_f, k * a))
        offsets = torch.arange(k) * filters.dilation
        seq, filt = keep.nonzero(as_tuple=True)  # only the kept sites are gathered
        for start in range(0, len(seq), _CHUNK * 8):
            s, f = seq[start:start + _CHUNK * 8], filt[start:start + _CHUNK * 8]
            idx = pos[s, f][:, None] * filters.stride + offsets  # (sites, k)
            counts.index_add_(0, f, x_all[s[:, None], idx].reshape(len(s), k * a))
    return FilterMotifs(_motifs(counts.view(n_f, k, a).double().numpy(),
                                keep.sum(dim=0).tolist(), top.tolist(), pseudocount),
                        letters, threshold, pseudocount, len(x_all))


def _motifs(counts: np.ndarray, sites: list[int], top: list[float],
            pseudocount: float) -> list[FilterMotif]:
    """Every filter's matrices from its counts (filters, width, letters) at once."""
    a = counts.shape[2]
    # per column: a padded or ambiguous position adds less than one letter
    totals = counts.sum(axis=2, keepdims=True)
    probs = (counts + pseudocount / a) / np.maximum(totals + pseudocount, 1e-12)
    if pseudocount == 0:  # a filter with no sites: uniform rather than 0 / 0
        probs = np.where(totals > 0, probs, 1.0 / a)
    with np.errstate(divide="ignore"):
        logp = np.where(probs > 0, np.log2(probs), 0.0)
    information = np.log2(a) + (probs * logp).sum(axis=2)
    pwm = np.log2(np.maximum(probs, 1e-12) * a)
    return [FilterMotif(index=f, counts=counts[f], probabilities=probs[f], pwm=pwm[f],
                        information=information[f], n_sites=int(sites[f]),
                        max_activation=float(top[f])) for f in range(len(counts))]


def ranked(motifs: FilterMotifs) -> FilterMotifs:
    """The filters most influential first (or most informative, without influence);
    ties keep filter order."""
    def key(m: FilterMotif) -> tuple[float, float]:
        return (-(m.influence if m.influence is not None else -np.inf),
                -m.information_content)

    return replace(motifs, filters=sorted(motifs.filters, key=key))


def live_motifs(state: Mapping[str, torch.Tensor], spec: NetworkSpec,
                X: np.ndarray | torch.Tensor, letters: str, *,
                threshold: float = DEFAULT_THRESHOLD,
                pseudocount: float = DEFAULT_PSEUDOCOUNT) -> FilterMotifs:
    """Motifs so far, from a state dict (a copy of the weights taken after an epoch) and
    a fixed sample of one-hot sequences; ranked by information content. Cheap: one
    convolution of the sample, no model built, no influence (measured by
    ``tests/benchmarks/bench_explain.py`` as a share of an epoch)."""
    return ranked(motifs_from_filters(filters_from_state(state, spec), X, letters,
                                      threshold=threshold, pseudocount=pseudocount))


def filter_motifs(model: nn.Module, spec: NetworkSpec, X: np.ndarray, letters: str,
                  y: np.ndarray | None = None, *, task: str = "classification",
                  threshold: float = DEFAULT_THRESHOLD,
                  pseudocount: float = DEFAULT_PSEUDOCOUNT, influence: bool = True,
                  influence_rows: int = INFLUENCE_ROWS, seed: int = 0,
                  progress: ProgressFn | None = None,
                  should_stop: StopFn | None = None) -> FilterMotifs:
    """Every first-layer filter of ``model`` as a motif from the one-hot sequences ``X``,
    ranked by influence (``core.explain.influence``; with targets ``y`` the loss
    increase, else the output change). The influence runs the network once per filter,
    so it is measured on a seeded sample of ``influence_rows`` sequences at most."""
    from core.explain.influence import filter_influence

    motifs = motifs_from_filters(first_conv(model, spec), X, letters, threshold=threshold,
                                 pseudocount=pseudocount, should_stop=should_stop)
    if not influence:
        return ranked(motifs)
    rows = np.arange(len(X))
    if len(X) > influence_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(X), influence_rows,
                                                          replace=False))
        motifs.notes.append(f"influence measured on a random {influence_rows:,} of the "
                            f"{len(X):,} sequences")
    values, measure = filter_influence(model, np.asarray(X)[rows],
                                       None if y is None else np.asarray(y)[rows], task=task,
                                       progress=wrap_progress(progress, 0.0, 1.0),
                                       should_stop=should_stop)
    for m in motifs.filters:
        m.influence = float(values[m.index])
    motifs.influence_measure = measure
    return ranked(motifs)
