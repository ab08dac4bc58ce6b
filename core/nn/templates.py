"""Networks from the genomics literature, scaled to a workstation and fitted to the input.

Each recipe keeps the published *shape* of the idea (what each stage is for) but not its
size: Basset's 300 filters and DanQ's 320 are for a million ENCODE peaks, not a user's
few thousand sequences. Kernels and pools shrink with the sequence (``fit_kernel``,
``pools_for``), so every template fits lengths from about 8 to several thousand.

- DeepBind (Alipanahi et al. 2015): one convolution of motif detectors, the best match
  anywhere (global max), a small Dense layer.
- Basset (Kelley et al. 2016): three convolution, batch-norm and pooling blocks.
- DanQ (Quang and Xie 2016): a convolution finds motifs, a bidirectional LSTM reads their
  order and spacing.
- A small transformer encoder: a linear projection (or an embedding of integer codes),
  positional encoding and self-attention blocks that relate any two positions.
- A residual 1-D CNN: convolution blocks that add their input back (ResNet), deeper
  without training trouble.
"""

from __future__ import annotations

import math
from typing import Any

from core.nn.spec import LayerSpec

Shape = tuple[int, ...]


def layer(kind: str, **params: Any) -> LayerSpec:
    return LayerSpec(kind, params)


def fit_kernel(wanted: int, room: int) -> int:
    """The largest kernel up to ``wanted`` that fits ``room`` positions, odd when shrunk
    (an odd kernel has a centre position)."""
    k = max(1, min(wanted, room))
    return k - 1 if k < wanted and k % 2 == 0 else k


def pools_for(length: int, positions: int, stages: int = 2) -> list[int]:
    """``stages`` pool sizes that shorten ``length`` to about ``positions`` bins
    (1 = no pooling at that stage)."""
    total = max(1, length // max(1, positions))
    pools = []
    for left in range(stages, 0, -1):
        p = max(1, round(total ** (1 / left)))
        pools.append(p)
        total = max(1, total // p)
    return pools


def conv_block(filters: int, kernel: int, batchnorm: bool) -> list[LayerSpec]:
    """Conv1D 'same' then ReLU; with ``batchnorm`` the normalization sits between them."""
    if not batchnorm:
        return [layer("Conv1D", filters=filters, kernel=kernel, padding="same",
                      activation="relu")]
    return [layer("Conv1D", filters=filters, kernel=kernel, padding="same", activation="none"),
            layer("BatchNorm"), layer("ReLU")]


def flat_head(o: dict[str, Any]) -> list[LayerSpec]:
    """Flatten the pooled bins (where each motif sat) into a Dense layer, then dropout."""
    layers = [layer("Flatten"), layer("Dense", units=o["dense"], activation="relu")]
    if o["dropout"] > 0:
        layers.append(layer("Dropout", rate=o["dropout"]))
    return layers


def deepbind(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    kernel = fit_kernel(o["kernel"], shape[0])
    layers = [layer("Conv1D", filters=o["filters"], kernel=kernel, padding="same",
                    activation="relu"),
              layer("GlobalMaxPool"),
              layer("Dense", units=o["dense"], activation="relu")]
    if o["dropout"] > 0:
        layers.append(layer("Dropout", rate=o["dropout"]))
    return layers


def basset(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    length = shape[0]
    layers: list[LayerSpec] = []
    for kernel, pool in zip((19, 11, 7), pools_for(length, o["positions"], 3), strict=True):
        layers += conv_block(o["filters"], fit_kernel(min(kernel, o["kernel"]), length), True)
        if pool > 1:
            layers.append(layer("MaxPool1D", pool=pool))
            length //= pool
    return layers + flat_head(o)


def danq(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    length = shape[0]
    pool = pools_for(length, o["positions"], 1)[0]
    layers = [layer("Conv1D", filters=o["filters"], kernel=fit_kernel(o["kernel"], length),
                    padding="same", activation="relu")]
    if pool > 1:
        layers.append(layer("MaxPool1D", pool=pool))
    layers += [layer("Dropout", rate=0.2),
               layer("LSTM", hidden=o["hidden"], num_layers=1, bidirectional=True,
                     **{"return": "sequence"}),
               layer("Dropout", rate=o["dropout"]),
               layer("Flatten"),
               layer("Dense", units=o["dense"], activation="relu")]
    return layers


def transformer(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    d = o["width"]
    if len(shape) == 1:  # integer codes (the "integer" encoding): learn a vector per letter
        first = layer("Embedding", vocab=o["vocab"], dim=d)
    else:  # one-hot or other channels: a linear projection of each position
        first = layer("Dense", units=d, activation="none")
    layers = [first, layer("PositionalEncoding", mode="sinusoidal")]
    layers += [layer("TransformerBlock", heads=o["heads"], ff=2 * d, dropout=o["dropout"])
               for _ in range(o["blocks"])]
    layers += [layer("GlobalAvgPool"), layer("Dense", units=d, activation="relu")]
    return layers


def resnet1d(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    length, f = shape[0], o["filters"]
    layers = conv_block(f, fit_kernel(o["kernel"], length), True)
    for pool in pools_for(length, o["positions"], o["blocks"]):
        inner = [layer("Conv1D", filters=f, kernel=fit_kernel(5, length), padding="same",
                       activation="relu"),
                 layer("Conv1D", filters=f, kernel=fit_kernel(5, length), padding="same",
                       activation="none")]
        layers += [LayerSpec("Residual", {}, inner), layer("ReLU")]
        if pool > 1:
            layers.append(layer("MaxPool1D", pool=pool))
            length //= pool
    return layers + flat_head(o)


def autoencoder(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    """Encoder, a narrow bottleneck (the learned low-dimensional code), mirrored decoder;
    the output layer the task adds reconstructs every input value."""
    wide = max(o["bottleneck"] * 2, min(o["width"], math.prod(shape)))
    layers = [layer("Flatten")] if len(shape) > 1 else []
    layers += [layer("Dense", units=wide, activation="relu"),
               layer("Dense", units=o["bottleneck"], activation="none"),
               layer("Dense", units=wide, activation="relu")]
    return layers
