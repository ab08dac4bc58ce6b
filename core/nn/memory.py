"""How much memory a network takes to train or to run, estimated from its shapes alone.

``core.nn.shapes.infer`` counts weights and output shapes with Python integers, so a
network of three 65,536-unit layers, an input of 10^10 values or 10^9 outputs is priced
in microseconds without allocating anything; ``check_network_memory`` refuses it before
``core.nn.build`` would try.

The figures are calibrated against peak resident memory measured on the CPU
(``tests/core/test_network_memory.py`` keeps them within 2x): float32 weights and their
gradients, the optimizer's buffers, and per example the values each layer keeps for the
backward pass, in units of its output (``_KEPT``: a Dense layer's matrix product leaves
about 3.5 copies of its output alive, its activation 3 more; a max pool its indices;
a view such as Flatten none), plus what recurrent and attention layers keep inside, plus
torch's own working memory the first training of a process pays for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.budget import check_budget, human_bytes
from core.errors import MendelError, SpecError
from core.nn.shapes import LayerInfo, NetworkSummary, check, optimizer_state
from core.nn.spec import NetworkSpec

FLOAT = 4  # bytes of a float32
# torch's working memory beyond the tensors: modules loaded with the first optimizer,
# the autograd engine, kernels' scratch space (measured: about 80 MB in a fresh process)
TRAINING_RUNTIME = 80 << 20
INFERENCE_RUNTIME = 16 << 20
INFERENCE_BATCH = 256  # rows predicted at once (core.nn.predict runs in such chunks)
INPUT_KEPT = 2.0  # the batch gathered from the training tensor, and the next one
# float32 values kept per output value while training (forward and backward together)
_KEPT = {
    "Dense": 3.5, "Conv1D": 2.5, "Conv2D": 2.5, "ConvTranspose1D": 3.5,
    "ConvTranspose2D": 3.5, "MaxPool1D": 2.5, "MaxPool2D": 2.5, "AvgPool1D": 1.0,
    "AvgPool2D": 1.0, "GlobalAvgPool": 1.0, "GlobalMaxPool": 1.0, "BatchNorm": 1.5,
    "LayerNorm": 1.5, "Dropout": 1.5, "Flatten": 0.0, "Reshape": 0.0, "Identity": 0.0,
    "Residual": 1.0, "Embedding": 2.0, "PositionalEncoding": 1.0, "Upsample1D": 1.0,
    "Upsample2D": 1.0, "MultiHeadAttention": 2.0, "TransformerBlock": 2.0,
    "LSTM": 2.0, "GRU": 2.0,
}
_ACTIVATION_KEPT = {"Dense": 3.0}  # a Dense layer's own activation; others: 1.0
_DEFAULT_KEPT = 1.0  # an activation layer (ReLU, GELU...): its output
_INNER_KEPT = 2.0  # attention's scores and projections (``LayerInfo.inner_values``)
# per step and hidden unit of each direction and layer: the gates torch keeps
_RECURRENT_KEPT = {"LSTM": 22.0, "GRU": 14.0}


def weight_bytes(summary: NetworkSummary, optimizer: str = "adam", momentum: float = 0.0,
                 training: bool = True) -> int:
    """The weights, and when training their gradients and the optimizer's buffers."""
    per_weight = 2 + optimizer_state(optimizer, momentum) if training else 1
    return FLOAT * per_weight * summary.total_params


def values_kept(summary: NetworkSummary) -> float:
    """Float32 values per example a training step keeps alive (see ``_KEPT``)."""
    total = INPUT_KEPT * math.prod(summary.input_shape)
    for info in summary.layers:
        if info.output_shape is None or info.auto and info.kind == "Flatten":
            continue
        total += _layer_kept(info)
    return total


def _layer_kept(info: LayerInfo) -> float:
    assert info.output_shape is not None
    out = math.prod(info.output_shape)
    kept = _KEPT.get(info.kind, _DEFAULT_KEPT) * out
    if info.activation != "none":
        kept += _ACTIVATION_KEPT.get(info.kind, 1.0) * out
    if info.kind in _RECURRENT_KEPT:
        kept += _RECURRENT_KEPT[info.kind] * info.recurrent_values
    return kept + _INNER_KEPT * info.inner_values


def summary_memory(summary: NetworkSummary, batch_size: int, optimizer: str = "adam",
                   momentum: float = 0.0, training: bool = True) -> int:
    """Bytes of ``network_memory`` for an already inferred (error-free) summary."""
    if not training:  # the model, the weights read from the file, one chunk's activations
        widest = max((math.prod(i.output_shape) + i.inner_values for i in summary.layers
                      if i.output_shape), default=0)
        per_example = math.prod(summary.input_shape) + 2 * widest
        return (2 * weight_bytes(summary, training=False) + FLOAT * per_example * batch_size
                + INFERENCE_RUNTIME)
    return (weight_bytes(summary, optimizer, momentum)
            + math.ceil(FLOAT * values_kept(summary) * batch_size) + TRAINING_RUNTIME)


def network_memory(spec: NetworkSpec, input_shape: Sequence[int], n_outputs: int,
                   batch_size: int = 32, optimizer: str = "adam", momentum: float = 0.0,
                   training: bool = True) -> int:
    """Bytes the network needs: to train a batch of ``batch_size`` with ``optimizer``, or
    (``training=False``) to load its weights and predict ``batch_size`` rows at a time.
    Raises ``SpecError`` when the spec does not fit the shapes."""
    summary = check(spec, input_shape, n_outputs)
    return summary_memory(summary, batch_size, optimizer, momentum, training)


def check_network_memory(spec: NetworkSpec, input_shape: Sequence[int], n_outputs: int,
                         batch_size: int = 32, optimizer: str = "adam", momentum: float = 0.0,
                         training: bool = True, path: str | None = None,
                         error: type[MendelError] = SpecError) -> int:
    """``network_memory``, refused (``error``, one line naming ``path``) when it is over
    the memory budget; returns the estimate. Call it before ``build_model``; a run folder
    before loading: ``check_network_memory(spec, shape, n, INFERENCE_BATCH,
    training=False, path=..., error=ExportError)``. A spec that does not fit raises
    ``SpecError`` whatever ``error`` is."""
    summary = check(spec, input_shape, n_outputs)
    needed = summary_memory(summary, batch_size, optimizer, momentum, training)
    check_budget(needed, _what(summary, batch_size, training), path, error)
    return needed


def _what(summary: NetworkSummary, batch_size: int, training: bool) -> str:
    weights = f"the network ({summary.total_params:,} weights"
    if training:
        return f"{weights}, {human_bytes(FLOAT * summary.total_params)} alone) in training " \
               f"batches of {batch_size}"
    return f"{weights}) to load and predict"
