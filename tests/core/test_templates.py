"""The literature templates: each fits short and long inputs, trains a step, exports to
ONNX (checked with onnxruntime) and teaches what it is for in one sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.export.onnx_export import TOLERANCE, export_onnx, run_onnx
from core.nn.build import build_model
from core.nn.presets import PRESETS, make_preset
from core.nn.shapes import check

TEMPLATES = ("deepbind", "basset", "danq", "transformer", "resnet1d", "autoencoder")
SHAPES = ((9, 4), (60, 4), (600, 4), (60,))


def _cases() -> list[tuple[str, tuple[int, ...]]]:
    return [(name, shape) for name in TEMPLATES for shape in SHAPES
            if len(shape) in PRESETS[name].input_ranks]


def _input(shape: tuple[int, ...], n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if len(shape) == 1:  # integer codes 0..4, as the integer encoding of DNA gives
        return torch.randint(0, 5, (n, *shape), generator=g).float()
    return torch.rand((n, *shape), generator=g)


@pytest.mark.parametrize(("name", "shape"), _cases())
def test_template_fits_trains_and_exports(name: str, shape: tuple[int, ...],
                                          tmp_path: Path) -> None:
    spec = make_preset(name, shape, 3)
    summary = check(spec, shape, 3)
    torch.manual_seed(0)
    model = build_model(spec, shape, 3)
    assert summary.total_params == sum(p.numel() for p in model.parameters())
    # one training step moves the weights
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = [p.detach().clone() for p in model.parameters()]
    loss = torch.nn.functional.cross_entropy(model(_input(shape, 8)), torch.arange(8) % 3)
    loss.backward()
    opt.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    model.eval()
    assert export_onnx(model, _input(shape, 2), tmp_path / "m.onnx") <= TOLERANCE
    x = _input(shape, 5, seed=1)
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", x.numpy()), want,
                               atol=1e-4, rtol=1e-4)


def test_templates_are_offered_with_a_teaching_sentence() -> None:
    for name in TEMPLATES:
        preset = PRESETS[name]
        assert preset.description.endswith(".") and len(preset.description) > 40


def test_templates_keep_their_published_shape() -> None:
    kinds = {name: [layer.kind for layer in make_preset(name, (600, 4), 2).layers]
             for name in TEMPLATES}
    assert kinds["deepbind"][:2] == ["Conv1D", "GlobalMaxPool"]
    assert kinds["basset"].count("Conv1D") == 3 and kinds["basset"].count("BatchNorm") == 3
    assert kinds["basset"].count("MaxPool1D") == 3
    danq = make_preset("danq", (600, 4), 2).layers
    lstm = next(layer for layer in danq if layer.kind == "LSTM")
    assert lstm.params["bidirectional"] and kinds["danq"][0] == "Conv1D"
    assert kinds["transformer"][:3] == ["Dense", "PositionalEncoding", "TransformerBlock"]
    assert make_preset("transformer", (60,), 2).layers[0].kind == "Embedding"
    assert kinds["resnet1d"].count("Residual") == 2
    widths = [layer.params["units"] for layer in make_preset("autoencoder", (20,), 20).layers]
    assert widths == [20, 8, 20]  # encoder, bottleneck, decoder


def test_cnn1d_keeps_position_by_pooling_to_a_few_bins() -> None:
    layers = make_preset("cnn1d", (60, 4), 2).layers
    assert "GlobalMaxPool" not in [layer.kind for layer in layers]
    summary = check(make_preset("cnn1d", (60, 4), 2), (60, 4), 2)
    flat = next(info for info in summary.layers if info.kind == "Flatten")
    before = summary.layers[summary.layers.index(flat) - 1].output_shape
    assert 4 <= before[0] <= 10  # about ``positions`` bins of where motifs sit
