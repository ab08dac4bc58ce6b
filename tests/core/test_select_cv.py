"""Cross-validation of a network and its baselines on the same folds, blind to test rows."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.select.cv import cross_validate, summarize
from core.select.events import StepEpoch, StepFinished, StepStarted
from core.train.config import TrainConfig
from core.train.run import prepare_run

FAST = TrainConfig(epochs=3, device="cpu", checkpoint_every=0)


def _poisoned(ds, test: np.ndarray):  # noqa: ANN001, ANN202
    """The same dataset with every test row's features and labels scrambled."""
    bad = ds.subset(np.arange(len(ds)))
    frame = bad.records.copy()
    frame.iloc[test, :] = 1e6
    bad.records = frame
    bad.targets = bad.targets.copy()
    bad.targets[test] = (bad.targets[test] + 1) % ds.n_classes
    return bad


def test_cv_scores_network_and_baselines_on_the_same_folds_without_test_rows() -> None:
    ds = load_dataset("demo:circle", LoadOptions(demo_size=150))
    prepared = prepare_run(ds, network="mlp", seed=0)
    events: list = []
    result = cross_validate(prepared, FAST, 3, baselines=["knn", "majority"],
                            on_event=events.append)
    assert [f.state for f in result.folds] == ["complete"] * 3
    assert result.n_rows == len(prepared.split.train) + len(prepared.split.val)
    assert result.n_test_untouched == len(prepared.split.test)
    d = result.to_dict()
    assert len(d["folds"]) == 3 and {"accuracy", "n"} <= set(d["folds"][0])
    assert sum(f["n"] for f in d["folds"]) == result.n_rows
    assert set(d["baselines"]) == {"knn", "majority"}
    for entry in d["baselines"].values():  # the same folds: the same held-out sizes
        assert [m["n"] for m in entry["folds"]] == [m["n"] for m in d["folds"]]
        assert {"mean", "std"} <= set(entry)
    acc = [f["accuracy"] for f in d["folds"]]
    assert d["mean"]["accuracy"] == pytest.approx(np.mean(acc))
    assert d["std"]["accuracy"] == pytest.approx(np.std(acc, ddof=1))
    assert [len(c) for c in d["curves"]] == [3, 3, 3]
    kinds = [type(e) for e in events]
    assert kinds.count(StepStarted) == 3 and kinds.count(StepFinished) == 3
    assert kinds.count(StepEpoch) == 9 and events[-1].eta == 0

    poisoned = _poisoned(ds, prepared.split.test)
    test = prepared.split.test
    assert (poisoned.targets[test] != ds.targets[test]).all()
    assert (poisoned.records.iloc[test] != ds.records.iloc[test]).all().all()
    again = cross_validate(prepare_run(poisoned, network="mlp", split=prepared.split), FAST,
                           3, baselines=["knn", "majority"])
    assert again.to_dict()["folds"] == d["folds"]  # no test row reached any fold
    assert again.to_dict()["baselines"] == d["baselines"]


def test_stopping_keeps_the_finished_folds() -> None:
    prepared = prepare_run("demo:iris", network="mlp", seed=0)
    finished: list = []

    def stop_after_one() -> bool:
        return len(finished) >= 1

    def on_event(ev: object) -> None:
        if isinstance(ev, StepFinished):
            finished.append(ev)

    result = cross_validate(prepared, FAST, 4, baselines=False, should_stop=stop_after_one,
                            on_event=on_event)
    assert result.stopped and len(result.scored()) == 1
    assert result.mean["accuracy"] == result.folds[0].metrics["accuracy"]


def test_summarize_leaves_out_metrics_undefined_in_a_fold() -> None:
    mean, std = summarize([{"n": 5, "a": 1.0, "auc": None}, {"n": 5, "a": 0.5, "auc": 0.7}])
    assert mean == {"a": 0.75} and std["a"] == pytest.approx(np.std([1.0, 0.5], ddof=1))
