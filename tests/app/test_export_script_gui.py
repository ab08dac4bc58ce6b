"""The Runs page's Export code… button: the selected run becomes a standalone script;
what cannot be written is said in the page's message bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.cli import main
from app.pages.runs_page import RunsPage
from app.state import AppState

TINY = ("--size", "100", "--model", "mlp", "--hidden", "4", "--device", "cpu",
        "--no-baseline", "--epochs", "2")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export_code")
    assert main(["train", "demo:xor", *TINY, "--project", str(root / "study")]) == 0
    return root / "study.mendel"


def _page(qtbot: QtBot, folder: Path) -> RunsPage:
    state = AppState()
    page = RunsPage(state)
    qtbot.addWidget(page)
    page.show()
    state.set_project_folder(folder)
    return page


def test_export_code_writes_the_selected_runs_script(qtbot: QtBot, project: Path,
                                                     tmp_path: Path) -> None:
    page = _page(qtbot, project)
    button = page.buttons["Export code"]
    assert not button.isEnabled()  # nothing selected yet
    page.select_runs([page.rows[0].id])
    assert button.isEnabled()
    out = tmp_path / "train.py"
    page.export_code(str(out))
    text = out.read_text(encoding="utf-8")
    assert "def build_network()" in text and "import core" not in text
    assert (tmp_path / "train_data.csv").is_file()  # a demo run: its rows beside the script
    assert "train.py" in page.message_bar.text and page.message_bar.level != "error"


def test_export_code_errors_show_in_the_message_bar(qtbot: QtBot, project: Path,
                                                    tmp_path: Path) -> None:
    page = _page(qtbot, project)
    page.select_runs([page.rows[0].id])
    page.export_code(str(tmp_path))  # a folder, not a file name
    assert page.message_bar.level == "error" and "folder" in page.message_bar.text
    assert "\n" not in page.message_bar.text


def test_the_button_asks_for_a_file_name(qtbot: QtBot, project: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    out = tmp_path / "clicked.py"
    asked: list[str] = []

    def save_name(*args: object) -> tuple[str, str]:
        asked.append(str(args[2]))  # the suggested name
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    page = _page(qtbot, project)
    page.select_runs([page.rows[0].id])
    qtbot.mouseClick(page.buttons["Export code"], Qt.MouseButton.LeftButton)
    assert asked == ["train.py"] and out.is_file()
