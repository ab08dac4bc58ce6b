"""``core.explain.attribution`` and ``core.explain.methods``: gradient x input and
integrated gradients (our own), checked against Captum, for completeness, for inputs of
any shape, and the per-class mean over correct predictions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.errors import ExplainError
from core.explain.attribution import integrated_gradients, quadrature, saliency
from core.explain.methods import class_mean_attribution, explain
from core.nn.build import build_model
from core.nn.presets import make_preset
from core.train.run import TrainingOutcome
from tests.core.explain_fixtures import motif_outcome


@pytest.fixture(scope="module")
def outcome() -> TrainingOutcome:
    return motif_outcome()


def _positives(outcome: TrainingOutcome, n: int) -> np.ndarray:
    data = outcome.data
    return data.X_test[data.y_test == 1][:n]


def _random_model(preset: str, shape: tuple[int, ...], n_out: int) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(make_preset(preset, shape, n_out), shape, n_out).eval()


def test_saliency_is_gradient_times_input_as_captum_computes_it(outcome) -> None:  # noqa: ANN001
    from captum.attr import InputXGradient

    model, X = outcome.result.model, outcome.data.X_test[:16]
    att = saliency(model, X, target=1, batch_size=5)
    ref = InputXGradient(model).attribute(torch.from_numpy(X).requires_grad_(), target=1)
    assert att.values.shape == X.shape and att.method == "saliency"
    np.testing.assert_allclose(att.values, ref.detach().numpy(), rtol=1e-5, atol=1e-7)
    absent = X == 0  # one-hot: only the letter present carries an attribution
    assert np.all(att.values[absent] == 0)


@pytest.mark.parametrize(("rule", "captum_rule"), [("gausslegendre", "gausslegendre"),
                                                   ("trapezoid", "riemann_trapezoid")])
def test_integrated_gradients_agree_with_captum(outcome, rule, captum_rule) -> None:  # noqa: ANN001
    from captum.attr import IntegratedGradients

    model, X = outcome.result.model, outcome.data.X_test[:6]
    targets = np.array([0, 1, 1, 0, 1, 0])
    ours = integrated_gradients(model, X, targets, steps=40, rule=rule, batch_size=50)
    ref = IntegratedGradients(model).attribute(
        torch.from_numpy(X), baselines=torch.zeros_like(torch.from_numpy(X)),
        target=torch.from_numpy(targets), n_steps=40, method=captum_rule)
    # Captum's trapezoid steps are 1/n (its weights sum to (n - 1)/n); the rule's are
    # 1/(n - 1), which makes a constant gradient integrate exactly
    scale = 39 / 40 if rule == "trapezoid" else 1.0
    np.testing.assert_allclose(ours.values * scale, ref.detach().numpy(), rtol=1e-4,
                               atol=1e-6)


def test_integrated_gradients_sum_to_the_output_difference(outcome) -> None:  # noqa: ANN001
    X = _positives(outcome, 60)
    for rule in ("gausslegendre", "trapezoid"):
        att = integrated_gradients(outcome.result.model, X, target=1, steps=128, rule=rule)
        gap = att.completeness_gap()
        assert gap is not None and gap.max() < 0.01, (rule, gap.max())
        diff = att.outputs - att.baseline_outputs
        np.testing.assert_allclose(att.totals(), diff, rtol=0.01)


def test_images_and_tables_get_attributions_of_their_shape() -> None:
    from captum.attr import IntegratedGradients

    image = _random_model("cnn2d", (1, 8, 8), 10)
    X = np.random.default_rng(0).random((4, 1, 8, 8)).astype(np.float32)
    sal = saliency(image, X)
    ig = integrated_gradients(image, X, steps=50, batch_size=64)
    assert sal.values.shape == ig.values.shape == X.shape
    assert np.array_equal(sal.targets, ig.targets)  # the predicted class of each image
    ref = IntegratedGradients(image).attribute(torch.from_numpy(X), n_steps=50,
                                               target=torch.from_numpy(ig.targets))
    np.testing.assert_allclose(ig.values, ref.detach().numpy(), rtol=1e-4, atol=1e-7)
    table = _random_model("mlp", (5,), 1)
    rows = np.random.default_rng(1).normal(size=(7, 5)).astype(np.float32)
    att = explain(table, rows, "ig", task="regression", steps=64)
    assert att.values.shape == (7, 5) and np.all(att.targets == 0)
    with pytest.raises(ExplainError, match="one-hot encoded sequences") as info:
        explain(table, rows, "ism", layout="table", task="regression")
    assert "\n" not in str(info.value)


def test_per_class_mean_is_over_correct_predictions_only(outcome) -> None:  # noqa: ANN001
    model, data = outcome.result.model, outcome.data
    X, y = data.X_test[:80], data.y_test[:80]
    per = class_mean_attribution(model, X, y, "saliency", class_names=data.class_names)
    pred = model(torch.from_numpy(X)).argmax(1).numpy()
    assert per.class_names == ["absent", "present"]
    for c in (0, 1):
        right = (pred == y) & (y == c)
        assert per.counts[c] == right.sum()
        expected = saliency(model, X[right], target=c).values.mean(axis=0)
        np.testing.assert_allclose(per.values[c], expected, rtol=1e-5, atol=1e-7)
    with pytest.raises(ExplainError, match="class index per sample"):
        class_mean_attribution(model, X, y.astype(np.float32))


def test_bad_options_are_one_line(outcome) -> None:  # noqa: ANN001
    model, X = outcome.result.model, outcome.data.X_test[:2]
    cases = [
        (lambda: integrated_gradients(model, X, steps=1), "at least 2 steps"),
        (lambda: quadrature(10, "simpson"), "unknown integration rule"),
        (lambda: saliency(model, X, target=5), "does not exist; the network has 2"),
        (lambda: saliency(model, X, target=np.array([0, 1, 1])), "one target per sample"),
        (lambda: integrated_gradients(model, X, baseline=np.zeros(3)), "baseline's shape"),
        (lambda: explain(model, X, "shap"), "unknown method"),
    ]
    for call, words in cases:
        with pytest.raises(ExplainError, match=words) as info:
            call()
        assert "\n" not in str(info.value)


def test_quadrature_weights_integrate_polynomials_exactly() -> None:
    alphas, weights = quadrature(8, "gausslegendre")
    assert weights.sum() == pytest.approx(1.0)
    assert (weights * alphas**7).sum() == pytest.approx(1 / 8)  # exact up to degree 15
    alphas, weights = quadrature(11, "trapezoid")
    assert alphas[0] == 0 and alphas[-1] == 1 and (weights * alphas).sum() == pytest.approx(0.5)
