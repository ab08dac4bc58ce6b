"""The attention, embedding, upsampling and reshaping kinds: shapes and weights agree with
torch, a training step runs, specs round-trip through JSON, ONNX and TorchScript exports
reproduce torch, wrong inputs get one actionable line, and the modules compute what their
textbook definitions say."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from core.errors import SpecError
from core.export.onnx_export import TOLERANCE, export_onnx, run_onnx
from core.nn.attention import CodeEmbedding, SelfAttention, TransformerBlock, sinusoidal_table
from core.nn.build import build_model, layer_modules
from core.nn.layers import LAYER_KINDS, default_layer, parse_shape, resolved_params
from core.nn.memory import TRAINING_RUNTIME
from core.nn.shapes import check, infer
from core.nn.shapes_extra import KINDS
from core.nn.spec import LayerSpec, NetworkSpec

VOCAB = 6


def _spec(*layers: dict[str, Any]) -> NetworkSpec:
    return NetworkSpec.from_dict({"layers": list(layers)})


def _res(*inner: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Residual", "layers": list(inner)}


_EMBED = {"kind": "Embedding", "vocab": VOCAB, "dim": 8}

# name -> (layers, input shape); a rank-1 input is integer codes 0..VOCAB-1
CASES: dict[str, tuple[list[dict[str, Any]], tuple[int, ...]]] = {
    "embedding": ([_EMBED], (9,)),
    "embedding-big-vocab": ([{"kind": "Embedding", "vocab": 300, "dim": 3}], (5,)),
    "positional-sinusoidal": ([_EMBED, {"kind": "PositionalEncoding"}], (9,)),
    "positional-learned": ([{"kind": "PositionalEncoding", "mode": "learned"}], (7, 5)),
    "positional-odd-channels": ([{"kind": "PositionalEncoding"}], (7, 5)),
    "attention": ([_EMBED, {"kind": "MultiHeadAttention", "heads": 2}], (9,)),
    "attention-dropout": ([{"kind": "MultiHeadAttention", "heads": 3, "dropout": 0.2}],
                          (7, 6)),
    "transformer": ([_EMBED, {"kind": "PositionalEncoding"},
                     {"kind": "TransformerBlock", "heads": 4, "ff": 16},
                     {"kind": "TransformerBlock", "heads": 1, "ff": 4, "dropout": 0.0},
                     {"kind": "GlobalAvgPool"}], (9,)),
    "transformer-in-residual": ([_res({"kind": "TransformerBlock", "heads": 2, "ff": 8})],
                                (7, 4)),
    "upsample1d-nearest": ([{"kind": "Upsample1D", "factor": 3}], (5, 4)),
    "upsample1d-linear": ([{"kind": "Upsample1D", "mode": "linear"}], (5, 4)),
    "upsample2d-nearest": ([{"kind": "Upsample2D"}], (2, 3, 4)),
    "upsample2d-linear": ([{"kind": "Upsample2D", "factor": 3, "mode": "linear"}], (2, 3, 4)),
    "convtranspose1d": ([{"kind": "ConvTranspose1D", "filters": 3, "kernel": 3}], (5, 4)),
    "convtranspose1d-softmax": ([{"kind": "ConvTranspose1D", "filters": 4, "kernel": 1,
                                  "stride": 1, "activation": "softmax"}], (5, 2)),
    "convtranspose2d": ([{"kind": "ConvTranspose2D", "filters": 3, "kernel": 3,
                          "stride": 2}], (2, 3, 4)),
    "convtranspose2d-none": ([{"kind": "ConvTranspose2D", "filters": 2,
                               "activation": "none"}], (1, 4, 4)),
    "reshape-to-image": ([{"kind": "Dense", "units": 64}, {"kind": "Reshape", "shape": "1,8,8"},
                          {"kind": "Conv2D", "filters": 2, "kernel": 3}], (5,)),
    "reshape-minus-one": ([{"kind": "Reshape", "shape": "-1, 4"},
                           {"kind": "Conv1D", "filters": 2, "kernel": 2}], (2, 3, 4)),
    "reshape-list": ([{"kind": "Reshape", "shape": [-1]}], (7, 4)),
    "decoder": ([{"kind": "Conv1D", "filters": 4, "kernel": 3, "padding": "same"},
                 {"kind": "MaxPool1D"}, {"kind": "Upsample1D"},
                 {"kind": "ConvTranspose1D", "filters": 2, "kernel": 2, "stride": 1}], (8, 4)),
}


def _input(shape: tuple[int, ...], n: int = 4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if len(shape) == 1:
        return torch.randint(0, VOCAB, (n, *shape), generator=g).float()
    return torch.randn(n, *shape, generator=g)


def _built(name: str, n_outputs: int = 3) -> nn.Module:
    layers, shape = CASES[name]
    torch.manual_seed(0)
    return build_model(_spec(*layers), shape, n_outputs)


def test_cases_cover_every_new_kind() -> None:
    seen: set[str] = set()

    def walk(layers: list[dict[str, Any]]) -> None:
        for layer in layers:
            seen.add(layer["kind"])
            walk(layer.get("layers", []))

    for layers, _ in CASES.values():
        walk(layers)
    assert KINDS <= seen and KINDS <= set(LAYER_KINDS)
    assert {LAYER_KINDS[k].group for k in KINDS} == {"Attention and embedding",
                                                     "Upsampling and reshaping"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_inferred_shapes_and_params_match_torch(name: str) -> None:
    layers, shape = CASES[name]
    summary = check(_spec(*layers), shape, 3)
    model = _built(name).eval()
    outputs: dict[tuple[int, ...], tuple[int, ...]] = {}
    modules = layer_modules(model)
    for path, module in modules:
        module.register_forward_hook(
            lambda _m, _i, out, path=path: outputs.__setitem__(path, tuple(out.shape[1:])))
    with torch.no_grad():
        y = model(_input(shape))
    assert tuple(y.shape) == (4, 3)
    assert [info.path for info in summary.layers] == [path for path, _ in modules]
    for info, (_, module) in zip(summary.layers, modules, strict=True):
        assert outputs[info.path] == info.output_shape, info
        assert info.n_params == sum(p.numel() for p in module.parameters()), info
    assert summary.total_params == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_training_step_updates_every_weight(name: str) -> None:
    layers, shape = CASES[name]
    model = _built(name).train()
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = nn.functional.cross_entropy(model(_input(shape, 8)), torch.arange(8) % 3)
    loss.backward()
    optimizer.step()
    assert math.isfinite(loss.item())
    for key, value in model.named_parameters():
        assert torch.isfinite(value).all(), key
        if key.endswith("table.weight"):  # the padding row (code 0) never trains
            assert torch.equal(value[0], before[key][0])
            value, old = value[1:VOCAB], before[key][1:VOCAB]  # the codes the inputs use
        else:
            old = before[key]
        assert not torch.equal(value, old), f"{key} did not change"


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_round_trip_builds_the_same_model(name: str) -> None:
    layers, shape = CASES[name]
    spec = _spec(*layers)
    again = NetworkSpec.from_json(spec.to_json())
    assert again == spec and again.to_dict() == spec.to_dict()
    assert check(again, shape, 3) == check(spec, shape, 3)
    torch.manual_seed(1)
    a = build_model(spec, shape, 3).eval()
    torch.manual_seed(1)
    b = build_model(again, shape, 3).eval()
    x = _input(shape)
    with torch.no_grad():
        assert torch.equal(a(x), b(x))


@pytest.mark.parametrize("name", sorted(CASES))
def test_onnx_export_matches_torch(name: str, tmp_path: Path) -> None:
    """The project's exporter (checked with onnxruntime, dynamic batch) and TorchScript."""
    model = _built(name).eval()
    shape = CASES[name][1]
    diff = export_onnx(model, _input(shape, 2), tmp_path / "model.onnx")
    assert diff <= TOLERANCE
    x = _input(shape, 5, seed=3)  # another batch size and other values than the export's
    with torch.no_grad():
        want = model(x).numpy()
        traced = torch.jit.trace(model, _input(shape, 2), check_trace=False)
        torch.jit.save(traced, str(tmp_path / "model.pt"))  # buffers such as the sinusoids
        loaded = torch.jit.load(str(tmp_path / "model.pt"))  # travel with the file
        np.testing.assert_allclose(loaded(x).numpy(), want, atol=1e-5, rtol=1e-5)
    got = run_onnx(tmp_path / "model.onnx", x.numpy())
    assert got.shape == (5, 3)
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-4)


