"""The Train page drives real training runs of the real core on a tiny demo."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.train_page import TrainPage
from app.state import AppState
from core.data.load import LoadOptions, load_dataset
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig
from core.train.events import BatchFinished, EpochFinished
from core.train.report import overfitting, results_frame

RUN_TIMEOUT_MS = 60_000


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[TrainPage]:
    state = AppState()
    options = LoadOptions(demo_size=120)
    state.set_dataset(load_dataset("demo:xor", options), "demo:xor", options)
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.state.set_train_config(TrainConfig(epochs=3, batch_size=16))
    yield page
    page.shutdown()


def _start(qtbot: QtBot, page: TrainPage) -> None:
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert page.worker is not None


def _wait_for(qtbot: QtBot, page: TrainPage, kind: type) -> object:
    """The next trainer event of type ``kind``, as the page saw it (main thread)."""
    with qtbot.waitSignal(page.run_event, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda ev: isinstance(ev, kind)) as blocker:
        pass
    return blocker.args[0]


def test_every_config_option_round_trips_through_the_form(qtbot: QtBot) -> None:
    page = TrainPage(AppState())
    qtbot.addWidget(page)
    config = TrainConfig(epochs=7, batch_size=None, optimizer="sgd", lr=0.05, momentum=0.9,
                         nesterov=True, weight_decay=1e-4, betas=(0.8, 0.99), loss="huber",
                         huber_delta=2.0, class_weights="balanced", schedule="step",
                         step_size=3, gamma=0.25, plateau_patience=4, l1=1e-5, l2=1e-3,
                         grad_clip=5.0, early_stopping=6, min_delta=0.002, restore_best=False,
                         seed=11, deterministic=False, device="cpu", batch_event_hz=10.0)
    page.form.set_config(config)
    assert page.form.config() == config
    assert page.state.train_config != config  # set_config alone does not touch the state
    page.form.epochs.setValue(9)  # a user edit reaches the session state
    assert page.state.train_config.epochs == 9


def test_every_option_has_a_teaching_tooltip(qtbot: QtBot) -> None:
    page = TrainPage(AppState())
    qtbot.addWidget(page)
    for key, widget in page.form.fields.items():
        assert len(widget.toolTip()) > 30, key
    for key, widget in page.network._editors.items():
        assert len(widget.toolTip()) > 30, key


def test_learning_rate_arrows_walk_the_1_2_5_ladder(qtbot: QtBot) -> None:
    page = TrainPage(AppState())
    qtbot.addWidget(page)
    lr = page.form.lr
    lr.setValue(0.001)
    lr.stepBy(1)
    assert lr.value() == pytest.approx(0.002)
    lr.stepBy(2)
    assert lr.value() == pytest.approx(0.01)
    lr.stepBy(-1)
    assert lr.value() == pytest.approx(0.005)
    assert lr.text() == "0.005"


def test_run_shows_one_point_per_epoch_and_the_results(qtbot: QtBot, page: TrainPage) -> None:
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        _start(qtbot, page)
    x, y = page.loss_plot.data("train")
    assert x.tolist() == [1.0, 2.0, 3.0] and np.all(np.isfinite(y))
    assert page.loss_plot.data("val")[0].tolist() == [1.0, 2.0, 3.0]
    assert page.metric_plot.data("train")[0].tolist() == [1.0, 2.0, 3.0]
    lrs = page.lr_plot.data("lr")[1].tolist()  # one-cycle: the peak rate, then down
    assert len(lrs) == 3 and max(lrs) <= TrainConfig().lr and lrs[0] > lrs[1] > lrs[2]
    assert len(page.loss_plot.data("batch")[0]) >= 3  # the faint per-batch trace
    frame = page.results_model.frame
    assert frame["metric"].tolist()[0] == "accuracy"
    assert "Network (test)" in frame.columns
    assert any("(test)" in c and "Network" not in c for c in frame.columns)  # a baseline
    assert "Test accuracy" in page.results_label.text()
    outcome = page.state.run
    assert outcome is not None and outcome.result.epochs_run == 3
    assert outcome.data.task == "classification"
    assert page.start_button.text() == "Start" and not page.stop_button.isEnabled()
    assert page.progress.format().startswith("Finished after 3 epochs")


def test_stop_mid_run_keeps_the_partial_run(qtbot: QtBot, page: TrainPage) -> None:
    page.form.epochs.setValue(500)
    _start(qtbot, page)
    _wait_for(qtbot, page, EpochFinished)
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    result = page.state.run.result
    assert result.stopped_because == "stopped"
    assert 1 <= result.epochs_run < 500
    assert len(page.loss_plot.data("train")[0]) == result.epochs_run
    assert page.signal_bar.level == "info" and "stopped" in page.signal_bar.text.lower()


def test_pause_holds_the_run_and_resume_continues(qtbot: QtBot, page: TrainPage) -> None:
    page.form.epochs.setValue(500)
    _start(qtbot, page)
    _wait_for(qtbot, page, BatchFinished)
    qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
    assert page.worker.control.paused and page.pause_button.text() == "Resume"
    qtbot.wait(200)  # the batch in flight may still finish
    steps = page.loss_plot.data("batch")[0].size
    qtbot.wait(300)
    assert page.loss_plot.data("batch")[0].size == steps
    qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
    assert not page.worker.control.paused
    _wait_for(qtbot, page, EpochFinished)
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)


def test_step_from_idle_runs_exactly_one_batch(qtbot: QtBot, page: TrainPage) -> None:
    qtbot.mouseClick(page.step_button, Qt.MouseButton.LeftButton)
    assert _wait_for(qtbot, page, BatchFinished).global_step == 1
    assert page.worker.control.paused and page.pause_button.text() == "Resume"
    qtbot.mouseClick(page.step_button, Qt.MouseButton.LeftButton)
    assert _wait_for(qtbot, page, BatchFinished).global_step == 2
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    assert "after 2 of" in page.state.run.result.message


def test_divergence_is_explained_in_plain_words(qtbot: QtBot, page: TrainPage) -> None:
    page.state.set_train_config(TrainConfig(epochs=50, optimizer="sgd", lr=100.0,
                                            batch_size=16, schedule="none"))
    _start(qtbot, page)
    qtbot.waitUntil(lambda: page.worker is None, timeout=RUN_TIMEOUT_MS)
    assert page.signal_bar.level == "error", (page.signal_bar.text, page.progress.format())
    assert "diverged" in page.signal_bar.text and "learning rate" in page.signal_bar.text
    assert page.state.run is None and page.progress.format().startswith("Diverged")
    assert page.start_button.isEnabled()


def test_early_stopping_names_the_best_epoch(qtbot: QtBot, page: TrainPage) -> None:
    page.state.set_train_config(TrainConfig(epochs=200, early_stopping=2, batch_size=16))
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        _start(qtbot, page)
    result = page.state.run.result
    assert result.stopped_because == "early_stopping" and result.epochs_run < 200
    assert page.signal_bar.level == "info"
    assert f"at epoch {result.best_epoch}" in page.signal_bar.text
    assert len(page.loss_plot.data("val")[0]) == result.epochs_run


def test_starting_again_stops_and_joins_the_old_run(qtbot: QtBot, page: TrainPage) -> None:
    page.form.epochs.setValue(500)
    _start(qtbot, page)
    first = page.worker
    _wait_for(qtbot, page, BatchFinished)
    _start(qtbot, page)
    assert not first.isRunning() and page.worker is not first
    _wait_for(qtbot, page, BatchFinished)
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)


def test_a_failing_run_shows_the_message_bar_and_the_page_stays_usable(
        qtbot: QtBot, page: TrainPage) -> None:
    conv = NetworkSpec([LayerSpec("Conv2D", {"filters": 4, "kernel": 3})], name="bad")
    page.state.set_network(conv)
    assert page.network.custom_label.isVisibleTo(page)
    _start(qtbot, page)
    qtbot.waitUntil(lambda: page.worker is None, timeout=RUN_TIMEOUT_MS)
    assert page.message_bar.level == "error" and "Conv2D" in page.message_bar.text
    assert page.start_button.isEnabled() and page.state.run is None
    qtbot.mouseClick(page.network.use_preset, Qt.MouseButton.LeftButton)
    assert page.state.network_spec is None and page.network.preset.isVisibleTo(page)
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        _start(qtbot, page)
    assert page.state.run is not None


def test_the_preset_follows_the_data_but_a_reload_keeps_the_choice(qtbot: QtBot,
                                                                     page: TrainPage) -> None:
    assert page.network.preset_name == "mlp"  # xor: a table of two numbers
    page.network.set_preset("resmlp")
    options = LoadOptions(demo_size=100)
    page.state.set_dataset(load_dataset("demo:xor", options), "demo:xor", options)
    assert page.network.preset_name == "resmlp"
    motif = load_dataset("demo:motif", LoadOptions(demo_size=40))
    page.state.set_dataset(motif, "demo:motif", LoadOptions(demo_size=40))
    assert page.network.preset_name == "cnn1d"  # one-hot DNA
    cnn2d = page.network.preset.findData("cnn2d")
    assert page.network.preset.view().isRowHidden(cnn2d)  # no images here


def test_start_without_data_explains_what_to_do(qtbot: QtBot) -> None:
    page = TrainPage(AppState())
    qtbot.addWidget(page)
    assert not page.start_button.isEnabled()
    page.start()
    assert page.worker is None
    assert page.message_bar.level == "warning" and "Data page" in page.message_bar.text


def test_options_the_optimizer_ignores_are_disabled(qtbot: QtBot, page: TrainPage) -> None:
    form = page.form
    form.optimizer.setCurrentText("adam")
    assert not form.momentum.isEnabled() and form.beta1.isEnabled()
    form.optimizer.setCurrentText("sgd")
    form.momentum.setValue(0.0)
    form.nesterov.setChecked(True)
    assert not form.nesterov.isEnabled() and form.config().nesterov is False
    form.momentum.setValue(0.9)
    assert form.nesterov.isEnabled() and form.config().nesterov is True
    form.config().validate()


def test_overfitting_is_val_loss_rising_while_train_loss_falls() -> None:
    assert overfitting([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.9, 0.95, 1.0, 1.1])
    assert not overfitting([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.9, 0.85, 0.8, 0.7])
    assert not overfitting([1.0, 1.1, 1.2, 1.3, 1.4], [1.0, 1.1, 1.2, 1.3, 1.4])
    assert not overfitting([1.0, 0.9], [1.0, 1.1])


def test_results_frame_puts_the_network_beside_the_baselines() -> None:
    metrics = {"train": {"n": 10, "accuracy": 1.0}, "val": {"n": 0},
               "test": {"n": 5, "accuracy": 0.8, "roc_auc": None}}
    baseline = {"logistic_regression": {"test": {"n": 5, "accuracy": 0.6}}}
    frame = results_frame(metrics, baseline, "classification")
    assert list(frame.columns) == ["metric", "Network (train)", "Network (test)",
                                   "logistic regression (test)"]
    accuracy = frame.set_index("metric").loc["accuracy"]
    assert accuracy.tolist() == ["1.0000", "0.8000", "0.6000"]
    assert frame.set_index("metric").loc["roc auc", "Network (test)"] == "\u2013"


def test_train_is_disabled_while_the_custom_network_does_not_fit(
    qtbot: QtBot, page: TrainPage
) -> None:
    page.state.set_summary({"input_shape": [2]})
    assert page.start_button.isEnabled()
    bad = NetworkSpec([LayerSpec("Conv1D", {"filters": 4, "kernel": 3})])  # xor rows are flat
    page.state.set_network(bad)
    assert not page.start_button.isEnabled()
    assert "layer 1 Conv1D" in page.start_button.toolTip()
    page.state.set_network(NetworkSpec([LayerSpec("Dense", {"units": 4})]))
    assert page.start_button.isEnabled()


def test_the_user_chooses_the_baselines_and_a_linear_model_shows_its_equation(
        qtbot: QtBot, page: TrainPage) -> None:
    chooser = page.baseline_chooser
    assert chooser.names() == ("logistic_regression", "decision_tree", "naive_bayes",
                               "random_forest", "knn", "majority")
    for name in ("decision_tree", "naive_bayes", "random_forest", "majority"):
        chooser.boxes[name].click()  # as a user unticks them
    assert page.state.baselines == ("logistic_regression", "knn")
    assert "every feature" in chooser.boxes["naive_bayes"].toolTip()  # teaching tooltip
    page.network.set_preset("linear")
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        _start(qtbot, page)
    assert list(page.state.run.baseline) == ["logistic_regression", "knn"]
    columns = list(page.results_model.frame.columns)
    assert columns[-2:] == ["logistic regression (test)", "k-nearest neighbours (test)"]
    assert page.results.equation.isVisibleTo(page)
    assert "score(+1) = " in page.results.equation.text()
    # a reset ticks every baseline again; regression greys out naive Bayes
    page.reset_options()
    assert chooser.names() == page.state.baselines and len(chooser.names()) == 6
    chooser.set_task("regression")
    assert not chooser.boxes["naive_bayes"].isEnabled() and chooser.boxes["knn"].isEnabled()
