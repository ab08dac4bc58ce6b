"""Issue 11, item 1: every Export entry (the panel's button, the plot's right-click menu,
the hidden-layer view) writes its file, also after Python has collected its garbage.

The actions used to call a method of a temporary object, which PySide6 drops once the
object is collected: the menus showed PNG / SVG / CSV and did nothing."""

from __future__ import annotations

import gc
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from app.pages.explore_page import ExplorePage
from app.state import AppState
from app.widgets.embedding_view import EmbeddingView
from app.widgets.live_plot import LivePlot
from app.widgets.plot_export import PlotPanel
from core.data.load import load_dataset
from core.data.options import LoadOptions

KINDS = ("png", "svg", "csv")


def trigger_each(monkeypatch: pytest.MonkeyPatch, actions: list[QAction], folder: Path,
                 stem: str) -> list[Path]:
    """Trigger the PNG, SVG and CSV actions as a click would, the dialog answering with a
    file in ``folder``; the files written."""
    assert ["PNG" in actions[0].text(), "SVG" in actions[1].text(),
            "CSV" in actions[2].text()] == [True, True, True]
    written = []
    for action, kind in zip(actions, KINDS, strict=True):
        path = folder / f"{stem}.{kind}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, p=path, **k: (str(p), "")))
        gc.collect()
        action.trigger()
        written.append(path)
    return written


def assert_written(paths: list[Path]) -> None:
    for path in paths:
        assert path.exists() and path.stat().st_size > 0, f"{path.name} was not written"
    png, svg, csv = paths
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert "," in csv.read_text(encoding="utf-8").splitlines()[0]


def button_actions(panel: PlotPanel) -> list[QAction]:
    return panel.export_button.menu().actions()


def context_actions(plot: pg.PlotWidget) -> list[QAction]:
    return list(plot.scene().contextMenu)


def test_live_plot_panel_exports_from_button_and_context_menu(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plot = LivePlot("epoch", "loss")
    plot.add_curve("train", "training", "#1f77b4")
    plot.set_data("train", [1.0, 2.0, 3.0], [0.9, 0.5, 0.4])
    plot.redraw()
    panel = PlotPanel(plot, "Loss")
    qtbot.addWidget(panel)
    panel.resize(500, 350)
    panel.show()
    qtbot.waitExposed(panel)
    assert_written(trigger_each(monkeypatch, button_actions(panel), tmp_path, "button"))
    assert_written(trigger_each(monkeypatch, context_actions(plot), tmp_path, "menu"))
    # a renamed panel keeps working actions that suggest the new name
    panel.set_title("Accuracy")
    names: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda _p, _t, name, _f: (names.append(name) or
                                                               (str(tmp_path / "a.csv"), ""))))
    gc.collect()
    button_actions(panel)[2].trigger()
    assert [Path(n).name for n in names] == ["accuracy.csv"]
    assert Path(names[0]).is_absolute()  # in a real folder, not the program's own
    assert (tmp_path / "a.csv").stat().st_size > 0


def test_explore_scatter_exports(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
                                 tmp_path: Path) -> None:
    state = AppState()
    state.set_dataset(load_dataset("demo:iris"), "demo:iris", LoadOptions())
    page = ExplorePage(state)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        page.pca_button.click()
    panel = page.scatter_panel
    assert_written(trigger_each(monkeypatch, button_actions(panel), tmp_path, "button"))
    assert_written(trigger_each(monkeypatch, context_actions(page.scatter_plot), tmp_path,
                                "menu"))
    assert "setosa" in (tmp_path / "menu.csv").read_text()


def test_hidden_layer_view_exports(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
                                   tmp_path: Path) -> None:
    import torch

    from core.nn.build import build_model
    from core.train.run import prepare_run

    prepared = prepare_run(load_dataset("demo:iris"), network="mlp",
                           preset_options={"hidden": (8, 5)})
    view = EmbeddingView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_prepared(prepared)
    torch.manual_seed(0)
    data = prepared.data
    view.update_model(build_model(prepared.spec, data.input_shape, data.n_outputs)
                      .state_dict(), epoch=1)
    view.flush()
    assert view.coords is not None
    assert_written(trigger_each(monkeypatch, view.export_button.menu().actions(), tmp_path,
                                "button"))
    assert_written(trigger_each(monkeypatch, context_actions(view.plot), tmp_path, "menu"))
    assert (tmp_path / "menu.csv").read_text().splitlines()[0] == "class,PC1,PC2"