# The mistakes a learner makes with these layers, numbered as the stack shows them.
@pytest.mark.parametrize(
    ("layers", "shape", "message"),
    [
        ([{"kind": "Embedding"}], (60, 4),
         "layer 1 Embedding: needs a sequence of integer codes (length,), got (60, 4); "
         "choose the integer encoding on the Data page"),
        ([{"kind": "Embedding"}], (1, 8, 8),
         "layer 1 Embedding: needs a sequence of integer codes (length,), got (1, 8, 8); "
         "choose the integer encoding on the Data page"),
        ([_EMBED, {"kind": "Embedding"}], (9,),
         "layer 2 Embedding: needs a sequence of integer codes (length,), got (9, 8); "
         "an Embedding reads the integer codes, so put it first"),
        ([{"kind": "PositionalEncoding"}], (60,),
         "layer 1 PositionalEncoding: needs a sequence input (length, channels), got (60,); "
         "add an Embedding layer before it (integer encoding) or choose one-hot encoding"),
        ([{"kind": "Flatten"}, {"kind": "MultiHeadAttention"}], (6, 4),
         "layer 2 MultiHeadAttention: needs a sequence input (length, channels), got (24,); "
         "move it before the layer that removed the length axis"),
        ([{"kind": "TransformerBlock"}], (1, 8, 8),
         "layer 1 TransformerBlock: needs a sequence input (length, channels), got (1, 8, 8); "
         "images need Conv2D layers"),
        ([{"kind": "MultiHeadAttention", "heads": 4}], (10, 6),
         "layer 1 MultiHeadAttention: 4 heads do not divide the 6 channels (each head reads "
         "channels / heads of them); use 1, 2, 3 or 6 heads, or change the channels before it"),
        ([_EMBED, {"kind": "TransformerBlock", "heads": 3}], (9,),
         "layer 2 TransformerBlock: 3 heads do not divide the 8 channels"),
        ([{"kind": "Upsample1D"}], (1, 8, 8),
         "layer 1 Upsample1D: needs a sequence input (length, channels), got (1, 8, 8); "
         "use Upsample2D for images"),
        ([{"kind": "Upsample2D"}], (8, 4),
         "layer 1 Upsample2D: needs an image input (channels, height, width), got (8, 4); "
         "use Upsample1D for sequences"),
        ([{"kind": "ConvTranspose1D"}], (30,),
         "layer 1 ConvTranspose1D: needs a sequence input (length, channels), got (30,)"),
        ([{"kind": "ConvTranspose2D"}], (8, 4),
         "layer 1 ConvTranspose2D: needs an image input (channels, height, width), got (8, 4); "
         "use ConvTranspose1D for sequences"),
        ([{"kind": "Reshape", "shape": "8,16"}], (60, 4),
         "layer 1 Reshape: shape 8,16 holds 128 values but the input (60, 4) holds 240; use "
         "sizes that multiply to 240, or -1 for one of them"),
        ([{"kind": "Reshape", "shape": "-1,7"}], (60, 4),
         "layer 1 Reshape: shape -1,7 needs the input's 240 values (60, 4) to divide by 7"),
        ([{"kind": "Reshape", "shape": "-1,-1"}], (60, 4),
         "layer 1 Reshape: shape may have only one -1 (the size left over), got '-1,-1'"),
        ([{"kind": "Reshape", "shape": "8;16"}], (60, 4),
         "layer 1 Reshape: shape must be whole numbers separated by commas, such as 8,16 or "
         "-1,4; got '8;16'"),
        ([{"kind": "Reshape", "shape": "1,2,3,4"}], (24,),
         "layer 1 Reshape: shape must hold 1 to 3 sizes"),
        ([{"kind": "Reshape", "shape": "0,4"}], (24,),
         "layer 1 Reshape: shape sizes must be positive (or one -1), got '0,4'"),
        ([_res({"kind": "Upsample1D"})], (8, 4),
         "layer 1 Residual: the inner layers change the shape from (8, 4) to (16, 4)"),
        ([{"kind": "Embedding", "vocab": 1}], (9,),
         "layer 1 Embedding: vocab must be between 2 and 100000, got 1"),
    ],
)
def test_wrong_inputs_get_one_actionable_line(layers: list[dict[str, Any]], shape: tuple,
                                              message: str) -> None:
    summary = infer(_spec(*layers), shape, 2)
    assert not summary.ok and summary.output_shape is None
    assert summary.errors[0].startswith(message), summary.errors[0]
    assert "\n" not in summary.errors[0]
    with pytest.raises(SpecError, match="^layer "):
        build_model(_spec(*layers), shape, 2)


