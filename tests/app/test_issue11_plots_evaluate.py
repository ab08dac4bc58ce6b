"""Issue 11 across the pages after a run: one colour per class on Explore, Trees and
Evaluate (item 5); Evaluate's tables show every column at 1280 pixels, legends keep off
the data and numbers share one format (item 7)."""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from app.pages.evaluate_page import EvaluatePage
from app.pages.explore_page import ExplorePage
from app.pages.trees_page import TreesPage
from app.plots.base import _drawn_points
from app.plots.colors import class_color
from app.state import AppState
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.train.config import TrainConfig
from core.train.run import run_training


@pytest.fixture(scope="module")
def cancer_run():
    ds = load_dataset("demo:breast-cancer")
    return run_training(ds, config=TrainConfig(epochs=3, lr=0.01, seed=0), network="mlp",
                        preset_options={"hidden": (8,)})


def show(qtbot: QtBot, page) -> QMainWindow:
    window = QMainWindow()
    window.setCentralWidget(page)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def session(qtbot: QtBot, run) -> tuple[AppState, EvaluatePage, QMainWindow]:
    state = AppState()
    state.set_dataset(run.dataset, "demo:breast-cancer", LoadOptions())
    page = EvaluatePage(state)
    window = show(qtbot, page)
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        state.set_run(run)
    return state, page, window


def curve_colour(plot: pg.PlotWidget, class_name: str) -> str:
    curves = [i for i in plot.getPlotItem().items if isinstance(i, pg.PlotDataItem)
              and (i.name() or "").startswith(f"{class_name} (")]
    assert len(curves) == 1, [i.name() for i in plot.getPlotItem().items]
    return curves[0].opts["pen"].color().name()


def test_a_class_has_one_colour_on_explore_trees_and_evaluate(qtbot: QtBot, cancer_run) -> None:
    state, evaluate, _ = session(qtbot, cancer_run)
    names = state.dataset.class_names
    assert names == ["malignant", "benign"]
    malignant, benign = class_color(0, 2), class_color(1, 2)
    assert malignant != benign
    # Evaluate: a binary problem draws one curve, for class 1; it is class 1's colour
    assert curve_colour(evaluate.roc_plot, "benign") == benign
    assert curve_colour(evaluate.pr_plot, "benign") == benign

    explore = ExplorePage(state)
    explore_window = show(qtbot, explore)  # held: qtbot keeps only a weak reference
    with qtbot.waitSignal(explore.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(explore.pca_button, Qt.MouseButton.LeftButton)
    brushes = {i.name(): i.opts["brush"].color().name()
               for i in explore.scatter_plot.getPlotItem().items
               if isinstance(i, pg.ScatterPlotItem) and i.name() in names}
    assert brushes == {"malignant": malignant, "benign": benign}

    trees = TreesPage(state)
    trees_window = show(qtbot, trees)
    trees.set_settings(max_depth=2)
    with qtbot.waitSignal(trees.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(trees.fit_button, Qt.MouseButton.LeftButton)
    diagram = trees.diagram
    colours = dict(zip(diagram.classes, (c.name() for c in diagram.class_qcolors),
                       strict=True))
    assert colours == {"malignant": malignant, "benign": benign}
    # a node whose majority is malignant is edged in malignant's colour
    node = next(n for n in trees.fit_result.result.nodes if n.value[0] > n.value[1])
    _, border = diagram.node_colors(node)
    assert border.name() == diagram.class_qcolors[0].darker(130).name()
    assert explore_window.isVisible() and trees_window.isVisible()


def test_evaluate_tables_show_every_column_at_1280_pixels(qtbot: QtBot, cancer_run) -> None:
    _, page, window = session(qtbot, cancer_run)
    qtbot.wait(50)
    assert window.width() <= 1280
    for view in (page.comparison_view, page.per_class_view):
        model = view.model()
        last = model.columnCount() - 1
        right = view.columnViewportPosition(last) + view.columnWidth(last)
        assert right <= view.viewport().width(), model.headerData(
            last, Qt.Orientation.Horizontal)
        assert view.horizontalScrollBar().maximum() == 0
    assert page.comparison_model.headerData(3, Qt.Orientation.Horizontal) == "decision\ntree"
    assert page.comparison_model.columnCount() == 8  # the network and six baselines


def figures(model) -> list[str]:
    texts = []
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            value = model.frame.iat[r, c]
            # a figure that is exactly 0 reads "0" (the majority class's MCC)
            if isinstance(value, (float, np.floating)) and not np.isnan(value) and value:
                texts.append(model.data(model.index(r, c)))
    return texts


def test_figures_share_four_significant_digits(qtbot: QtBot, cancer_run) -> None:
    _, page, _ = session(qtbot, cancer_run)
    for model in (page.comparison_model, page.per_class_model, page.errors_model):
        for text in figures(model):
            digits = re.sub(r"[^0-9]", "", text.split("e")[0]).lstrip("0")
            assert len(digits) == 4, text
    samples = page.comparison_model.frame.set_index("metric").loc["samples"]
    assert all(isinstance(v, int) for v in samples)  # counts are counts
    assert re.search(r"accuracy <b>\d\.\d{3,4}</b>", page.summary.text())


def legend_covers(plot: pg.PlotWidget) -> int:
    """How many of the drawn points (curves sampled along their length) lie under the
    legend."""
    item = plot.getPlotItem()
    vb = item.getViewBox()
    rect = item.legend.sceneBoundingRect()
    points = _drawn_points(item)
    scene = [vb.mapViewToScene(QPointF(float(x), float(y))) for x, y in points]
    return sum(rect.contains(p) for p in scene)


def test_legends_keep_off_the_curves_and_points(qtbot: QtBot, cancer_run) -> None:
    state, page, _ = session(qtbot, cancer_run)
    qtbot.wait(50)
    for plot in (page.roc_plot, page.pr_plot):
        legend = plot.getPlotItem().legend
        assert legend.opts["brush"].color().alpha() < 255  # see-through
        assert "Drag" in legend.toolTip()  # and movable
        assert legend_covers(plot) == 0
    explore = ExplorePage(state)
    window = show(qtbot, explore)
    with qtbot.waitSignal(explore.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(explore.pca_button, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert window.isVisible()
    n = len(state.dataset)
    assert legend_covers(explore.scatter_plot) <= 0.02 * n
