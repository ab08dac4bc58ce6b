"""Shape inference: shapes and parameter counts match the built torch modules, and the
classic mistakes get numbered, actionable messages."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

from core.budget import human_bytes
from core.errors import SpecError
from core.nn.build import build_model, layer_modules
from core.nn.layers import LAYER_KINDS
from core.nn.memory import TRAINING_RUNTIME, values_kept
from core.nn.shapes import check, infer, summary_text
from core.nn.spec import LayerSpec, NetworkSpec


def _spec(*layers: dict[str, Any]) -> NetworkSpec:
    return NetworkSpec.from_dict({"layers": list(layers)})


def _res(*inner: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Residual", "layers": list(inner)}


# (layer, input shape): every kind, on every input rank it accepts, with non-default options.
CASES: list[tuple[dict[str, Any], tuple[int, ...]]] = [
    ({"kind": "Dense", "units": 5}, (6,)),
    ({"kind": "Dense", "units": 5, "activation": "none"}, (7, 3)),
    ({"kind": "Dense", "units": 4, "activation": "softmax"}, (2, 3, 3)),
    ({"kind": "Flatten"}, (7, 3)),
    ({"kind": "Flatten"}, (2, 3, 3)),
    ({"kind": "Conv1D", "filters": 5, "kernel": 3}, (9, 4)),
    ({"kind": "Conv1D", "filters": 5, "kernel": 4, "padding": "same"}, (9, 4)),
    ({"kind": "Conv1D", "filters": 3, "kernel": 4, "stride": 2, "padding": "same"}, (9, 4)),
    ({"kind": "Conv1D", "filters": 3, "kernel": 3, "dilation": 2, "stride": 2}, (12, 4)),
    ({"kind": "Conv1D", "filters": 3, "kernel": 3, "padding": "same", "dilation": 3,
      "activation": "softmax"}, (7, 2)),
    ({"kind": "Conv2D", "filters": 4, "kernel": 3}, (2, 7, 6)),
    ({"kind": "Conv2D", "filters": 4, "kernel": 2, "stride": 2, "padding": "same"}, (2, 7, 6)),
    ({"kind": "Conv2D", "filters": 4, "kernel": 3, "dilation": 2, "activation": "tanh"},
     (1, 8, 8)),
    ({"kind": "MaxPool1D", "pool": 2}, (9, 3)),
    ({"kind": "MaxPool1D", "pool": 3, "stride": 1}, (9, 3)),
    ({"kind": "AvgPool1D", "pool": 4, "stride": 2}, (9, 3)),
    ({"kind": "MaxPool2D", "pool": 2}, (2, 7, 6)),
    ({"kind": "AvgPool2D", "pool": 3, "stride": 1}, (2, 7, 6)),
    ({"kind": "GlobalAvgPool"}, (9, 3)),
    ({"kind": "GlobalAvgPool"}, (2, 5, 4)),
    ({"kind": "GlobalMaxPool"}, (9, 3)),
    ({"kind": "GlobalMaxPool"}, (2, 5, 4)),
    ({"kind": "LSTM", "hidden": 5}, (6, 4)),
    ({"kind": "LSTM", "hidden": 5, "num_layers": 2, "bidirectional": True, "return": "sequence"},
     (6, 4)),
    ({"kind": "GRU", "hidden": 3, "bidirectional": True}, (6, 4)),
    ({"kind": "GRU", "hidden": 3, "num_layers": 3, "return": "sequence"}, (6, 4)),
    ({"kind": "BatchNorm"}, (6,)),
    ({"kind": "BatchNorm"}, (7, 3)),
    ({"kind": "BatchNorm"}, (2, 4, 4)),
    ({"kind": "LayerNorm"}, (6,)),
    ({"kind": "LayerNorm"}, (7, 3)),
    ({"kind": "LayerNorm"}, (2, 4, 4)),
    ({"kind": "Dropout", "rate": 0.5}, (7, 3)),
    *[({"kind": k}, shape) for k in ("ReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh",
                                     "Identity") for shape in ((6,), (2, 3, 3))],
    ({"kind": "LeakyReLU", "slope": 0.2}, (7, 3)),
    ({"kind": "Softmax"}, (6,)),
    ({"kind": "Softmax"}, (7, 3)),
    ({"kind": "Softmax"}, (2, 3, 3)),
    (_res({"kind": "Dense", "units": 6}, {"kind": "Dropout"}), (6,)),
    (_res({"kind": "Dense", "units": 8}), (6,)),
    (_res({"kind": "Conv1D", "filters": 5, "kernel": 4, "padding": "same"},
          {"kind": "BatchNorm"}), (9, 3)),
    (_res({"kind": "Conv2D", "filters": 3, "kernel": 3, "padding": "same"}), (2, 5, 5)),
    (_res({"kind": "LSTM", "hidden": 4, "return": "sequence"}), (6, 4)),
    (_res(_res({"kind": "Dense", "units": 6}), {"kind": "ReLU"}), (6,)),
    # the attention and upsampling kinds (tests/core/test_nn_new_layers.py goes further)
    ({"kind": "Embedding", "vocab": 5, "dim": 4}, (7,)),
    ({"kind": "PositionalEncoding", "mode": "learned"}, (7, 4)),
    ({"kind": "MultiHeadAttention", "heads": 2}, (7, 4)),
    ({"kind": "TransformerBlock", "heads": 2, "ff": 8}, (7, 4)),
    (_res({"kind": "MultiHeadAttention", "heads": 4}), (7, 4)),
    ({"kind": "Upsample1D", "factor": 3}, (7, 4)),
    ({"kind": "Upsample2D", "mode": "linear"}, (2, 3, 4)),
    ({"kind": "ConvTranspose1D", "filters": 3, "kernel": 3}, (7, 4)),
    ({"kind": "ConvTranspose2D", "filters": 3, "stride": 1}, (2, 3, 4)),
    ({"kind": "Reshape", "shape": "4,-1"}, (2, 3, 4)),
]


def test_cases_cover_every_layer_kind() -> None:
    assert {case["kind"] for case, _ in CASES} == set(LAYER_KINDS)


@pytest.mark.parametrize(("layer", "shape"), CASES, ids=lambda v: str(v))
def test_inferred_shapes_and_params_match_torch(layer: dict[str, Any], shape: tuple) -> None:
    torch.manual_seed(0)
    spec = _spec(layer)
    summary = check(spec, shape, 2)
    model = build_model(spec, shape, 2).eval()
    outputs: dict[tuple[int, ...], tuple[int, ...]] = {}
    modules = layer_modules(model)
    for path, module in modules:
        module.register_forward_hook(
            lambda _m, _i, out, path=path: outputs.__setitem__(path, tuple(out.shape[1:])))
    y = model(torch.randn(3, *shape))
    assert tuple(y.shape) == (3, 2)
    assert [info.path for info in summary.layers] == [path for path, _ in modules]
    for info, (_, module) in zip(summary.layers, modules, strict=True):
        assert outputs[info.path] == info.output_shape, info
        assert info.n_params == sum(p.numel() for p in module.parameters()), info
    assert summary.total_params == sum(p.numel() for p in model.parameters())
    assert summary.output_shape == (2,)


@pytest.mark.parametrize(
    ("layer", "shape", "dim"),
    [
        ({"kind": "Softmax"}, (7, 3), 2),
        ({"kind": "Softmax"}, (2, 3, 3), 1),
        ({"kind": "Conv1D", "activation": "softmax"}, (7, 3), 2),
        ({"kind": "Conv2D", "activation": "softmax"}, (2, 3, 3), 1),
        ({"kind": "Dense", "units": 4, "activation": "softmax"}, (2, 3, 3), 3),
    ],
)
def test_softmax_normalizes_the_channel_axis(layer: dict, shape: tuple, dim: int) -> None:
    model = build_model(_spec(layer), shape, 1)
    out = layer_modules(model)[0][1](torch.randn(2, *shape))
    assert torch.allclose(out.sum(dim=dim), torch.ones(1))
    other = 1 if dim != 1 else 2  # any other axis does not sum to one
    assert not torch.allclose(out.sum(dim=other), torch.ones(1))


def test_auto_layers_flatten_then_linear_output() -> None:
    summary = infer(_spec({"kind": "Conv1D", "filters": 8, "kernel": 3}), (10, 4), 3)
    flat, out = summary.layers[-2:]
    assert (flat.auto, flat.kind, flat.path, flat.output_shape) == (True, "Flatten", (1,), (64,))
    assert (out.auto, out.kind, out.path, out.output_shape) == (True, "Dense", (2,), (3,))
    assert out.n_params == 64 * 3 + 3
    assert out.label == "Dense 3 (output)"
    flat_input = infer(NetworkSpec(), (5,), 1)
    assert [(r.kind, r.n_params, r.auto) for r in flat_input.layers] == [("Dense", 6, True)]


def test_labels() -> None:
    spec = _spec(
        {"kind": "Conv1D", "filters": 32, "kernel": 9},
        {"kind": "Conv1D", "filters": 8, "kernel": 5, "stride": 2, "padding": "same",
         "dilation": 2, "activation": "none"},
        {"kind": "MaxPool1D", "pool": 2, "stride": 1},
        {"kind": "LSTM", "hidden": 16, "num_layers": 2, "bidirectional": True},
        {"kind": "Dropout", "rate": 0.25},
        _res({"kind": "Dense", "units": 8}),
    )
    labels = [info.label for info in infer(spec, (60, 4), 2).layers]
    assert labels[:6] == [
        "Conv1D 32×9 relu", "Conv1D 8×5 stride 2 same dilation 2", "MaxPool1D 2 stride 1",
        "LSTM 16 ×2 bidirectional last", "Dropout 0.25", "Residual (1 layer) + projection",
    ]


# The classic mistakes, numbered as the user sees the stack.
@pytest.mark.parametrize(
    ("layers", "shape", "message"),
    [
        ([{"kind": "Conv1D", "filters": 8, "padding": "same"}, {"kind": "Dropout"},
          {"kind": "Conv1D", "kernel": 9}], (8, 4),
         "layer 3 Conv1D: kernel 9 needs length >= 9, input length is 8; use a smaller kernel"),
        ([{"kind": "Conv1D", "kernel": 3, "dilation": 4}], (8, 4),
         "layer 1 Conv1D: kernel 3 with dilation 4 needs length >= 9, input length is 8"),
        ([{"kind": "Dropout"}, {"kind": "LSTM"}], (30,),
         "layer 2 LSTM: needs a sequence input (length, channels), got (30,); "
         "use one-hot encoding or remove it"),
        ([{"kind": "ReLU"}, {"kind": "Dropout"}, {"kind": "BatchNorm"}, {"kind": "Conv2D"}],
         (60, 4),
         "layer 4 Conv2D: needs an image input (channels, height, width), got (60, 4); "
         "use Conv1D for sequences"),
        ([{"kind": "Flatten"}, {"kind": "Conv1D"}], (60, 4),
         "layer 2 Conv1D: needs a sequence input (length, channels), got (240,); "
         "move it before the layer that removed the length axis"),
        ([{"kind": "Conv1D"}], (1, 28, 28),
         "layer 1 Conv1D: needs a sequence input (length, channels), got (1, 28, 28); "
         "use Conv2D for images"),
        ([{"kind": "Flatten"}, {"kind": "MaxPool2D"}], (1, 8, 8),
         "layer 2 MaxPool2D: needs an image input (channels, height, width), got (64,); "
         "move it before the layer that flattened the image"),
        ([{"kind": "MaxPool1D", "pool": 4}, {"kind": "MaxPool1D", "pool": 4}], (8, 4),
         "layer 2 MaxPool1D: pool 4 needs length >= 4, input length is 2"),
        ([{"kind": "Conv2D", "kernel": 5}], (1, 4, 8),
         "layer 1 Conv2D: kernel 5 needs height and width >= 5, input is 4×8"),
        ([{"kind": "MaxPool2D", "pool": 3}], (1, 2, 2),
         "layer 1 MaxPool2D: pool 3 needs height and width >= 3, input is 2×2"),
        ([{"kind": "GlobalMaxPool"}], (30,),
         "layer 1 GlobalMaxPool: needs a sequence (length, channels) or image"),
        ([{"kind": "Dense", "units": 8}, _res({"kind": "Dense", "unit": 8})], (5,),
         "layer 2.1 Dense: unknown parameter 'unit'; did you mean 'units'?"),
        ([_res({"kind": "Conv1D", "filters": 8, "kernel": 3})], (10, 4),
         "layer 1 Residual: the inner layers change the shape from (10, 4) to (8, 8); a "
         "residual block adds its input to its output, so only the channel count may change"),
        ([_res({"kind": "LSTM"})], (10, 4),
         "layer 1 Residual: the inner layers change the shape from (10, 4) to (64,)"),
        ([_res()], (10, 4), "layer 1 Residual: a residual block needs at least one inner layer"),
        ([{"kind": "Conv"}], (10, 4), "layer 1 Conv: unknown layer kind 'Conv'"),
    ],
)
def test_classic_mistakes(layers: list[dict[str, Any]], shape: tuple, message: str) -> None:
    summary = infer(_spec(*layers), shape, 2)
    assert not summary.ok
    assert summary.errors[0].startswith(message), summary.errors[0]
    assert summary.output_shape is None
    with pytest.raises(SpecError, match="^" + message[:30].replace("(", r"\(").replace(")", r"\)")):
        check(_spec(*layers), shape, 2)


def test_errors_are_collected_and_later_shapes_are_unknown() -> None:
    spec = _spec({"kind": "Conv1D", "kernel": 9}, {"kind": "LSTM"},
                 {"kind": "Dense", "units": 0})
    summary = infer(spec, (8, 4), 2)
    assert [r.error is not None for r in summary.layers] == [True, False, True, False]
    assert [r.output_shape for r in summary.layers] == [None] * 4
    assert summary.errors[1] == "layer 3 Dense: units must be between 1 and 65536, got 0"
    assert summary.total_params == 0


def test_invalid_input_shape_and_outputs() -> None:
    summary = infer(_spec({"kind": "Dense"}), (0, 4), 2)
    assert summary.errors[0].startswith("the input shape must be 1 to 3 positive sizes")
    assert infer(NetworkSpec(), (2, 3, 4, 5), 2).errors
    assert infer(NetworkSpec(), 30, 2).errors[0].endswith("got 30")
    assert infer(NetworkSpec(), (4.5,), 2).errors[0].endswith("got (4.5,)")
    summary = infer(NetworkSpec(), (4,), 0)
    assert summary.errors == ["output layer: needs at least 1 unit, got 0"]
    assert infer(NetworkSpec(), (4,), True).errors == [
        "output layer: needs at least 1 unit, got True"]
    # numpy integers, as a dataset's arrays give them, are fine
    summary = check(NetworkSpec(), np.array([3, 4]), np.int64(2))
    assert (summary.input_shape, summary.output_shape) == ((3, 4), (2,))
    assert build_model(NetworkSpec(), np.array([3, 4]), np.int64(2)).n_outputs == 2


def test_memory_per_batch_formula() -> None:
    summary = check(_spec({"kind": "Dense", "units": 4}), (3,), 2)
    params = 3 * 4 + 4 + 4 * 2 + 2
    # values kept per example (core.nn.memory): the input batch twice, a Dense layer 3.5
    # copies of its output and its relu 3 more, the output layer 3.5
    values = 2 * 3 + (3.5 + 3) * 4 + 3.5 * 2
    assert summary.total_params == params
    assert values_kept(summary) == values
    assert summary.memory_per_batch(10) == (16 * params + math.ceil(4 * values * 10)
                                            + TRAINING_RUNTIME)


@pytest.mark.parametrize(
    ("optimizer", "momentum", "buffers"),
    [("adam", 0.0, 2), ("adamw", 0.0, 2), ("adadelta", 0.0, 2), ("rmsprop", 0.0, 1),
     ("adagrad", 0.0, 1), ("sgd", 0.0, 0), ("sgd", 0.9, 1), ("rmsprop", 0.9, 2),
     ("Adam", 0.9, 2)],
)
def test_memory_per_batch_counts_the_optimizers_state(optimizer: str, momentum: float,
                                                      buffers: int) -> None:
    summary = check(_spec({"kind": "Dense", "units": 4}), (3,), 2)
    activations = summary.memory_per_batch(10, "sgd") - 8 * summary.total_params
    got = summary.memory_per_batch(10, optimizer, momentum)
    assert got == 4 * (2 + buffers) * summary.total_params + activations
    # the same state torch keeps: one float per weight per buffer
    model = build_model(_spec({"kind": "Dense", "units": 4}), (3,), 2)
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
           "adadelta": torch.optim.Adadelta, "rmsprop": torch.optim.RMSprop,
           "adagrad": torch.optim.Adagrad}[optimizer.lower()]
    takes_momentum = optimizer in ("sgd", "rmsprop")  # Adam's "momentum" is its betas
    opt = cls(model.parameters(), lr=0.1, **({"momentum": momentum} if takes_momentum else {}))
    model(torch.randn(2, 3)).sum().backward()
    opt.step()
    state = sum(v.numel() for s in opt.state.values() for v in s.values()
                if torch.is_tensor(v) and v.dim() > 0)
    assert state == buffers * summary.total_params


def test_memory_per_batch_rejects_an_unknown_optimizer() -> None:
    summary = check(_spec({"kind": "Dense", "units": 4}), (3,), 2)
    with pytest.raises(SpecError, match="unknown optimizer 'lbfgs'; use sgd, adam"):
        summary.memory_per_batch(8, "lbfgs")


def test_summary_text_names_the_optimizer() -> None:
    summary = check(_spec({"kind": "Dense", "units": 4}), (3,), 2)
    assert "(batch 8, SGD):" in summary_text(summary, 8, "sgd")
    assert "(batch 8, SGD with momentum):" in summary_text(summary, 8, "sgd", 0.9)
    assert "(batch 4, RMSprop):" in summary_text(summary, 4, "rmsprop")
    assert "(batch 32, AdamW):" in summary_text(summary, optimizer="adamw")
    text = summary_text(summary, 8, "sgd")
    assert human_bytes(summary.memory_per_batch(8, 'sgd')) in text


def test_summary_text_table() -> None:
    spec = _spec({"kind": "Conv1D", "filters": 8, "kernel": 3},
                 _res({"kind": "Conv1D", "filters": 4, "kernel": 3, "padding": "same"}))
    summary = check(spec, (10, 4), 3)
    text = summary_text(summary, batch_size=16)
    lines = text.splitlines()
    assert lines[1].split() == ["Layer", "(type)", "Output", "shape", "Param", "#"]
    assert any(line.startswith("1 Conv1D 8×3 relu") and line.endswith("104") for line in lines)
    # The block's own row shows only its projection; its child is indented below it.
    assert any(line.startswith("2 Residual (1 layer) + projection") and line.endswith(" 36")
               for line in lines)
    assert any(line.startswith("  2.1 Conv1D 4×3 same relu") for line in lines)
    assert f"Total params: {summary.total_params:,}" in text
    assert "Estimated training memory (batch 16, Adam):" in text
    rows = [line for line in lines if line[:1].isdigit() or line.startswith((" ", "Flatten",
                                                                              "Dense"))]
    counts = [int(r.split()[-1].replace(",", "")) for r in rows if r.split()[-1] != "--"]
    assert sum(counts) == summary.total_params


def test_summary_text_lists_errors() -> None:
    summary = infer(_spec({"kind": "Conv1D", "kernel": 9}), (8, 4), 2)
    text = summary_text(summary)
    assert "error" in text
    assert "Error: layer 1 Conv1D: kernel 9 needs length >= 9" in text
    assert "memory" not in text


def test_nested_paths_and_numbers() -> None:
    spec = NetworkSpec([LayerSpec("Dense", {"units": 4}),
                        LayerSpec("Residual", {}, [LayerSpec("ReLU"), LayerSpec(
                            "Residual", {}, [LayerSpec("Dense", {"units": 4})])])])
    summary = check(spec, (4,), 1)
    assert [(r.path, r.number) for r in summary.layers] == [
        ((0,), "1"), ((1,), "2"), ((1, 0), "2.1"), ((1, 1), "2.2"), ((1, 1, 0), "2.2.1"),
        ((2,), "3"),
    ]
    assert summary.layers[1].n_params == summary.layers[4].n_params == 20
    assert summary.total_params == 20 + 20 + 5
    assert math.prod(summary.input_shape) == 4