def test_every_new_kind_has_a_teaching_schema_and_valid_defaults() -> None:
    for kind in KINDS:
        lk = LAYER_KINDS[kind]
        assert lk.description.endswith(".") and lk.params
        for p in lk.params:
            assert p.help.endswith(".") and "\n" not in p.help
        assert resolved_params(default_layer(kind)) is not None
    # the names the templates are written against
    names = {k: [p.name for p in LAYER_KINDS[k].params] for k in KINDS}
    assert names == {
        "Embedding": ["vocab", "dim"], "PositionalEncoding": ["mode"],
        "MultiHeadAttention": ["heads", "dropout"], "TransformerBlock": ["heads", "ff", "dropout"],
        "Upsample1D": ["factor", "mode"], "Upsample2D": ["factor", "mode"],
        "ConvTranspose1D": ["filters", "kernel", "stride", "activation"],
        "ConvTranspose2D": ["filters", "kernel", "stride", "activation"], "Reshape": ["shape"],
    }


@pytest.mark.parametrize(
    ("text", "sizes"),
    [("8,16", (8, 16)), (" -1, 4 ", (-1, 4)), ("(1, 8, 8)", (1, 8, 8)), ("64", (64,)),
     ("8 16", (8, 16)), ([8, 16], (8, 16)), ([-1, 2.0], (-1, 2))],
)
def test_shape_parameter_text(text: Any, sizes: tuple[int, ...]) -> None:
    assert parse_shape(text) == sizes
    assert resolved_params(LayerSpec("Reshape", {"shape": text})) == {"shape": sizes}


