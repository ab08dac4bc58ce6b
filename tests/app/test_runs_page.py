"""The Runs page: three runs of a project listed, sorted, overlaid and compared; rename,
note, star, delete to trash and the CSV, driven as a user clicks."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.cli import main
from app.pages.runs_page import COLUMNS, EMPTY, RunsPage
from app.state import AppState

TINY = ("--size", "100", "--model", "mlp", "--hidden", "4", "--device", "cpu",
        "--no-baseline")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    for lr, epochs in (("0.01", "3"), ("0.003", "4"), ("0.03", "2")):
        assert main(["train", "demo:xor", *TINY, "--lr", lr, "--epochs", epochs,
                     "--project", str(root / "study")]) == 0
    return root / "study.mendel"


def _page(qtbot: QtBot, folder: Path | None) -> RunsPage:
    state = AppState()
    page = RunsPage(state)
    qtbot.addWidget(page)
    page.show()
    state.set_project_folder(folder)
    return page


def _column(page: RunsPage, name: str) -> list[str]:
    j = COLUMNS.index(name)
    return [page.table.item(i, j).text() for i in range(page.table.rowCount())]


def test_without_a_project_the_page_says_how_to_get_one(qtbot: QtBot) -> None:
    page = _page(qtbot, None)
    assert page.header.text() == EMPTY and page.table.rowCount() == 0
    assert not page.buttons["Export table"].isEnabled()


def test_runs_are_listed_sorted_overlaid_and_diffed(qtbot: QtBot, project: Path) -> None:
    page = _page(qtbot, project)
    assert page.table.rowCount() == 3 and "3 runs" in page.header.text()
    assert sorted(_column(page, "lr")) == ["0.003", "0.01", "0.03"]
    page.table.sortItems(COLUMNS.index("epochs"))
    assert _column(page, "epochs") == ["2/2", "3/3", "4/4"]  # by value, not text
    page.select_runs([r.id for r in page.rows])
    items = page.loss_plot.getPlotItem().listDataItems()
    assert len(items) == 3  # one curve per run
    assert len({str(i.opts["pen"].color().name()) for i in items}) == 3  # one colour each
    options = [page.diff.verticalHeaderItem(i).text() for i in range(page.diff.rowCount())]
    assert "train.lr" in options and "train.epochs" in options


def test_rename_note_star_delete_and_csv(qtbot: QtBot, project: Path, tmp_path: Path) -> None:
    page = _page(qtbot, project)
    first = page.rows[0].id
    page.select_runs([first])
    page.rename("baseline lr")
    page.edit_note("the first try")
    page.toggle_star()
    row = next(r for r in page.rows if r.id == first)
    assert (row.name, row.note, row.starred) == ("baseline lr", "the first try", True)
    assert "baseline lr" in _column(page, "name")
    out = tmp_path / "runs.csv"
    page.export_csv(str(out))
    assert "baseline lr" in out.read_text() and len(out.read_text().splitlines()) == 4
    page.select_runs([first])
    page.delete(confirmed=True)
    assert page.table.rowCount() == 2
    assert any((project / "trash").iterdir())
