"""``core.explain.motifs`` and ``influence``: first-layer filters as motifs. The planted
TATAAT is recovered by the most influential filter; counting agrees with a naive loop,
also for strided and dilated filters; the live version matches the full one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.errors import ExplainError
from core.explain.influence import LOSS_INCREASE, OUTPUT_CHANGE, filter_influence
from core.explain.motifs import (
    filter_motifs,
    first_conv,
    live_motifs,
    motifs_from_filters,
)
from core.nn.build import build_model
from core.nn.presets import make_preset
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.run import TrainingOutcome
from tests.core.explain_fixtures import MOTIF, motif_outcome, one_hot


@pytest.fixture(scope="module")
def outcome() -> TrainingOutcome:
    return motif_outcome()


def aligned_r(probs: np.ndarray, motif: str) -> float:
    """Pearson r between the motif's one-hot and the filter's probabilities at the best
    offset and strand (the motif inside the wider filter)."""
    target = one_hot(motif).ravel()
    best = -1.0
    for p in (probs, probs[::-1, ::-1]):  # the reverse complement too
        for o in range(len(p) - len(motif) + 1):
            best = max(best, float(np.corrcoef(p[o:o + len(motif)].ravel(), target)[0, 1]))
    return best


def test_the_most_influential_filter_is_the_planted_motif(outcome) -> None:  # noqa: ANN001
    data = outcome.data
    motifs = filter_motifs(outcome.result.model, outcome.spec, data.X_train, "ACGT",
                           data.y_train)
    assert motifs.influence_measure == LOSS_INCREASE and len(motifs.filters) == 32
    influence = [m.influence for m in motifs.filters]
    assert influence == sorted(influence, reverse=True)  # ranked
    best = motifs.filters[0]
    assert aligned_r(best.probabilities, MOTIF) >= 0.8
    assert best.influence > 0 and best.n_sites > 100
    np.testing.assert_allclose(best.probabilities.sum(axis=1), 1.0)
    assert best.information.max() <= 2.0 and best.information_content > 6
    np.testing.assert_allclose(best.pwm, np.log2(best.probabilities * 4))


def _naive_counts(model: torch.nn.Module, X: np.ndarray, threshold: float) -> np.ndarray:
    conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv1d))
    W, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    (stride,), (dil,) = conv.stride, conv.dilation
    n_f, _, k = W.shape
    span = (k - 1) * dil + 1
    best = np.zeros((len(X), n_f))
    where = np.zeros((len(X), n_f), dtype=int)
    for n, x in enumerate(X):
        for f in range(n_f):
            acts = [(W[f] * x[p:p + span:dil].T).sum() + b[f]
                    for p in range(0, len(x) - span + 1, stride)]
            where[n, f] = int(np.argmax(acts)) * stride
            best[n, f] = max(acts)
    counts = np.zeros((n_f, k, X.shape[2]))
    for f in range(n_f):
        for n in range(len(X)):
            if best[n, f] > max(0.0, threshold * best[:, f].max()):
                counts[f] += X[n, where[n, f]:where[n, f] + span:dil]
    return counts


def test_counts_agree_with_a_naive_loop_for_strided_dilated_filters() -> None:
    torch.manual_seed(3)
    spec = NetworkSpec([LayerSpec("Conv1D", {"filters": 6, "kernel": 4, "stride": 2,
                                             "dilation": 2, "activation": "relu"}),
                        LayerSpec("Flatten")])
    model = build_model(spec, (30, 4), 2).eval()
    rng = np.random.default_rng(0)
    X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(40, 30))]
    X[5, 20:] = 0  # padding
    motifs = motifs_from_filters(first_conv(model, spec), X, "ACGT", threshold=0.3)
    want = _naive_counts(model, X, 0.3)
    got = np.stack([m.counts for m in motifs.filters])
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert [m.n_sites for m in motifs.filters] == [int(round(c[0].sum())) for c in want]


def test_live_motifs_from_a_state_dict_match_the_full_ones(outcome) -> None:  # noqa: ANN001
    model, X = outcome.result.model, outcome.data.X_train[:500]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    live = live_motifs(state, outcome.spec, X, "ACGT")
    full = filter_motifs(model, outcome.spec, X, "ACGT", influence=False)
    assert [m.index for m in live.filters] == [m.index for m in full.filters]
    for a, b in zip(live.filters, full.filters, strict=True):
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)
        assert a.influence is None and a.n_sites == b.n_sites
    ic = [m.information_content for m in live.filters]
    assert ic == sorted(ic, reverse=True)  # without influence: the most informative first


def test_influence_of_a_silent_filter_is_zero(outcome) -> None:  # noqa: ANN001
    import copy

    model = copy.deepcopy(outcome.result.model)
    conv = first_conv(model, outcome.spec)
    assert conv.weight.shape == (32, 4, 9)
    layer = next(m for m in model.modules() if isinstance(m, torch.nn.Conv1d))
    with torch.no_grad():  # filter 0 outputs a constant: its mean is all it ever says
        layer.weight[0] = 0
        layer.bias[0] = 0.3
    X = outcome.data.X_test[:100]
    values, measure = filter_influence(model, X, outcome.data.y_test[:100], batch_size=33)
    assert measure == LOSS_INCREASE and abs(values[0]) < 1e-6 and values.max() > 1e-3
    change, measure = filter_influence(model, X)  # without targets: the output change
    assert measure == OUTPUT_CHANGE and abs(change[0]) < 1e-6 and (change >= 0).all()


def test_motifs_refuse_a_network_without_a_first_conv1d(outcome) -> None:  # noqa: ANN001
    spec = make_preset("mlp", (60, 4), 2)
    model = build_model(spec, (60, 4), 2)
    with pytest.raises(ExplainError, match="first layer is a Conv1D; this one starts with "
                       "Flatten") as info:
        filter_motifs(model, spec, outcome.data.X_test[:5], "ACGT")
    assert "\n" not in str(info.value)
    with pytest.raises(ExplainError, match="between 0 and 1"):
        filter_motifs(outcome.result.model, outcome.spec, outcome.data.X_test[:5], "ACGT",
                      threshold=1.5)
    with pytest.raises(ExplainError, match="no first-layer Conv1D weights"):
        live_motifs({"0.weight": torch.zeros(3, 3)}, outcome.spec, outcome.data.X_test[:5],
                    "ACGT")