@pytest.mark.parametrize("bad", ["", "a,b", "1.5,2", "-1,-1", "0", "-2,4", "1,2,3,4",
                                 [True, 2], [1.5], None, 12, [None]])
def test_shape_parameter_rejects(bad: Any) -> None:
    with pytest.raises(ValueError):
        parse_shape(bad)


def test_labels() -> None:
    spec = _spec(_EMBED, {"kind": "PositionalEncoding", "mode": "learned"},
                 {"kind": "MultiHeadAttention", "heads": 2},
                 {"kind": "TransformerBlock", "heads": 2, "ff": 32},
                 {"kind": "Reshape", "shape": "-1, 4"},
                 {"kind": "Upsample1D", "factor": 3, "mode": "linear"},
                 {"kind": "ConvTranspose1D", "filters": 8, "kernel": 4})
    labels = [info.label for info in infer(spec, (9,), 2).layers]
    assert labels[:7] == [
        "Embedding 6→8", "PositionalEncoding learned", "MultiHeadAttention 2 heads",
        "TransformerBlock 2 heads ff 32", "Reshape (-1, 4)", "Upsample1D ×3 linear",
        "ConvTranspose1D 8×4 stride 2 relu"]
    assert infer(_spec({"kind": "ConvTranspose2D", "stride": 1}), (1, 4, 4), 2).layers[0].label \
        == "ConvTranspose2D 32×2×2 relu"


# --- what the modules compute -----------------------------------------------------------


