"""One held-out split of a finished run: predictions, figures, worst errors, comparison."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import DataError
from core.train.config import TrainConfig
from core.train.evaluation import SplitEvaluation, comparison_frame, evaluate_split
from core.train.run import run_training


@pytest.fixture(scope="module")
def iris_run():
    return run_training("demo:iris", config=TrainConfig(epochs=3, seed=0),
                        preset_options={"hidden": (8,)}, network="mlp")


def test_test_split_figures_agree_with_the_runs_metrics(iris_run):
    ev = evaluate_split(iris_run, "test")
    assert ev.n == iris_run.data.sizes()["test"]
    assert ev.metrics["accuracy"] == pytest.approx(iris_run.metrics["test"]["accuracy"])
    assert ev.confusion.sum() == ev.n and ev.confusion.shape == (3, 3)
    assert np.trace(ev.confusion) == int((ev.pred == ev.y_true).sum())
    assert set(ev.roc) <= {"setosa", "versicolor", "virginica"}
    assert [r["class"] for r in ev.per_class] == ["setosa", "versicolor", "virginica"]
    assert ev.ids == [iris_run.dataset.ids[i] for i in iris_run.split.test]


def test_worst_errors_are_the_mistakes_least_sure_of_the_truth(iris_run):
    ev = evaluate_split(iris_run, "val")
    worst = ev.worst(100)
    wrong = np.flatnonzero(ev.pred != ev.y_true)
    assert sorted(worst) == sorted(wrong)
    p_true = ev.proba[worst, ev.y_true[worst]]
    assert np.all(np.diff(p_true) >= 0)
    frame = ev.errors_frame(100)
    assert list(frame.columns) == ["id", "true", "predicted", "p(true)", "p(predicted)"]
    assert len(frame) == len(wrong)


def test_regression_worst_errors_are_the_largest():
    ev = SplitEvaluation("test", "regression", np.array([0.0, 1.0, 2.0]),
                         np.array([0.5, 3.0, 2.0]), None, np.arange(3), ["a", "b", "c"], [])
    assert list(ev.worst(2)) == [1, 0]
    assert list(ev.errors_frame(5)["id"]) == ["b", "a", "c"]


def test_comparison_puts_the_network_beside_each_baseline(iris_run):
    frame = comparison_frame(iris_run, "test")
    assert list(frame["model"]) == ["network", "logistic regression", "decision tree",
                                    "naive Bayes", "random forest", "k-nearest neighbours",
                                    "majority class"]
    assert frame.loc[0, "accuracy"] == pytest.approx(iris_run.metrics["test"]["accuracy"])
    assert (frame["samples"] == iris_run.data.sizes()["test"]).all()


def test_empty_split_or_missing_model_is_a_data_error(iris_run):
    with pytest.raises(DataError, match="unknown split"):
        evaluate_split(iris_run, "holdout")
    empty = run_training("demo:iris", config=TrainConfig(epochs=1), network="linear",
                         val_fraction=0.0, baselines=False)
    with pytest.raises(DataError, match="validation split is empty"):
        evaluate_split(empty, "val")
