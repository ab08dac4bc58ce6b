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


def open_kmer_tab(qtbot, page: ExplorePage) -> None:
    """Click the "k-mers" tab as a user would; fresh sequences are counted at once."""
    bar = page.tabs.tabBar()
    with qtbot.waitSignal(page.kmer_view.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert page.tabs.currentWidget() is page.kmer_view
    assert not page.message_bar.isVisible(), page.message_bar.text


def test_the_kmer_view_counts_and_compares_sequences(qtbot, tmp_path):
    from app.plots.export import plot_csv_text
    from core.classic.kmers import kmer_spectrum

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(60)]
    path = tmp_path / "reads.fa"
    path.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    page = make_page(qtbot, load_dataset(str(path), LoadOptions(labelled=False)))
    view = page.kmer_view
    open_kmer_tab(qtbot, page)
    assert page.plot_panels() == [view.spectrum_panel, view.jaccard_panel]
    assert view.result.k == 4
    np.testing.assert_array_equal(view.result.counts, kmer_spectrum(seqs, 4))
    assert view.result.jaccard.shape == (50, 50)  # the first 50 of 60 sequences
    assert "the first 50 of 60 sequences" in view.jaccard_panel.hint.text()
    assert view.between.currentText() == "first 50 sequences"
    # k = 2: one bar per 2-mer, and the CSV export is that table
    view.k.setValue(2)
    assert "press Count k-mers" in view.info.text()
    with qtbot.waitSignal(view.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(view.count_button, Qt.MouseButton.LeftButton)
    csv = plot_csv_text(view.spectrum_plot).splitlines()
    assert csv[0] == "kmer,count,frequency" and len(csv) == 17
    assert view.spectrum_panel.title == "2-mer spectrum"
    table = view.jaccard_plot.getPlotItem().export_table
    assert list(table.columns[:3]) == ["name", "s0", "s1"]
    assert np.allclose(np.diag(table.iloc[:, 1:].to_numpy(dtype=float)), 1.0)


def test_the_kmer_view_compares_files_and_explains_other_data(qtbot, tmp_path):
    folder = tmp_path / "genomes"
    folder.mkdir()
    (folder / "alpha.fa").write_text(">a1\nACGTACGTAC\n>a2\nACGTTTACGT\n")
    (folder / "beta.fa").write_text(">b1\nGGGGCCCCGG\n>b2\nGGCCGGCCAA\n")
    ds = load_dataset(str(folder))
    page = make_page(qtbot, ds)
    view = page.kmer_view
    view.k.setValue(3)
    view.between.setCurrentIndex(view.between.findData("classes"))
    assert view.between.currentText() == "files"
    open_kmer_tab(qtbot, page)
    assert view.result.names == ["alpha", "beta"]
    assert view.result.jaccard[0, 1] == 0  # the two files share no 3-mer
    assert "between 2 files" in view.jaccard_panel.hint.text()
    # a table: one sentence instead of plots, nothing to press
    page.state.set_dataset(load_dataset("demo:iris"), "demo:iris", LoadOptions())
    assert view.stack.currentIndex() == 0 and not view.count_button.isEnabled()
    assert "k-mer spectra are for DNA or RNA sequences" in view.empty.text()
    assert view.empty.isVisible() and view.result is None
