"""File ▸ Open run and Predict: a run folder made by ``mendel train --out`` (or kept in a
project) becomes the current run; Evaluate, the Network page and Continue use it; a moved
data file is located; a broken folder is one line and the session stays as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pytestqt.qtbot import QtBot

from app.cli import main
from app.main_window import MainWindow
from core.project.runs import list_runs

TIMEOUT_MS = 60_000
TINY = ("--model", "mlp", "--hidden", "6", "--device", "cpu", "--epochs", "3")


def _table(path: Path) -> Path:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 2))
    rows = ["a,b,label"] + [f"{a:.4f},{b:.4f},{'yes' if a + b > 0 else 'no'}" for a, b in x]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(run folder, its data) written by the command line."""
    root = tmp_path_factory.mktemp("openrun")
    data = _table(root / "cells.csv")
    assert main(["train", str(data), *TINY, "--out", str(root / "run")]) == 0
    return root / "run", data


def _open(qtbot: QtBot, win: MainWindow, run: Path) -> None:
    with qtbot.waitSignal(win.run_files.opened, timeout=TIMEOUT_MS):
        win.run_files.open(run)


def test_a_cli_run_opens_with_evaluate_network_and_continue(
        qtbot: QtBot, window: MainWindow, cli_run: tuple[Path, Path]) -> None:
    run, data = cli_run
    with qtbot.waitSignal(window.pages["data"].load_finished, timeout=TIMEOUT_MS):
        window.open_source(str(data))  # the same data: the run's design comes too
    _open(qtbot, window, run)
    outcome = window.state.run
    assert outcome is not None and outcome.run_dir == run
    saved = pd.read_json(run / "metrics.json", typ="series")
    assert outcome.metrics["test"]["accuracy"] == pytest.approx(saved["test"]["accuracy"])
    assert "Opened the run run" in window.message_bar.text
    evaluate = window.pages["evaluate"]
    assert evaluate.stack.currentIndex() == 1  # the results, not the empty card
    qtbot.waitUntil(lambda: "test" in evaluate._cache, timeout=TIMEOUT_MS)
    assert evaluate.evaluation is not None and evaluate.evaluation.split == "test"
    assert window.state.network_spec == outcome.spec  # what the weights are drawn on
    assert window.state.network_source == "run run"
    request = window.pages["train"].continue_request()
    assert request is not None and request.resume.epoch == 3


def test_predict_writes_one_row_per_sample(qtbot: QtBot, window: MainWindow,
                                           cli_run: tuple[Path, Path], tmp_path: Path) -> None:
    run, data = cli_run
    _open(qtbot, window, run)  # no data loaded: Evaluate still works, the design stays
    assert "Network page keeps its design" in window.message_bar.text
    new = tmp_path / "new.csv"
    pd.read_csv(data).drop(columns="label").head(7).to_csv(new, index=False)
    out = tmp_path / "pred.csv"
    window.run_files.ask_predict_paths = lambda: (str(new), str(out))
    with qtbot.waitSignal(window.run_files.predicted, timeout=TIMEOUT_MS):
        window.run_files.predict_dialog()
    table = pd.read_csv(out)
    assert len(table) == 7 and {"prediction", "p_no", "p_yes"} <= set(table.columns)
    assert set(table["prediction"]) <= {"no", "yes"}


def test_predict_without_a_run_says_what_to_do(window: MainWindow) -> None:
    window.run_files.ask_predict_paths = lambda: pytest.fail("no dialog without a run")
    window.run_files.predict_dialog()
    assert "Open run" in window.message_bar.text


def test_moved_data_is_located(qtbot: QtBot, window: MainWindow,
                               cli_run: tuple[Path, Path], tmp_path: Path) -> None:
    run, data = cli_run
    moved_run = tmp_path / "run"
    shutil.copytree(run, moved_run)
    hidden = data.with_name("cells-hidden.csv")
    data.rename(hidden)
    asked: list[str] = []
    try:
        def locate(why: str) -> str:
            asked.append(why)
            return str(hidden)

        window.run_files.ask_locate = locate
        _open(qtbot, window, moved_run)
    finally:
        hidden.rename(data)
    assert asked and "not there any more" in asked[0]
    assert window.state.run is not None and window.state.run.run_dir == moved_run


@pytest.mark.parametrize("damage", ["missing", "no-network", "not-a-run"])
def test_a_broken_run_folder_is_one_line_and_nothing_is_lost(
        qtbot: QtBot, window: MainWindow, cli_run: tuple[Path, Path], tmp_path: Path,
        damage: str) -> None:
    run, _ = cli_run
    target = tmp_path / "broken"
    if damage != "missing":
        shutil.copytree(run, target)
    if damage == "no-network":
        (target / "network.json").unlink()
    if damage == "not-a-run":
        shutil.rmtree(target)
        target.mkdir()
        (target / "notes.txt").write_text("hello")
    with qtbot.waitSignal(window.run_files.open_job.failed, timeout=TIMEOUT_MS):
        window.run_files.open(target)
    text = window.message_bar.text
    assert window.message_bar.level == "error" and "\n" not in text and text
    assert window.state.run is None


def test_runs_page_open_makes_a_project_run_current_without_saving_it_again(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    data = _table(tmp_path / "cells.csv")
    for lr in ("0.01", "0.03"):
        assert main(["train", str(data), *TINY, "--lr", lr,
                     "--project", str(tmp_path / "study")]) == 0
    project = tmp_path / "study.mendel"
    window.state.set_project_folder(project)
    page = window.show_page("runs")
    second = page.rows[1]
    page.select_runs([second.id])
    assert page.buttons["Open"].isEnabled()
    with qtbot.waitSignal(window.run_files.opened, timeout=TIMEOUT_MS):
        page.open_selected()
    assert window.state.run.run_dir == second.path
    row = next(i for i in range(page.table.rowCount())
               if page.table.item(i, 0).data(256) == second.id)  # Qt.UserRole
    assert page.table.item(row, 1).font().bold()
    assert len(list_runs(project)) == 2  # opening is not a new run
