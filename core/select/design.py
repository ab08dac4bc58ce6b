"""Variations of the user's network for a search: wider or narrower, deeper or shallower,
more or less dropout. The user's ``NetworkSpec`` is the template; the rules keep its kind
of layers and their order, so a trial's network is recognisably the user's design.

- ``width`` (a factor): every layer's own width is multiplied by it and rounded (at least
  1): Dense units, convolution filters (also transposed), recurrent hidden sizes and the
  feed-forward width of transformer blocks, inside residual blocks too. Kernels, pools,
  strides and embedding sizes stay.
- ``depth`` (a whole number): the network's layers with weights (Dense, convolutions,
  recurrent, residual and attention blocks), each with the activation, normalization and
  dropout layers right after it, are its blocks. ``+n`` repeats the last block n more
  times right after it; ``-n`` removes the last n blocks, never the first. Pooling,
  flattening and other shape layers stay where they are. An MLP 64-32 becomes 64-32-32
  (+1) or 64 (-1); a 1-D CNN's final Dense layer is doubled or removed.
- ``dropout`` (a rate): sets every dropout rate of the design (Dropout layers and the
  attention layers' dropout). A design without any gets a Dropout layer after each
  top-level Dense block when the rate is above 0.

Depth goes first, then dropout, then width, so a repeated block is also widened.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.errors import SpecError
from core.nn.layers import LAYER_KINDS
from core.nn.spec import LayerSpec, NetworkSpec

WEIGHTED = frozenset({"Dense", "Conv1D", "Conv2D", "ConvTranspose1D", "ConvTranspose2D",
                      "LSTM", "GRU", "Residual", "TransformerBlock", "MultiHeadAttention"})
# layers that belong to the block before them (they change values, not shapes)
COMPANIONS = frozenset({"ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh",
                        "Softmax", "Identity", "BatchNorm", "LayerNorm", "Dropout"})
WIDTHS = {"Dense": "units", "Conv1D": "filters", "Conv2D": "filters",
          "ConvTranspose1D": "filters", "ConvTranspose2D": "filters", "LSTM": "hidden",
          "GRU": "hidden", "TransformerBlock": "ff"}
DROPOUT_PARAMS = {"Dropout": "rate", "MultiHeadAttention": "dropout",
                  "TransformerBlock": "dropout"}


def vary(spec: NetworkSpec, width: float = 1.0, depth: int = 0,
         dropout: float | None = None) -> NetworkSpec:
    """A new spec: ``spec`` with ``depth``, then ``dropout`` (None: as designed), then
    ``width`` applied; ``SpecError`` when a rule cannot apply (see the module)."""
    layers = [layer.copy() for layer in spec.layers]
    layers = _with_depth(layers, depth)
    if dropout is not None:
        layers = _with_dropout(layers, dropout)
    if width != 1.0:
        if width <= 0:
            raise SpecError(f"width factor must be above 0, got {width:g}")
        _scale(layers, width)
    return NetworkSpec(layers, name=spec.name)


def n_blocks(spec: NetworkSpec) -> int:
    """The design's blocks that ``depth`` counts (layers with weights)."""
    return sum(layer.kind in WEIGHTED for layer in spec.layers)


def has_width(spec: NetworkSpec) -> bool:
    return any(layer.kind in WIDTHS for layer in _walk(spec.layers))


def dropout_of(spec: NetworkSpec) -> float | None:
    """The design's first dropout rate; 0.0 when it has none but could get some (a Dense
    block); None when ``dropout`` has nothing to act on."""
    for layer in _walk(spec.layers):
        key = DROPOUT_PARAMS.get(layer.kind)
        if key is not None:
            return float(_param(layer, key))
    return 0.0 if any(layer.kind == "Dense" for layer in spec.layers) else None


def dropout_rates(spec: NetworkSpec) -> set[float]:
    """Every distinct dropout rate of the design."""
    return {float(_param(layer, DROPOUT_PARAMS[layer.kind])) for layer in _walk(spec.layers)
            if layer.kind in DROPOUT_PARAMS}


def _param(layer: LayerSpec, key: str) -> Any:
    """The layer's ``key``, or the registry's default when the spec leaves it out."""
    if key in layer.params:
        return layer.params[key]
    kind = LAYER_KINDS.get(layer.kind)
    spec = kind.param(key) if kind is not None else None
    return spec.default if spec is not None else None


def _walk(layers: list[LayerSpec]) -> Iterator[LayerSpec]:
    for layer in layers:
        yield layer
        if layer.layers:
            yield from _walk(layer.layers)


def _unit(layers: list[LayerSpec], i: int) -> int:
    """The end (exclusive) of the block starting at ``i``: it and its companions."""
    end = i + 1
    while end < len(layers) and layers[end].kind in COMPANIONS:
        end += 1
    return end


def _with_depth(layers: list[LayerSpec], depth: int) -> list[LayerSpec]:
    starts = [i for i, layer in enumerate(layers) if layer.kind in WEIGHTED]
    if depth == 0:
        return layers
    if not starts:
        raise SpecError("depth: the network has no layer with weights to repeat or remove")
    if depth > 0:
        last = starts[-1]
        end = _unit(layers, last)
        copies = [layer.copy() for _ in range(depth) for layer in layers[last:end]]
        return layers[:end] + copies + layers[end:]
    if len(starts) + depth < 1:
        raise SpecError(f"depth {depth}: the network has {len(starts)} block(s) with "
                        "weights and the first always stays")
    for start in reversed(starts[depth:]):
        del layers[start:_unit(layers, start)]
    return layers


def _with_dropout(layers: list[LayerSpec], rate: float) -> list[LayerSpec]:
    if not 0 <= rate <= 0.95:
        raise SpecError(f"dropout must be between 0 and 0.95, got {rate:g}")
    found = False
    for layer in _walk(layers):
        key = DROPOUT_PARAMS.get(layer.kind)
        if key is not None:
            layer.params[key] = rate
            found = True
    if found or rate == 0:
        return layers
    if not any(layer.kind == "Dense" for layer in layers):
        raise SpecError("dropout: the network has no Dropout or Dense layer to act on")
    out: list[LayerSpec] = []
    i = 0
    while i < len(layers):
        end = _unit(layers, i) if layers[i].kind == "Dense" else i + 1
        out += layers[i:end]
        if layers[i].kind == "Dense":
            out.append(LayerSpec("Dropout", {"rate": rate}))
        i = end
    return out


def _scale(layers: list[LayerSpec], factor: float) -> None:
    for layer in _walk(layers):
        key = WIDTHS.get(layer.kind)
        value = None if key is None else _param(layer, key)
        if key is not None and isinstance(value, int | float):
            layer.params[key] = max(1, round(value * factor))
