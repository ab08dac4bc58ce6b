"""The Explore page: PCA and k-means on a worker, the scatter (also at 100,000 points),
hover, scree, loadings, elbow, silhouette and the contingency table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt

from app.pages.explore_page import ExplorePage, PCAOutcome
from app.plots.explore import UniformScatter
from app.state import AppState
from app.widgets.job_strip import JobStrip
from core.classic.pca import run_pca
from core.data.dataset import Dataset
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.progress import Cancelled


def make_page(qtbot, ds: Dataset | None) -> ExplorePage:
    state = AppState()
    if ds is not None:
        state.set_dataset(ds, f"demo:{ds.name}", LoadOptions())
    page = ExplorePage(state)
    qtbot.addWidget(page)
    page.resize(1400, 850)
    page.show()
    qtbot.waitExposed(page)
    return page


def run_job(qtbot, page: ExplorePage, button) -> None:
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not page.message_bar.isVisible(), page.message_bar.text


def scatter_items(page: ExplorePage) -> list[pg.ScatterPlotItem]:
    return [i for i in page.scatter_plot.getPlotItem().items
            if isinstance(i, pg.ScatterPlotItem) and i.name() not in (None, "centroids")]


def test_pca_then_kmeans_on_iris(qtbot):
    page = make_page(qtbot, load_dataset("demo:iris"))
    run_job(qtbot, page, page.pca_button)
    pca = page.pca.pca
    assert pca.n_components == 4 and page.pca.standardized
    assert [page.x_component.itemText(i) for i in range(4)] == ["PC1", "PC2", "PC3", "PC4"]
    items = scatter_items(page)  # coloured by class: one item per class, 150 points
    assert [i.name() for i in items] == ["setosa", "versicolor", "virginica"]
    assert sum(len(i.getData()[0]) for i in items) == 150
    assert "PC1 + PC2 explain" in page.scree_panel.hint.text()
    loadings = page.loadings_plot.getPlotItem().export_table
    assert len(loadings) == 4 and loadings.iloc[0, 0].startswith("petal")
    # another component on the y axis moves the points
    page.y_component.setCurrentIndex(2)
    np.testing.assert_allclose(page._xy[:, 1], pca.scores[:, 2])
    assert page.scatter_panel.title == "PC1 against PC3"

    page.k.setValue(3)
    run_job(qtbot, page, page.kmeans_button)
    km = page.kmeans
    assert km.k == 3 and km.ari > 0.5
    frame = page.contingency_model.frame
    assert list(frame.columns) == ["cluster", "setosa", "versicolor", "virginica"]
    assert frame[["setosa", "versicolor", "virginica"]].to_numpy().sum() == 150
    assert "Adjusted Rand index" in page.ari_label.text()
    page.colour_by.setCurrentIndex(page.colour_by.findData("cluster"))
    names = [i.name() for i in page.scatter_plot.getPlotItem().items
             if isinstance(i, pg.ScatterPlotItem)]
    assert names[:3] == ["cluster 0", "cluster 1", "cluster 2"] and "centroids" in names

    page.elbow_max.setValue(5)
    run_job(qtbot, page, page.elbow_button)
    assert [p.k for p in page.elbow_points] == [2, 3, 4, 5]
    curve = next(i for i in page.elbow_plot.getPlotItem().items
                 if isinstance(i, pg.PlotDataItem))
    assert list(curve.getData()[0]) == [2, 3, 4, 5]


def test_hover_names_the_nearest_sample(qtbot):
    page = make_page(qtbot, load_dataset("demo:iris"))
    run_job(qtbot, page, page.pca_button)
    vb = page.scatter_plot.getPlotItem().getViewBox()
    target = 42
    qtbot.waitUntil(lambda: vb.sceneBoundingRect().contains(
        vb.mapViewToScene(QPointF(*page._xy[target]))))  # laid out
    scene = vb.mapViewToScene(QPointF(*page._xy[target]))
    index = page.nearest_point(scene + QPointF(2, 1))
    assert index is not None
    assert page._xy[index] == pytest.approx(page._xy[target])  # or a point on top of it
    assert page.hover_text(target).splitlines() == ["iris43", "class: setosa"]
    page._on_mouse_moved((scene,))
    assert page.hover.isVisible() and "class: setosa" in page.hover.textItem.toPlainText()
    far = vb.mapViewToScene(QPointF(page._xy[:, 0].max() + 50, page._xy[:, 1].max() + 50))
    assert page.nearest_point(far) is None


def test_scatter_builds_with_100000_points(qtbot):
    n = 100_000
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, n)
    x = rng.standard_normal((n, 8)).astype(np.float32) + labels[:, None]
    ds = Dataset("big", "tabular", "classification",
                 pd.DataFrame(x, columns=[f"f{i}" for i in range(8)]), labels.astype(np.int64),
                 [f"s{i}" for i in range(n)], class_names=["a", "b", "c", "d"])
    page = make_page(qtbot, ds)
    page.set_pca(PCAOutcome(run_pca(x, 3), x, False))
    items = scatter_items(page)
    assert sum(len(i.getData()[0]) for i in items) == n
    assert all(i.opts["pxMode"] for i in items) and len(items) == 4
    page.scatter_plot.grab()  # paints
    vb = page.scatter_plot.getPlotItem().getViewBox()
    index = page.nearest_point(vb.mapViewToScene(QPointF(*page._xy[777])))
    assert index is not None


def test_uniform_scatter_draws_what_pyqtgraph_draws(qtbot):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(3000), rng.standard_normal(3000)
    images = []
    for cls in (pg.ScatterPlotItem, UniformScatter):
        plot = pg.PlotWidget()
        qtbot.addWidget(plot)
        plot.resize(400, 300)
        plot.show()
        item = cls(pxMode=True, size=6, pen=None, brush=pg.mkBrush("#1f77b4"))
        item.setData(x=x, y=y)
        plot.addItem(item)
        plot.getPlotItem().getViewBox().setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
        images.append(plot.grab().toImage())
    assert images[0] == images[1]


def test_a_table_without_classes_colours_by_cluster(qtbot):
    ds = load_dataset("demo:diabetes")
    page = make_page(qtbot, ds)
    assert [page.colour_by.itemData(i) for i in range(page.colour_by.count())] == [
        "cluster", "none"]
    page.page_shown()  # opening the page runs the PCA
    qtbot.waitUntil(lambda: page.pca is not None, timeout=60_000)
    run_job(qtbot, page, page.kmeans_button)
    assert list(page.contingency_model.frame.columns) == ["cluster", "samples"]
    assert page.hover_text(0).splitlines()[1].startswith("target: ")


def test_jobs_can_be_cancelled(qtbot):
    strip = JobStrip()
    qtbot.addWidget(strip)
    results: list[object] = []

    def slow(progress, should_stop):
        progress(0.1, "waiting")
        while not should_stop():
            pass
        raise Cancelled()

    strip.start(slow, results.append, results.append)
    assert strip.running and strip.isVisible()
    with qtbot.waitSignal(strip.stopped, timeout=10_000):
        qtbot.mouseClick(strip.cancel_button, Qt.MouseButton.LeftButton)
    assert results == [] and not strip.running and not strip.isVisible()