def test_embedding_clamps_bad_codes_and_pads_with_zeros() -> None:
    torch.manual_seed(0)
    embed = CodeEmbedding(5, 3)
    x = torch.tensor([[0.0, 1.0, 4.0, 7.0, -3.0, 2.0]])
    out = embed(x)
    table = embed.table.weight
    assert torch.equal(out[0, 0], torch.zeros(3))  # code 0 (padding) is the zero vector
    assert torch.equal(out[0, 3], table[4]) and torch.equal(out[0, 4], table[0])
    assert torch.equal(out[0, 1], table[1]) and torch.equal(out[0, 5], table[2])


def test_sinusoidal_table_follows_the_formula_and_is_not_a_weight() -> None:
    table = sinusoidal_table(6, 5)
    assert table.shape == (6, 5)
    for pos in range(6):
        for i in range(5):
            angle = pos / 10_000 ** (2 * (i // 2) / 5)
            expected = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            assert table[pos, i].item() == pytest.approx(expected, abs=1e-5)
    model = build_model(_spec({"kind": "PositionalEncoding"}), (6, 5), 2)
    position = model[0]
    x = torch.randn(2, 6, 5)
    assert torch.allclose(position(x), x + table)
    assert not list(position.parameters()) and not position.state_dict()
    learned = build_model(_spec({"kind": "PositionalEncoding", "mode": "learned"}), (6, 5), 2)
    assert list(learned[0].state_dict()) == ["learned"]


def test_self_attention_equals_torch_multihead_attention() -> None:
    torch.manual_seed(0)
    ours = SelfAttention(8, 2).eval()
    ref = nn.MultiheadAttention(8, 2, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(ours.qkv.weight)
        ref.in_proj_bias.copy_(ours.qkv.bias)
        ref.out_proj.weight.copy_(ours.out.weight)
        ref.out_proj.bias.copy_(ours.out.bias)
        x = torch.randn(3, 7, 8)
        expected, _ = ref(x, x, x, need_weights=False)
        assert torch.allclose(ours(x), expected, atol=1e-5)


def test_transformer_block_equals_torch_pre_norm_encoder_layer() -> None:
    torch.manual_seed(0)
    ours = TransformerBlock(8, 2, 16, 0.0).eval()
    ref = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu",
                                     batch_first=True, norm_first=True).eval()
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(ours.attn.qkv.weight)
        ref.self_attn.in_proj_bias.copy_(ours.attn.qkv.bias)
        ref.self_attn.out_proj.load_state_dict(ours.attn.out.state_dict())
        ref.linear1.load_state_dict(ours.ff[0].state_dict())
        ref.linear2.load_state_dict(ours.ff[3].state_dict())
        ref.norm1.load_state_dict(ours.norm1.state_dict())
        ref.norm2.load_state_dict(ours.norm2.state_dict())
        x = torch.randn(3, 7, 8)
        assert torch.allclose(ours(x), ref(x), atol=1e-5)


def test_upsampling_repeats_or_interpolates() -> None:
    x = torch.randn(2, 5, 3)
    nearest = build_model(_spec({"kind": "Upsample1D", "factor": 3}), (5, 3), 1)[0]
    assert torch.equal(nearest(x), x.repeat_interleave(3, dim=1))
    linear = build_model(_spec({"kind": "Upsample1D", "mode": "linear"}), (5, 3), 1)[0]
    expected = nn.functional.interpolate(x.transpose(1, 2), scale_factor=2, mode="linear")
    assert torch.allclose(linear(x), expected.transpose(1, 2))
    image = torch.randn(2, 3, 4, 5)
    up2d = build_model(_spec({"kind": "Upsample2D"}), (3, 4, 5), 1)[0]
    assert torch.equal(up2d(image), image.repeat_interleave(2, 2).repeat_interleave(2, 3))


@pytest.mark.parametrize(("length", "kernel", "stride"), [(5, 2, 2), (5, 3, 2), (4, 1, 3),
                                                          (1, 4, 1), (6, 5, 4)])
def test_conv_transpose_output_length(length: int, kernel: int, stride: int) -> None:
    spec = _spec({"kind": "ConvTranspose1D", "filters": 2, "kernel": kernel, "stride": stride})
    summary = check(spec, (length, 3), 1)
    assert summary.layers[0].output_shape == ((length - 1) * stride + kernel, 2)
    assert summary.layers[0].n_params == 3 * 2 * kernel + 2
    spec2d = _spec({"kind": "ConvTranspose2D", "filters": 2, "kernel": kernel,
                    "stride": stride})
    out = (length - 1) * stride + kernel
    assert check(spec2d, (3, length, length), 1).layers[0].output_shape == (2, out, out)


def test_reshape_keeps_the_values_in_order() -> None:
    model = build_model(_spec({"kind": "Reshape", "shape": "-1,6"}), (2, 3, 4), 1)
    x = torch.randn(3, 2, 3, 4)
    out = model[0](x)
    assert out.shape == (3, 4, 6)
    assert torch.equal(out.flatten(1), x.flatten(1))


# --- the whole path: integer encoding, training, run folder ------------------------------


def test_an_embedding_transformer_trains_exports_and_reloads(tmp_path: Path) -> None:
    """Integer codes -> Embedding -> transformer through the real run pipeline; the run
    folder's ONNX and weights reproduce the trained model, and the card names SGD."""
    from core.data.dataset import Dataset
    from core.data.options import EncodingOptions
    from core.export.bundle import load_bundle, save_bundle
    from core.nn.predict import predict
    from core.train.config import TrainConfig
    from core.train.run import run_training

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), size=int(rng.integers(12, 21)))) for _ in range(90)]
    labels = np.array([int("TA" in s[:8]) for s in seqs])
    ds = Dataset(name="toy", modality="sequence", task="classification", records=seqs,
                 targets=labels, ids=[f"s{i}" for i in range(90)], class_names=["no", "yes"],
                 alphabet="DNA")
    spec = _spec({"kind": "Embedding", "vocab": 5, "dim": 8}, {"kind": "PositionalEncoding"},
                 {"kind": "TransformerBlock", "heads": 2, "ff": 16},
                 {"kind": "GlobalAvgPool"})
    config = TrainConfig(epochs=2, batch_size=16, device="cpu", seed=0, optimizer="sgd",
                         momentum=0.9, lr=0.05)
    outcome = run_training(ds, encoding_options=EncodingOptions(encoding="integer",
                                                                rc_augment=True),
                           network=spec, config=config, baselines=False)
    assert outcome.summary.input_shape == (20,)
    report = save_bundle(tmp_path / "run", outcome)
    assert report.onnx_max_abs_diff is not None and report.onnx_max_abs_diff <= TOLERANCE
    card = (tmp_path / "run" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Estimated training memory (batch 16, SGD with momentum):" in card
    bundle = load_bundle(tmp_path / "run")
    X = bundle.preprocessing.transform(ds)
    assert X.shape == (90, 20)
    got, _ = bundle.predict(ds)
    assert outcome.result is not None
    want, _ = predict(outcome.result.model.cpu().eval(), X, "classification")
    np.testing.assert_array_equal(got, want)


def test_memory_estimate_counts_attentions_square_scores() -> None:
    def memory(length: int, kind: str = "MultiHeadAttention") -> int:
        summary = check(_spec({"kind": kind, "heads": 2}), (length, 4), 1)
        return summary.memory_per_batch(1, "sgd") - 8 * summary.total_params - TRAINING_RUNTIME

    attention = check(_spec({"kind": "MultiHeadAttention", "heads": 2}), (10, 4), 1)
    assert attention.layers[0].inner_values == 2 * 2 * 10 * 10 + 4 * 10 * 4
    block = check(_spec({"kind": "TransformerBlock", "heads": 2, "ff": 8}), (10, 4), 1)
    assert block.layers[0].inner_values == attention.layers[0].inner_values + 3 * 40 + 2 * 80
    # doubling the length: the layer outputs double, the scores quadruple
    assert memory(200) > 3.5 * memory(100)
    assert check(_spec({"kind": "Upsample1D"}), (10, 4), 1).layers[0].inner_values == 0
