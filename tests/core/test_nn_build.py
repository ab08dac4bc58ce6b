"""Building torch models from specs: structure, hooks by path, JSON round trips, export."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import torch
from torch import nn

from core.errors import SpecError
from core.nn.build import Recurrent, Residual, build_model, layer_modules
from core.nn.shapes import check
from core.nn.spec import NetworkSpec


def _spec(*layers: dict[str, Any]) -> NetworkSpec:
    return NetworkSpec.from_dict({"layers": list(layers)})


def _res(*inner: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Residual", "layers": list(inner)}


FAMILIES: dict[str, tuple[NetworkSpec, tuple[int, ...]]] = {
    "dense": (_spec({"kind": "Dense", "units": 8, "activation": "gelu"},
                    {"kind": "BatchNorm"}, {"kind": "Dropout"},
                    {"kind": "Dense", "units": 6, "activation": "leakyrelu"},
                    {"kind": "LayerNorm"}, {"kind": "Softmax"}), (5,)),
    "conv1d": (_spec({"kind": "Conv1D", "filters": 6, "kernel": 4, "stride": 2,
                      "padding": "same", "activation": "elu"},
                     {"kind": "BatchNorm"}, {"kind": "MaxPool1D", "pool": 2},
                     {"kind": "Conv1D", "filters": 4, "kernel": 2, "dilation": 2},
                     {"kind": "AvgPool1D", "pool": 2, "stride": 1},
                     {"kind": "GlobalMaxPool"}), (16, 4)),
    "conv2d": (_spec({"kind": "Conv2D", "filters": 4, "kernel": 2, "padding": "same",
                      "activation": "silu"},
                     {"kind": "LayerNorm"}, {"kind": "MaxPool2D", "pool": 2},
                     {"kind": "Conv2D", "filters": 5, "kernel": 3, "stride": 2},
                     {"kind": "AvgPool2D", "pool": 1}, {"kind": "BatchNorm"},
                     {"kind": "GlobalAvgPool"}), (1, 8, 8)),
    "lstm": (_spec({"kind": "LSTM", "hidden": 5, "num_layers": 2, "bidirectional": True,
                    "return": "sequence"},
                   {"kind": "LSTM", "hidden": 4}), (7, 4)),
    "gru": (_spec({"kind": "GRU", "hidden": 5, "return": "sequence"},
                  {"kind": "GRU", "hidden": 3, "bidirectional": True}), (7, 4)),
    "residual": (_spec({"kind": "Conv1D", "filters": 4, "kernel": 3},
                       _res({"kind": "Conv1D", "filters": 6, "kernel": 3, "padding": "same"},
                            {"kind": "Tanh"}),
                       _res({"kind": "Conv1D", "filters": 6, "kernel": 5, "padding": "same"}),
                       {"kind": "Flatten"}, {"kind": "Dense", "units": 5},
                       _res({"kind": "Dense", "units": 5}, {"kind": "Sigmoid"})), (9, 4)),
    "residual2d": (_spec(_res({"kind": "Conv2D", "filters": 3, "kernel": 3,
                               "padding": "same"})), (2, 5, 5)),
}


def _built(family: str) -> tuple[nn.Module, tuple[int, ...]]:
    spec, shape = FAMILIES[family]
    torch.manual_seed(0)
    return build_model(spec, shape, 3).eval(), shape


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_torchscript_trace_matches_eager(family: str) -> None:
    model, shape = _built(family)
    traced = torch.jit.trace(model, torch.randn(2, *shape), check_trace=False)
    x = torch.randn(5, *shape)  # another batch size than the traced one
    with torch.no_grad():
        assert torch.allclose(traced(x), model(x), atol=1e-5)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_onnx_export_matches_torch(family: str) -> None:
    model, shape = _built(family)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter and LSTM batch-size notices
        torch.onnx.export(model, (torch.randn(2, *shape),), buffer, dynamo=False,
                          opset_version=17, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    x = torch.randn(5, *shape)
    (got,) = session.run(None, {"input": x.numpy()})
    with torch.no_grad():
        want = model(x).numpy()
    assert got.shape == (5, 3)
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-4)


def test_build_model_checks_first() -> None:
    with pytest.raises(SpecError, match=r"^layer 1 Conv1D: kernel 9 needs length >= 9"):
        build_model(_spec({"kind": "Conv1D", "kernel": 9}), (8, 4), 2)
    with pytest.raises(SpecError, match=r"^layer 1 Residual: the inner layers change"):
        build_model(_spec(_res({"kind": "MaxPool1D"})), (8, 4), 2)


def test_network_records_its_input_and_outputs() -> None:
    model = build_model(_spec({"kind": "Conv1D"}), [20, 4], 2)
    assert (model.input_shape, model.n_outputs) == ((20, 4), 2)
    assert isinstance(model[-2], nn.Flatten)
    assert isinstance(model[-1], nn.Linear) and model[-1].out_features == 2


def test_residual_projection_modules() -> None:
    cases = [
        (_res({"kind": "Dense", "units": 4}), (4,), nn.Identity),
        (_res({"kind": "Dense", "units": 7}), (4,), nn.Linear),
        (_res({"kind": "Conv1D", "filters": 7, "padding": "same"}), (9, 4), nn.Linear),
        (_res({"kind": "Conv2D", "filters": 7, "padding": "same"}), (2, 5, 5), nn.Conv2d),
    ]
    for layer, shape, skip_type in cases:
        block = build_model(_spec(layer), shape, 1)[0]
        assert isinstance(block, Residual)
        assert type(block.skip) is skip_type
        x = torch.randn(2, *shape)
        assert torch.allclose(block(x), block.skip(x) + block.inner(x))


def test_identity_residual_adds_the_input() -> None:
    torch.manual_seed(0)
    model = build_model(_spec(_res({"kind": "Dense", "units": 3, "activation": "none"})), (3,), 1)
    block = model[0]
    x = torch.randn(4, 3)
    assert torch.allclose(block(x), x + block.inner(x))


def test_same_padding_agrees_with_torch_same_even_for_even_kernels() -> None:
    torch.manual_seed(0)
    for kernel, dilation in ((2, 1), (3, 1), (4, 1), (5, 2), (4, 3)):
        spec = _spec({"kind": "Conv1D", "filters": 2, "kernel": kernel, "padding": "same",
                      "dilation": dilation, "activation": "none"})
        conv = layer_modules(build_model(spec, (7, 3), 1))[0][1]
        ours = conv.body[-1]
        reference = nn.Conv1d(3, 2, kernel, padding="same", dilation=dilation)
        reference.load_state_dict(ours.state_dict())
        x = torch.randn(4, 7, 3)
        expected = reference(x.transpose(1, 2)).transpose(1, 2)
        assert torch.allclose(conv(x), expected, atol=1e-6)


def test_bidirectional_last_joins_both_directions_final_states() -> None:
    torch.manual_seed(0)
    spec = _spec({"kind": "GRU", "hidden": 3, "bidirectional": True})
    rec = build_model(spec, (6, 2), 1)[0]
    assert isinstance(rec, Recurrent)
    x = torch.randn(2, 6, 2)
    out, _ = rec.rnn(x)
    # forward direction has read everything at the last step, backward at the first
    assert torch.allclose(rec(x), torch.cat([out[:, -1, :3], out[:, 0, 3:]], dim=1))


def test_layer_modules_follow_summary_paths_for_hooks() -> None:
    spec, shape = FAMILIES["residual"]
    summary = check(spec, shape, 3)
    model = build_model(spec, shape, 3)
    modules = layer_modules(model)
    assert [p for p, _ in modules] == [info.path for info in summary.layers]
    assert modules[2][0] == (1, 0)
    seen: dict[tuple[int, ...], torch.Size] = {}
    for path, module in modules:
        module.register_forward_hook(
            lambda _m, _i, out, path=path: seen.__setitem__(path, out.shape[1:]))
    model(torch.randn(2, *shape))
    assert {p: tuple(s) for p, s in seen.items()} == {
        info.path: info.output_shape for info in summary.layers}


def test_json_round_trip_builds_the_same_model() -> None:
    spec, shape = FAMILIES["residual"]
    again = NetworkSpec.from_json(spec.to_json())
    assert again == spec
    assert again.layers[1].layers[1].kind == "Tanh"
    assert check(again, shape, 3) == check(spec, shape, 3)
    torch.manual_seed(1)
    a = build_model(spec, shape, 3).eval()
    torch.manual_seed(1)
    b = build_model(again, shape, 3).eval()
    x = torch.randn(3, *shape)
    assert torch.equal(a(x), b(x))


def test_spec_file_round_trip(tmp_path) -> None:
    spec, shape = FAMILIES["residual"]
    spec.name = "motif resnet"
    spec.save(tmp_path / "net.json")
    again = NetworkSpec.load(tmp_path / "net.json")
    assert again.to_dict() == spec.to_dict()
    assert build_model(again, shape, 2)(torch.randn(1, *shape)).shape == (1, 2)
