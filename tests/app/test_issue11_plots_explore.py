"""Issue 11 on the Explore page: a job pressed while another runs is queued, not dropped
(item 2), and a new dataset leaves no picture of the old one behind (item 3)."""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.explore_page import ExplorePage
from app.state import AppState
from core.data.load import load_dataset
from core.data.options import LoadOptions


def make_page(qtbot: QtBot, demo: str) -> ExplorePage:
    state = AppState()
    state.set_dataset(load_dataset(f"demo:{demo}"), f"demo:{demo}", LoadOptions())
    page = ExplorePage(state)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    return page


def click_and_wait(qtbot: QtBot, page: ExplorePage, button) -> None:
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_elbow_pressed_while_kmeans_runs_is_queued_and_both_results_show(qtbot: QtBot) -> None:
    page = make_page(qtbot, "wine")
    click_and_wait(qtbot, page, page.pca_button)
    page.elbow_max.setValue(6)
    qtbot.mouseClick(page.kmeans_button, Qt.MouseButton.LeftButton)
    assert page.jobs.worker is not None  # k-means is under way
    assert page.elbow_button.isEnabled()
    qtbot.mouseClick(page.elbow_button, Qt.MouseButton.LeftButton)
    # the page says what happens to the second press
    assert page.message_bar.isVisible() and page.message_bar.level == "info"
    assert "Elbow" in page.message_bar.text and "after" in page.message_bar.text
    qtbot.waitUntil(lambda: page.kmeans is not None and page.elbow_points is not None,
                    timeout=60_000)
    qtbot.waitUntil(lambda: not page.jobs.running)
    assert page.kmeans.k == 3
    assert [p.k for p in page.elbow_points] == [2, 3, 4, 5, 6]
    assert page.contingency_model.frame.shape[0] == 3  # the k-means table stayed
    curve = next(i for i in page.elbow_plot.getPlotItem().items
                 if isinstance(i, pg.PlotDataItem))
    assert list(curve.getData()[0]) == [2, 3, 4, 5, 6]


def test_kmeans_queued_behind_pca_clusters_the_new_pca(qtbot: QtBot) -> None:
    page = make_page(qtbot, "iris")
    click_and_wait(qtbot, page, page.pca_button)
    page.standardize.setChecked(False)
    qtbot.mouseClick(page.pca_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.kmeans_button, Qt.MouseButton.LeftButton)
    assert "k-means" in page.message_bar.text
    qtbot.waitUntil(lambda: page.kmeans is not None, timeout=60_000)
    assert not page.pca.standardized
    assert page.kmeans.assignments.shape == (150,)


def plot_is_empty(plot: pg.PlotWidget) -> bool:
    item = plot.getPlotItem()
    drawn = [i for i in item.items if isinstance(i, (pg.PlotDataItem, pg.ScatterPlotItem,
                                                     pg.BarGraphItem, pg.InfiniteLine))]
    axes = [item.getAxis(side) for side in ("bottom", "left")]
    return not drawn and all(a.labelText == "" for a in axes) and all(
        a._tickLevels is None for a in axes)


def test_a_new_dataset_clears_elbow_and_silhouette_to_a_hint(qtbot: QtBot) -> None:
    page = make_page(qtbot, "iris")
    click_and_wait(qtbot, page, page.pca_button)
    page.elbow_max.setValue(5)
    click_and_wait(qtbot, page, page.elbow_button)
    assert not plot_is_empty(page.elbow_plot)
    page.state.set_dataset(load_dataset("demo:wine"), "demo:wine", LoadOptions())
    for plot, panel in ((page.elbow_plot, page.elbow_panel),
                        (page.silhouette_plot, page.silhouette_panel)):
        assert plot_is_empty(plot)
        assert "Elbow" in panel.hint.text()  # says how to fill it
    # the old axes' range is gone too: the plot shows the default empty view
    (x0, x1), _ = page.elbow_plot.getPlotItem().getViewBox().viewRange()
    assert (x0, x1) != (2, 5) and x1 - x0 <= 1.5


def test_image_loadings_name_their_pixels(qtbot: QtBot) -> None:
    """Item 6: a loading on an image's pixel reads "pixel (3, 4)", not "c0:3:4"."""
    page = make_page(qtbot, "digits")
    click_and_wait(qtbot, page, page.pca_button)
    features = list(page.loadings_plot.getPlotItem().export_table["feature"])
    assert features and all(re.fullmatch(r"pixel \(\d, \d\)", f) for f in features), features
    ticks = page.loadings_plot.getPlotItem().getAxis("left")._tickLevels[0]
    assert all(label.startswith("pixel (") for _, label in ticks)
