"""Hyperparameter search: seeded, prunable, stoppable, and blind to the test rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.select.events import StepEpoch, StepFinished, StepStarted
from core.select.search import search
from core.select.space import SearchSpace
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.run import prepare_run, train_prepared

FAST = TrainConfig(epochs=5, device="cpu", checkpoint_every=0)


@pytest.fixture(scope="module")
def wine():  # noqa: ANN201
    return prepare_run("demo:wine", network="mlp", seed=0)


def test_twenty_trials_beat_the_default_settings_on_validation(wine) -> None:  # noqa: ANN001
    result = search(wine, FAST, 20, seed=0)
    default = train_prepared(wine, FAST, baselines=False)
    own = result.trials[0]  # trial 1 is the configuration's own settings
    assert own.params["lr"] == FAST.lr and own.params["depth"] == 0
    assert own.value == pytest.approx(default.result.history.rows[-1]["val_loss"])
    assert result.best_value < own.value
    assert result.best.val_metrics["accuracy"] >= own.val_metrics["accuracy"]
    d = result.to_dict()
    assert d["best_params"] == result.best.params and d["best_value"] == result.best_value
    assert len(d["trials"]) == 20
    assert {"number", "params", "value", "state", "duration", "val_loss_curve"} <= set(
        d["trials"][0])
    assert {t["state"] for t in d["trials"]} <= {"complete", "pruned", "diverged"}
    pruned = [t for t in d["trials"] if t["state"] == "pruned"]
    assert all(t["value"] is None and len(t["val_loss_curve"]) < 5 for t in pruned)
    assert d["test"]["n"] == len(wine.split.test) and "accuracy" in d["test"]


def test_the_same_seed_gives_the_same_trials(wine) -> None:  # noqa: ANN001
    a = search(wine, FAST, 6, seed=3, sampler="random")
    b = search(wine, FAST, 6, seed=3, sampler="random")
    c = search(wine, FAST, 6, seed=4, sampler="random")
    key = [(t.params, t.state, t.value, t.curve) for t in a.trials]
    assert key == [(t.params, t.state, t.value, t.curve) for t in b.trials]
    assert [t.params for t in a.trials[1:]] != [t.params for t in c.trials[1:]]


def test_trials_never_see_the_test_rows(wine) -> None:  # noqa: ANN001
    ds = wine.dataset
    test = wine.split.test
    bad = ds.subset(np.arange(len(ds)))
    frame = bad.records.copy()
    frame.iloc[test, :] = -1e6
    bad.records, bad.targets = frame, bad.targets.copy()
    bad.targets[test] = (bad.targets[test] + 1) % ds.n_classes
    poisoned = prepare_run(bad, network="mlp", split=wine.split)
    a = search(wine, FAST, 4, seed=1, prune=False)
    b = search(poisoned, FAST, 4, seed=1, prune=False)
    assert [(t.params, t.value) for t in a.trials] == [(t.params, t.value) for t in b.trials]
    assert a.best_params == b.best_params
    assert a.test["accuracy"] > b.test["accuracy"]  # only the final score saw them


def test_events_and_stopping_return_the_best_so_far(wine) -> None:  # noqa: ANN001
    events: list = []
    control = RunControl()

    def on_event(ev: object) -> None:
        events.append(ev)
        if isinstance(ev, StepEpoch) and ev.number == 3 and ev.epoch.epoch == 2:
            control.stop()  # the user presses Stop during trial 3

    result = search(wine, FAST, 10, seed=0, control=control, on_event=on_event)
    assert result.stopped_because == "stopped"
    assert [t.state for t in result.trials][-1] == "stopped" and len(result.trials) == 3
    assert result.best is not None and result.best.number in (1, 2)
    assert result.outcome is not None and result.test["n"] == len(wine.split.test)
    started = [e for e in events if isinstance(e, StepStarted)]
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert [e.number for e in started] == [1, 2, 3] == [e.number for e in finished]
    assert started[0].total == 10 and finished[1].eta is not None and finished[1].eta > 0


def test_grid_and_parallel_trials(wine) -> None:  # noqa: ANN001
    space = SearchSpace.from_dict({"lr": {"low": 1e-3, "high": 1e-1, "log": True},
                                   "optimizer": ["adam", "sgd"], "epochs": 3})
    grid = search(wine, FAST, None, space=space, sampler="grid", seed=0)
    assert len(grid.trials) == 6
    assert sorted((t.params["lr"], t.params["optimizer"]) for t in grid.trials) == sorted(
        (lr, o) for lr in (1e-3, 1e-2, 1e-1) for o in ("adam", "sgd"))
    assert all(len(t.curve) == 3 for t in grid.trials)  # "epochs": 3 fixed every trial
    both = search(wine, FAST, 4, space=space, seed=0, n_jobs=2, sampler="random")
    assert len(both.trials) == 4 and both.best is not None
    assert any("one job" in n for n in both.notes)


def test_a_diverging_trial_is_worth_infinity_not_an_error(wine) -> None:  # noqa: ANN001
    space = SearchSpace.from_dict({"lr": [1e9, 1e-2], "optimizer": "sgd", "schedule": "none"})
    result = search(wine, FAST, 2, space=space, sampler="grid", seed=0)
    states = {t.params["lr"]: (t.state, t.value) for t in result.trials}
    assert states[1e9][0] == "diverged" and math.isinf(states[1e9][1])
    assert result.best.params["lr"] == 1e-2
