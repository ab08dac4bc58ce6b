"""The Tune page driven as a user clicks: cross-validation beside the baselines, a
search with its live table and pictures, the learning-rate finder and its Apply, each
fold and the best trial kept in the project, Stop, and the bad cases as one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from core.nn.spec import LayerSpec, NetworkSpec
from core.project.runs import list_runs
from core.train.config import TrainConfig

TIMEOUT_MS = 120_000


def _table(path: Path) -> Path:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(150, 2))
    rows = ["a,b,label"] + [f"{a:.4f},{b:.4f},{'in' if a * a + b * b < 1 else 'out'}"
                           for a, b in x]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    win = MainWindow()
    qtbot.addWidget(win)
    win.project.ask_save_changes = lambda: "discard"
    win.show()
    with qtbot.waitSignal(win.pages["data"].load_finished, timeout=TIMEOUT_MS):
        win.open_source(str(_table(tmp_path / "cells.csv")))
    win.state.set_network(NetworkSpec(layers=[
        LayerSpec("Dense", {"units": 8, "activation": "relu"}),
        LayerSpec("Dropout", {"rate": 0.1})]))
    win.state.set_train_config(TrainConfig(epochs=3, device="cpu", batch_size=32))
    win.state.set_baselines(["logistic_regression", "majority"])
    yield win
    win.project.dirty = False
    win.close()


def _run(qtbot: QtBot, page, start) -> None:  # noqa: ANN001
    with qtbot.waitSignal(page.job.done, timeout=TIMEOUT_MS):
        start()


def test_cross_validate_from_the_train_page_fills_the_folds_table(
        qtbot: QtBot, window: MainWindow) -> None:
    tune = window.show_page("tune")
    tune.folds.setValue(3)
    with qtbot.waitSignal(tune.job.done, timeout=TIMEOUT_MS):
        window.pages["train"].tune_buttons["cv"].click()
    assert window.current_page_name() == "tune" and tune.tabs.currentIndex() == 0
    table = tune.cv_view.table
    rows = [table.verticalHeaderItem(i).text() for i in range(table.rowCount())]
    assert rows == ["network", "logistic regression", "majority class"]
    assert table.columnCount() == 5  # 3 folds, mean, sd
    mean = float(table.item(0, 3).text())
    assert 0.0 <= mean <= 1.0
    assert "3-fold cross-validation" in tune.message_bar.text
    assert "test rows were not used" in tune.message_bar.text
    assert "test rows were not used" in tune.cv_view.label.text()
    assert len(tune.cv_view.curves) == 3 and all(len(c) == 3 for c in tune.cv_view.curves)


def test_a_search_shows_its_trials_and_the_best_becomes_the_run(
        qtbot: QtBot, window: MainWindow) -> None:
    tune = window.show_page("tune")
    tune.tabs.setCurrentIndex(1)
    tune.trials.setValue(5)
    tune.sampler.setCurrentIndex(1)  # random
    for name, box in tune.space_form.boxes.items():
        box.setChecked(name in ("lr", "optimizer", "width"))
    tune.space_form.edits["lr"].setText("0.001 to 0.1")
    _run(qtbot, tune, tune.start_search)
    view = tune.search_view
    assert view.table.rowCount() == 5
    headers = [view.table.horizontalHeaderItem(j).text() for j in range(view.table.columnCount())]
    assert {"lr", "optimizer", "width"} <= set(headers)
    lrs = [t["params"]["lr"] for t in view.trials.values()]
    assert all(0.001 <= lr <= 0.1 for lr in lrs)
    assert view.best_plot.getPlotItem().listDataItems()  # the best-so-far line
    assert view.parallel_plot.getPlotItem().listDataItems()
    assert set(view.importances) <= {"lr", "optimizer", "width"} and view.importances
    assert "scored once on the test rows" in tune.message_bar.text
    run = window.state.run
    assert run is not None and run is tune.result.outcome  # Evaluate shows it
    assert tune.apply_button.isEnabled()
    tune.apply_best()
    best = tune.result.best_params
    assert window.state.train_config.lr == pytest.approx(best["lr"])
    assert window.state.train_config.optimizer == best["optimizer"]
    assert window.state.network_spec == run.spec


def test_the_learning_rate_finder_suggests_and_applies(qtbot: QtBot,
                                                       window: MainWindow) -> None:
    tune = window.show_page("tune")
    _run(qtbot, tune, tune.start_lr)
    rate = tune.lr_view.suggestion
    assert rate is not None and 1e-7 < rate < 10
    assert tune.lr_view.apply_button.isEnabled()
    tune.lr_view.apply_button.click()
    assert window.state.train_config.lr == pytest.approx(rate)
    assert "learning rate is now" in tune.message_bar.text


def test_folds_and_the_best_trial_are_kept_in_the_project(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.project.ask_save_path = lambda: str(tmp_path / "study.mendel")
    assert window.project.save_as()
    project = window.state.project_folder
    tune = window.show_page("tune")
    tune.folds.setValue(2)
    _run(qtbot, tune, tune.start_cv)
    tune.trials.setValue(2)
    _run(qtbot, tune, tune.start_search)
    names = sorted(r.name for r in list_runs(project))
    assert names == ["cv fold 1/2", "cv fold 2/2", f"search best trial {tune.result.best.number}"]
    assert window.state.run.run_dir is not None  # kept once, not saved again as a new run
    qtbot.wait(200)
    assert len(list_runs(project)) == 3


def test_stop_ends_a_search_with_its_best_trial_so_far(qtbot: QtBot,
                                                       window: MainWindow) -> None:
    window.state.set_train_config(TrainConfig(epochs=40, device="cpu", batch_size=16))
    tune = window.show_page("tune")
    tune.trials.setValue(50)
    with qtbot.waitSignal(tune.job.done, timeout=TIMEOUT_MS):
        tune.start_search()
        qtbot.waitUntil(lambda: any(t.get("state") == "complete"
                                    for t in tune.search_view.trials.values()),
                        timeout=TIMEOUT_MS)
        tune.stop()
    assert tune.result is not None, (tune.progress.text(), tune.message_bar.text)
    assert tune.result.stopped_because == "stopped"
    assert len(tune.result.trials) < 50 and tune.result.best is not None


def test_bad_input_is_one_line_and_starts_nothing(qtbot: QtBot, window: MainWindow) -> None:
    tune = window.show_page("tune")
    tune.space_form.edits["lr"].setText("fast to slow")
    tune.start_search()
    assert tune.job.worker is None and "not a number" in tune.message_bar.text
    assert "not a number" in tune.space_form.error.text()
    for box in tune.space_form.boxes.values():
        box.setChecked(False)
    tune.start_search()
    assert "tick at least one" in tune.message_bar.text
    window.state.set_train_config(TrainConfig(epochs=2, device="cpu", lr=-1.0))
    tune.start_cv()
    assert tune.job.worker is None and tune.message_bar.level == "error"


def test_without_data_the_page_says_what_to_do(qtbot: QtBot) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    tune = win.show_page("tune")
    tune.start_cv()
    assert "Load data" in tune.message_bar.text and tune.job.worker is None
    win.close()
