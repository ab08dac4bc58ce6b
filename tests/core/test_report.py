"""What a run reports: headline metrics, overfitting, times, the results table and sentence."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.train.report import (
    MAIN_METRIC,
    MISSING,
    OVERFIT_WINDOW,
    RESULT_METRICS,
    format_seconds,
    frame_markdown,
    frame_text,
    metrics_frame,
    overfitting,
    overfitting_hint,
    results_frame,
    results_sentence,
)


def test_the_headline_metric_of_each_task_leads_its_results_table() -> None:
    assert set(MAIN_METRIC) == set(RESULT_METRICS) == {"classification", "regression",
                                                       "reconstruct"}
    for task, (key, _label) in MAIN_METRIC.items():
        assert RESULT_METRICS[task][0] == key
    assert MAIN_METRIC["regression"] == ("r2", "R\u00b2")


@pytest.mark.parametrize(
    ("train", "val", "expected"),
    [
        ([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.9, 0.95, 1.0, 1.1], True),  # 3 rises, train falls
        ([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.9, 0.85, 0.8, 0.7], False),  # val falls too
        ([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.9, 0.95, 0.94, 1.1], False),  # one dip breaks it
        ([1.0, 1.1, 1.2, 1.3, 1.4], [1.0, 1.1, 1.2, 1.3, 1.4], False),  # both rise: diverging
        ([1.0, 0.9, 0.8], [1.0, 1.1, 1.2], False),  # too few epochs to tell
        ([1.0, 0.9, 0.8, 0.7], [1.0, 1.1, 1.2, 1.3], True),  # just enough
    ],
)
def test_overfitting_is_val_loss_rising_while_train_loss_falls(train, val, expected) -> None:
    assert overfitting(train, val) is expected


def test_the_overfitting_window_can_be_shorter() -> None:
    train, val = [1.0, 0.9, 0.8], [1.0, 0.9, 1.0]
    assert not overfitting(train, val)
    assert overfitting(train, val, window=1)


def test_the_overfitting_hint_says_what_happened_and_what_to_try() -> None:
    assert OVERFIT_WINDOW == 3
    assert overfitting_hint() == (
        "Overfitting: the validation loss has risen for 3 epochs in a row while the training "
        "loss keeps falling \u2014 the network is memorizing the training samples. Try more "
        "L2 or dropout, a smaller network, or early stopping.")
    assert "for 5 epochs" in overfitting_hint(5)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0:00"), (42.4, "0:42"), (59.6, "1:00"), (725, "12:05"), (3723, "1:02:03"),
    (float("inf"), "?"), (float("nan"), "?"),
])
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


METRICS = {"train": {"n": 10, "accuracy": 1.0, "balanced_accuracy": 1.0},
           "val": {"n": 0},
           "test": {"n": 5, "accuracy": 0.8, "balanced_accuracy": 0.75, "roc_auc": None}}
BASELINE = {"logistic_regression": {"train": {"n": 10, "accuracy": 0.9},
                                    "test": {"n": 5, "accuracy": 0.6, "f1_macro": 0.5}}}


def test_results_frame_puts_the_network_beside_the_baselines_on_test() -> None:
    frame = results_frame(METRICS, BASELINE, "classification")
    # an empty split (val) has no column; the baseline is shown on test only
    assert list(frame.columns) == ["metric", "Network (train)", "Network (test)",
                                   "logistic regression (test)"]
    assert frame["metric"].tolist() == ["accuracy", "balanced accuracy", "f1 macro", "roc auc",
                                        "samples"]
    rows = frame.set_index("metric")
    assert rows.loc["accuracy"].tolist() == ["1.0000", "0.8000", "0.6000"]
    assert rows.loc["balanced accuracy"].tolist() == ["1.0000", "0.7500", MISSING]
    assert rows.loc["f1 macro"].tolist() == [MISSING, MISSING, "0.5000"]
    assert rows.loc["roc auc", "Network (test)"] == MISSING  # None: undefined, not 0
    assert rows.loc["samples"].tolist() == ["10", "5", "5"]


def test_regression_results_and_no_baseline() -> None:
    metrics = {"test": {"n": 4, "r2": 0.51234, "mse": 2.0, "mae": 1.25, "pearson_r": -0.5}}
    frame = results_frame(metrics, {}, "regression")
    assert list(frame.columns) == ["metric", "Network (test)"]
    assert frame["Network (test)"].tolist() == ["0.5123", "2.0000", "1.2500", "-0.5000", "4"]


def test_the_table_renders_as_text_and_markdown() -> None:
    frame = metrics_frame([("this data", {"n": 3, "accuracy": 0.5})], "classification")
    text = frame_text(frame).splitlines()
    assert text[0] == "metric             this data"
    assert text[1] == "accuracy              0.5000"
    assert text[-1] == "samples                    3"
    md = frame_markdown(frame).splitlines()
    assert md[:3] == ["| metric | this data |", "|---|---|", "| accuracy | 0.5000 |"]
    assert md[-1] == "| samples | 3 |"


def _outcome(test: dict, baseline: dict, best_epoch: int = 4) -> SimpleNamespace:
    result = SimpleNamespace(epochs_run=5, train_seconds=1.25, device="cpu",
                             best_epoch=best_epoch)
    return SimpleNamespace(result=result, data=SimpleNamespace(task="classification"),
                           metrics={"test": test}, baseline=baseline)


def test_results_sentence_names_the_best_baseline() -> None:
    baseline = {"logistic_regression": {"test": {"accuracy": 0.7}},
                "decision_tree": {"test": {"accuracy": 0.9}}}
    assert results_sentence(_outcome({"accuracy": 0.8}, baseline)) == (
        "5 epochs in 1.2 s on cpu; best epoch 4. Test accuracy: 0.800; the best baseline, "
        "decision tree, reaches 0.900.")
    assert results_sentence(_outcome({}, baseline, best_epoch=0)) == "5 epochs in 1.2 s on cpu."


def test_finished_message_explains_every_early_end() -> None:
    from core.train.report import finished_message

    assert finished_message("completed", "") is None
    text, level = finished_message("nan", "epoch 3, batch 2; try a learning rate of 0.01")
    assert level == "error" and text.startswith("Training diverged (the loss became NaN")
    assert finished_message("early_stopping", "best epoch 4") == ("Best epoch 4.", "info")
    text, level = finished_message("stopped", "stopped by the user after epoch 2")
    assert level == "info" and text.startswith("Stopped by the user after epoch 2; the results")
