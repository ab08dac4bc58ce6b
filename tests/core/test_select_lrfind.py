"""The learning-rate finder: a sensible suggestion, and no trouble from NaN or spikes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.errors import TrainError
from core.select.lrfind import find_lr, valley
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared


def test_valley_ignores_an_early_spike_and_everything_after_a_nan() -> None:
    descent = list(np.linspace(2.0, 0.5, 30))
    curve = [2.1, 9.0, *descent, 0.7, 1.5, 3.0, math.nan, 0.0, -1.0]  # 0.0 after NaN: junk
    i = valley(curve)
    assert i is not None and 2 <= i <= 32  # inside the long descent, not at the spike
    assert curve[i] < 2.0
    assert valley([1.0, 1.0, 1.0]) is None and valley([math.nan, 1.0]) is None


def test_the_suggestion_trains_the_demo_well_and_is_near_the_best_rate() -> None:
    prepared = prepare_run("demo:wine", network="mlp", seed=0)
    spec_before = prepared.spec.to_dict()
    x_before = prepared.data.X_train.copy()
    config = TrainConfig(epochs=12, device="cpu", schedule="none", checkpoint_every=0)
    finding = find_lr(prepared, config)
    assert prepared.spec.to_dict() == spec_before  # the user's design and data untouched
    assert np.array_equal(prepared.data.X_train, x_before)
    assert finding.suggestion is not None and 1e-5 < finding.suggestion < 1.0
    assert len(finding.lrs) == len(finding.losses) == len(finding.smoothed) <= 100
    assert all(b > a for a, b in zip(finding.lrs, finding.lrs[1:], strict=False))

    def val_loss(lr: float) -> float:
        run = train_prepared(prepared, TrainConfig(**{**config.to_dict(), "lr": lr,
                                                      "betas": (0.9, 0.999)}),
                             baselines=False)
        return run.result.history.rows[-1]["val_loss"]

    rates = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    best = min(rates, key=val_loss)
    assert 0.1 <= finding.suggestion / best <= 10
    assert val_loss(finding.suggestion) < 0.3  # trains the demo well (chance: ln 3 = 1.1)


def test_a_diverging_run_stops_early_and_keeps_a_finite_curve() -> None:
    prepared = prepare_run("demo:line", network="linear", seed=0)
    config = TrainConfig(optimizer="sgd", device="cpu")
    finding = find_lr(prepared, config, end_lr=1e8, steps=60)
    assert finding.stopped_because == "diverged" and len(finding.lrs) < 60
    assert all(math.isfinite(v) for v in finding.smoothed[:-1])
    assert finding.suggestion is not None and finding.suggestion < finding.lrs[-1]
    d = finding.to_dict()
    assert all(v is None or math.isfinite(v) for v in d["losses"])
    # with the 4x rule out of the way, the non-finite loss itself ends the run
    blown = find_lr(prepared, config, end_lr=1e12, steps=60, diverge=1e300)
    assert blown.stopped_because == "diverged" and "loss became inf" in blown.message
    assert not math.isfinite(blown.losses[-1]) and blown.to_dict()["losses"][-1] is None
    assert blown.suggestion is not None and math.isfinite(blown.suggestion)


@pytest.mark.parametrize(("kwargs", "message"), [({"start_lr": 1.0, "end_lr": 0.1}, "rise"),
                                                 ({"steps": 2}, "at least 5 steps")])
def test_bad_finder_settings(kwargs: dict, message: str) -> None:
    prepared = prepare_run("demo:iris", network="linear", seed=0)
    with pytest.raises(TrainError, match=message):
        find_lr(prepared, TrainConfig(device="cpu"), **kwargs)
