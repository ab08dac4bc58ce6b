"""``core.explain.ism``: in-silico mutagenesis against a one-variant-at-a-time loop, the
planted motif found by it, and the inputs it refuses."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from core.errors import ExplainError
from core.explain.ism import layout_letters, mutagenesis, position_importance
from core.explain.ism_window import WindowedNetwork
from core.nn.build import build_model
from core.nn.presets import make_preset
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.run import TrainingOutcome
from tests.core.explain_fixtures import MOTIF, motif_outcome, planted_starts

TOP_SHARE = 0.10  # "the top 10 % of positions"


@pytest.fixture(scope="module")
def outcome() -> TrainingOutcome:
    return motif_outcome()


def _naive(model: torch.nn.Module, X: torch.Tensor, target: int) -> torch.Tensor:
    """Every variant on its own: copy the sequence, change one row, run the model."""
    out = torch.full(X.shape, float("nan"), dtype=X.dtype)
    with torch.no_grad():
        for n in range(len(X)):
            ref = model(X[n:n + 1])[0, target]
            for i in range(X.shape[1]):
                if not X[n, i].any():
                    continue  # padding: no letter to change
                for b in range(X.shape[2]):
                    variant = X[n:n + 1].clone()
                    variant[0, i] = 0
                    variant[0, i, b] = 1
                    out[n, i, b] = 0.0 if torch.equal(variant[0, i], X[n, i]) \
                        else model(variant)[0, target] - ref
    return out


@pytest.mark.parametrize("windowed", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_batched_mutagenesis_equals_the_naive_loop(outcome, dtype, windowed) -> None:  # noqa: ANN001
    model = copy.deepcopy(outcome.result.model).to(dtype).eval()
    X = torch.from_numpy(outcome.data.X_test[:3]).to(dtype).clone()  # shared: copy
    X[2, 50:] = 0  # a shorter sequence: padding after position 50
    X[1, 7] = 0.25  # an N: every letter is a change
    got = mutagenesis(model, X, target=1, batch_size=97, windowed=windowed)
    want = _naive(model, X, 1).numpy()
    assert got.values.dtype == want.dtype and got.values.shape == (3, 60, 4)
    assert np.array_equal(np.isnan(got.values), np.isnan(want))
    assert np.isnan(got.values[2, 50:]).all() and np.count_nonzero(got.values[1, 7]) == 4
    # The same arithmetic in batches of 97 and of 1 rounds differently in the last
    # place (CPU kernels sum in batch-dependent order): equal to float rounding.
    tol = 2e-6 if dtype == torch.float32 else 1e-12
    np.testing.assert_allclose(got.values, want, rtol=0, atol=tol)
    assert np.all(got.values[X.numpy() == 1] == 0)  # the letter present: no change


ODD = NetworkSpec([
    LayerSpec("Conv1D", {"filters": 8, "kernel": 4, "padding": "same"}),  # uneven padding
    LayerSpec("AvgPool1D", {"pool": 3, "stride": 2}),
    LayerSpec("Conv1D", {"filters": 6, "kernel": 3, "stride": 2, "dilation": 2,
                         "activation": "tanh"}),
    LayerSpec("LayerNorm"), LayerSpec("MaxPool1D", {"pool": 2}), LayerSpec("Flatten"),
    LayerSpec("Dense", {"units": 5})])
VALID = NetworkSpec([
    LayerSpec("Conv1D", {"filters": 8, "kernel": 5, "padding": "valid", "activation": "none"}),
    LayerSpec("BatchNorm"), LayerSpec("ReLU"), LayerSpec("GlobalMaxPool")])


@pytest.mark.parametrize("spec", [ODD, VALID, make_preset("basset", (50, 4), 3)],
                         ids=["odd", "valid", "basset"])
def test_windowed_mutagenesis_fits_each_geometry(spec: NetworkSpec) -> None:
    torch.manual_seed(1)
    model = build_model(spec, (50, 4), 3).eval()
    assert WindowedNetwork.of(model) is not None
    X = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (4, 50))]
    X[1, 40:] = 0
    fast = mutagenesis(model, X, target=2, batch_size=50).values
    full = mutagenesis(model, X, target=2, windowed=False).values
    assert np.array_equal(np.isnan(fast), np.isnan(full))
    np.testing.assert_allclose(fast, full, rtol=0, atol=1e-6)
    recurrent = build_model(make_preset("rnn", (50, 4), 2), (50, 4), 2)
    assert WindowedNetwork.of(recurrent) is None  # nothing local: every variant in full


def test_the_top_positions_sit_on_the_planted_motif(outcome) -> None:  # noqa: ANN001
    """Overlap: at least half of the 6 planted positions are among the sequence's top
    10 % positions (6 of 60) by ISM importance (the largest |effect| of any change)."""
    rows, starts = planted_starts(outcome, "test")
    att = mutagenesis(outcome.result.model, outcome.data.X_test[rows], target=1)
    importance = position_importance(att.values)
    k = int(round(TOP_SHARE * importance.shape[1]))
    hits = []
    for scores, start in zip(importance, starts, strict=True):
        top = set(np.argsort(-scores, kind="stable")[:k].tolist())
        hits.append(len(top & set(range(start, start + len(MOTIF)))) >= len(MOTIF) / 2)
    assert len(rows) > 100 and np.mean(hits) >= 0.8, np.mean(hits)


def test_mutagenesis_refuses_what_is_not_a_one_hot_sequence(outcome) -> None:  # noqa: ANN001
    model = outcome.result.model
    cases = [(np.zeros((2, 5), np.float32), "table", "this run has a table"),
             (np.zeros((2, 1, 8, 8), np.float32), "image", "this run has images"),
             (np.zeros((2, 60), np.float32), "integer:DNA", "integer:DNA inputs"),
             (np.zeros((2, 60), np.float32), "", "the inputs have shape (2, 60)")]
    for X, layout, words in cases:
        with pytest.raises(ExplainError, match="needs one-hot encoded sequences") as info:
            mutagenesis(model, X, layout=layout)
        assert words in str(info.value) and "\n" not in str(info.value)


def test_layout_letters() -> None:
    assert layout_letters("onehot:DNA") == "ACGT" and layout_letters("onehot:RNA") == "ACGU"
    assert len(layout_letters("onehot:protein")) == 20 and layout_letters("image") == ""
