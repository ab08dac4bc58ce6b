"""Ready-made networks a user starts from, adapted to the data's input shape.

A preset is a recipe, not a fixed list of layers: ``make_preset`` shrinks kernels and
switches to 'same' padding for short sequences and small images, so every preset it
returns passes ``check`` on the input it was made for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import SpecError
from core.nn import templates
from core.nn.shapes import check
from core.nn.spec import LayerSpec, NetworkSpec
from core.nn.templates import fit_kernel, pools_for

Shape = tuple[int, ...]

_RANK_NAMES = {
    1: "flat features (F,)",
    2: "a sequence input (length, channels)",
    3: "an image input (channels, height, width)",
}


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str  # one line for the UI
    modalities: tuple[str, ...]  # dataset modalities it suits
    options: dict[str, Any] = field(default_factory=dict)  # option -> default
    input_ranks: tuple[int, ...] = (1, 2, 3)  # input shapes it can take


def _layer(kind: str, **params: Any) -> LayerSpec:
    return LayerSpec(kind, params)


def _flatten_if_needed(shape: Shape) -> list[LayerSpec]:
    return [_layer("Flatten")] if len(shape) > 1 else []


def _linear(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    return []  # the automatic output layer alone: one linear unit per output


def _mlp(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    hidden = [o["hidden"]] if isinstance(o["hidden"], int) else list(o["hidden"])
    layers = _flatten_if_needed(shape)
    for units in hidden:
        layers.append(_layer("Dense", units=units, activation=o["activation"]))
        if o["dropout"] > 0:
            layers.append(_layer("Dropout", rate=o["dropout"]))
    return layers


def _cnn1d(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    # Pooling to a few bins, then Flatten, keeps *where* a motif sits (a splice site's
    # offset from the junction) as well as whether it occurs; a global max pool would
    # answer only the second question and loses to a logistic baseline on such data.
    # Dropout after each stage keeps the flattened positions from being memorized.
    length = shape[0]
    pools = pools_for(length, o["positions"])
    layers: list[LayerSpec] = []
    for i, pool in enumerate(pools):
        kernel = fit_kernel(o["kernel"] if i == 0 else min(5, o["kernel"]), length)
        if o["batchnorm"]:  # normalized before the non-linearity, as in Basset
            layers += [_layer("Conv1D", filters=o["filters"], kernel=kernel, padding="same",
                              activation="none"), _layer("BatchNorm"), _layer("ReLU")]
        else:
            layers.append(_layer("Conv1D", filters=o["filters"], kernel=kernel,
                                 padding="same", activation="relu"))
        if pool > 1:
            layers.append(_layer("MaxPool1D", pool=pool))
            length //= pool
        if i == 0 and o["dropout"] > 0:
            layers.append(_layer("Dropout", rate=o["dropout"]))
    layers.append(_layer("Flatten"))
    if o["dense_dropout"] > 0:
        layers.append(_layer("Dropout", rate=o["dense_dropout"]))
    layers.append(_layer("Dense", units=o["dense"], activation="relu"))
    return layers


def _cnn2d(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    side = min(shape[1:])
    layers = []
    for filters in o["filters"]:
        # 'valid' as in the course while the image is large; 'same' keeps small ones usable.
        padding = "valid" if side >= 12 else "same"
        layers.append(_layer("Conv2D", filters=filters, kernel=3, padding=padding,
                             activation="relu"))
        side -= 2 if padding == "valid" else 0
        if side >= 2:
            layers.append(_layer("MaxPool2D", pool=2))
            side //= 2
    layers += [_layer("Flatten"), _layer("Dense", units=o["dense"], activation="relu")]
    if o["dropout"] > 0:
        layers.append(_layer("Dropout", rate=o["dropout"]))
    return layers


def _rnn(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    cell = str(o["cell"]).upper()
    if cell not in ("LSTM", "GRU"):
        raise SpecError(f"preset 'rnn': cell must be 'lstm' or 'gru', got {o['cell']!r}")
    return [_layer(cell, hidden=o["hidden"], num_layers=o["layers"],
                   bidirectional=o["bidirectional"], **{"return": "last"})]


def _resmlp(shape: Shape, o: dict[str, Any]) -> list[LayerSpec]:
    layers = _flatten_if_needed(shape)
    layers.append(_layer("Dense", units=o["width"], activation="relu"))
    for _ in range(o["blocks"]):
        inner = [_layer("Dense", units=o["width"], activation="relu")]
        if o["dropout"] > 0:
            inner.append(_layer("Dropout", rate=o["dropout"]))
        layers.append(LayerSpec("Residual", {}, inner))
    return layers


_ALL = ("sequence", "tabular", "image")
PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("linear", "Linear model",
               "No hidden layers: one linear unit per output (perceptron / linear regression).",
               _ALL),
        Preset("mlp", "Multilayer perceptron",
               "Fully connected hidden layers; a good first network for any flat features.",
               _ALL, {"hidden": (64, 32), "activation": "relu", "dropout": 0.0}),
        Preset("cnn1d", "1-D CNN for sequences",
               "Convolutions scan one-hot sequences for motifs; pooling to a few bins keeps "
               "roughly where each motif sits, which is the signal at splice sites.",
               ("sequence",), {"filters": 32, "kernel": 9, "positions": 8, "dense": 32,
                               "dropout": 0.2, "dense_dropout": 0.3, "batchnorm": False}, (2,)),
        Preset("cnn2d", "2-D CNN for images",
               "Two convolution and pooling stages find local image patterns, then a Dense layer.",
               ("image",), {"filters": (24, 36), "dense": 128, "dropout": 0.0}, (3,)),
        Preset("rnn", "Recurrent network",
               "An LSTM reads the sequence position by position and summarizes it.",
               ("sequence",),
               {"hidden": 64, "cell": "lstm", "bidirectional": False, "layers": 1}, (2,)),
        Preset("resmlp", "Residual MLP",
               "A deeper MLP whose blocks add their input back (skip connections).",
               ("tabular", "sequence"), {"width": 64, "blocks": 2, "dropout": 0.1}),
        Preset("deepbind", "DeepBind-style motif scanner",
               "DeepBind (2015): motif detectors and the best match anywhere; for binding "
               "sites whose position does not matter.",
               ("sequence",), {"filters": 16, "kernel": 24, "dense": 32, "dropout": 0.5}, (2,)),
        Preset("basset", "Basset-style deep CNN",
               "Basset (2016): three convolution, batch-norm and pooling blocks build motifs "
               "into larger regulatory grammar; for long sequences and many samples.",
               ("sequence",), {"filters": 64, "kernel": 19, "positions": 8, "dense": 64,
                               "dropout": 0.3}, (2,)),
        Preset("danq", "DanQ-style CNN + BiLSTM",
               "DanQ (2016): a convolution finds motifs, a bidirectional LSTM reads their "
               "order and spacing in both directions.",
               ("sequence",), {"filters": 32, "kernel": 19, "positions": 16, "hidden": 32,
                               "dense": 64, "dropout": 0.3}, (2,)),
        Preset("transformer", "Transformer encoder",
               "Self-attention lets every position weigh every other, for interactions "
               "between distant sites; takes one-hot or the integer encoding.",
               ("sequence",), {"width": 32, "heads": 4, "blocks": 2, "dropout": 0.1,
                               "vocab": 32}, (1, 2)),
        Preset("resnet1d", "Residual 1-D CNN",
               "Convolution blocks that add their input back (ResNet) go deeper without "
               "training trouble, then pool to a few bins as the 1-D CNN does.",
               ("sequence",), {"filters": 32, "kernel": 9, "blocks": 2, "positions": 8,
                               "dense": 32, "dropout": 0.3}, (2,)),
        Preset("autoencoder", "Autoencoder",
               "Squeezes each example through a narrow bottleneck and rebuilds it: the "
               "bottleneck is a learned low-dimensional map (train with task reconstruct).",
               _ALL, {"width": 64, "bottleneck": 8}),
    )
}

_RECIPES: dict[str, Callable[[Shape, dict[str, Any]], list[LayerSpec]]] = {
    "linear": _linear, "mlp": _mlp, "cnn1d": _cnn1d, "cnn2d": _cnn2d, "rnn": _rnn,
    "resmlp": _resmlp, "deepbind": templates.deepbind, "basset": templates.basset,
    "danq": templates.danq, "transformer": templates.transformer,
    "resnet1d": templates.resnet1d, "autoencoder": templates.autoencoder,
}


def suggest_preset(modality: str, input_shape: Sequence[int], encoding: str | None = None,
                   task: str | None = None) -> str:
    """The preset to offer first: a position-aware CNN for one-hot sequences, a 2-D CNN for
    images, a transformer for integer-coded sequences, an autoencoder to reconstruct,
    else an MLP. Measured on synthetic splice-like, motif, table and digit tasks
    (``make bench``, ``models``), each beats the best classic baseline."""
    rank = len(input_shape)
    if task == "reconstruct":
        return "autoencoder"
    if modality == "image" and rank == 3:
        return "cnn2d"
    if modality == "sequence" and rank == 2:
        return "cnn1d"
    if modality == "sequence" and rank == 1 and encoding == "integer":
        return "transformer"
    return "mlp"


def _preset_for_rank(rank: int) -> str:
    return {2: "cnn1d", 3: "cnn2d"}.get(rank, "mlp")


def make_preset(name: str, input_shape: Sequence[int], n_outputs: int,
                **options: Any) -> NetworkSpec:
    """The preset's layers for ``input_shape``; ``options`` override the preset's defaults.
    Raises ``SpecError`` naming a preset that suits when this one cannot fit the input."""
    preset = PRESETS.get(name)
    if preset is None:
        raise SpecError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    unknown = sorted(set(options) - set(preset.options))
    if unknown:
        known = ", ".join(preset.options) or "none"
        raise SpecError(f"preset {name!r} has no option {unknown[0]!r}; its options: {known}")
    shape = tuple(input_shape)
    if len(shape) not in preset.input_ranks:
        needs = " or ".join(_RANK_NAMES[r] for r in preset.input_ranks)
        raise SpecError(f"preset {name!r} needs {needs}, got {shape}; "
                        f"use {_preset_for_rank(len(shape))!r} instead")
    spec = NetworkSpec(_RECIPES[name](shape, {**preset.options, **options}), name=preset.title)
    try:
        check(spec, shape, n_outputs)
    except SpecError as exc:
        raise SpecError(f"preset {name!r} does not fit input {shape}: {exc}") from None
    return spec


def fitted_options(name: str, input_shape: Sequence[int], n_outputs: int,
                   options: dict[str, Any]) -> dict[str, str]:
    """What the preset changes of ``options`` to fit ``input_shape``, option -> a note
    such as "fitted to 3 for length 9", so a form never shows a kernel it does not train.
    Empty when nothing was changed or the preset does not fit at all (its error says so)."""
    wanted = options.get("kernel", PRESETS[name].options.get("kernel")) if name in PRESETS \
        else None
    if wanted is None:
        return {}
    try:
        spec = make_preset(name, input_shape, n_outputs, **options)
    except SpecError:
        return {}
    used = next((layer.params["kernel"] for layer in spec.layers
                 if "kernel" in layer.params), wanted)
    if used == wanted:
        return {}
    return {"kernel": f"fitted to {used} for length {input_shape[0]}"}
