"""The Explore page: PCA and k-means on the loaded data, before (or beside) any network,
and, on its second tab, the k-mer spectrum and Jaccard similarity of sequences
(``app.widgets.kmer_view``).

The population-structure lecture in a few clicks: standardize, PCA, look at PC1 against
PC2 coloured by the known groups, read which features load on a component, then cluster
with k-means in the same space and compare the clusters with the groups (contingency
table, adjusted Rand index), choosing k with the elbow and silhouette curves. The work is
``core.classic`` (the functions ``mendel pca`` / ``mendel kmeans`` call) on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import plots
from app.pages.page import Page
from app.plots.numbers import significant
from app.state import AppState
from app.widgets.job_strip import JobStrip
from app.widgets.kmer_view import KmerView
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.table_model import DataFrameModel
from app.widgets.table_setup import make_table_view
from core.classic.kmeans import INITS, ElbowPoint, KMeansResult
from core.classic.pca import PCAResult
from core.progress import ProgressFn, StopFn, check_stop, wrap_progress

JOB_NAMES = {"pca": "PCA", "kmeans": "k-means", "elbow": "Elbow"}
TOP_LOADINGS = 12
HOVER_RADIUS_PX = 10.0
MAX_COMPONENTS = 50
TIPS = {
    "standardize": "Give every feature mean 0 and variance 1 first, so features measured in "
                   "large units do not dominate (use it when units differ).",
    "components": "How many principal components to compute; the scree plot shows how much "
                  "of the variance each one explains.",
    "colour": "Colour the points by their known class, by their k-means cluster, or not at "
              "all.",
    "k": "Number of clusters k-means looks for.",
    "init": "How the first centroids are picked: k-means++ spreads them out (better), random "
            "picks samples at random.",
    "n_init": "k-means runs this many times from different starts and keeps the tightest "
              "result.",
    "seed": "Fixes the random starts, so the same settings give the same clusters.",
    "elbow": "Run k-means for every k from 2 to this value: the elbow plot shows where more "
             "clusters stop paying off.",
}


@dataclass
class PCAOutcome:
    """A PCA and the matrix it was fitted on (k-means clusters the same matrix)."""

    pca: PCAResult
    matrix: np.ndarray
    standardized: bool


class ExplorePage(Page):
    """PCA scatter, scree and loadings; k-means with elbow, silhouette and contingency."""

    title = "Explore"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.pca: PCAOutcome | None = None
        self.kmeans: KMeansResult | None = None
        self.elbow_points: list[ElbowPoint] | None = None
        self._xy = np.zeros((0, 2))
        self._running: str | None = None  # the job under way ("pca", "kmeans", "elbow")
        self._queued: list[str] = []  # pressed while another ran: started after it
        self._build()
        state.datasetChanged.connect(self._on_dataset_changed)
        state.encodingChanged.connect(self._on_dataset_changed)
        self._on_dataset_changed()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message_bar = MessageBar()
        pca_box = QGroupBox("PCA")
        pca_form = QFormLayout(pca_box)
        pca_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.standardize = QCheckBox("standardize features")
        self.standardize.setChecked(True)
        self.standardize.setToolTip(TIPS["standardize"])
        self.components = QSpinBox()
        self.components.setRange(2, MAX_COMPONENTS)
        self.components.setValue(10)
        self.components.setToolTip(TIPS["components"])
        self.pca_button = QPushButton("Run PCA")
        self.pca_button.setObjectName("primaryButton")
        self.pca_button.clicked.connect(self.run_pca)
        pca_form.addRow(self.standardize)
        pca_form.addRow("Components", self.components)
        pca_form.addRow(self.pca_button)

        view_box = QGroupBox("Scatter")
        view_form = QFormLayout(view_box)
        view_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.x_component = QComboBox()
        self.y_component = QComboBox()
        self.colour_by = QComboBox()
        self.colour_by.setToolTip(TIPS["colour"])
        view_form.addRow("X axis", self.x_component)
        view_form.addRow("Y axis", self.y_component)
        view_form.addRow("Colour by", self.colour_by)
        for combo in (self.x_component, self.y_component, self.colour_by):
            combo.currentIndexChanged.connect(self._redraw_scatter)
        self.x_component.currentIndexChanged.connect(self._redraw_loadings)

        km_box = QGroupBox("k-means")
        km_form = QFormLayout(km_box)
        km_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.k = QSpinBox()
        self.k.setRange(2, 100)
        self.k.setValue(3)
        self.init = QComboBox()
        self.init.addItems(list(INITS))
        self.n_init = QSpinBox()
        self.n_init.setRange(1, 100)
        self.n_init.setValue(10)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.elbow_max = QSpinBox()
        self.elbow_max.setRange(3, 30)
        self.elbow_max.setValue(10)
        self.elbow_max.setPrefix("2 \u2026 ")
        for label, w, key in (("k (clusters)", self.k, "k"), ("Initialization", self.init, "init"),
                              ("Starts", self.n_init, "n_init"), ("Seed", self.seed, "seed"),
                              ("Elbow range", self.elbow_max, "elbow")):
            w.setToolTip(TIPS[key])
            km_form.addRow(label, w)
        self.kmeans_button = QPushButton("Run k-means")
        self.kmeans_button.clicked.connect(self.run_kmeans)
        self.elbow_button = QPushButton("Elbow")
        self.elbow_button.setToolTip(TIPS["elbow"])
        self.elbow_button.clicked.connect(self.run_elbow)
        buttons = QHBoxLayout()
        buttons.addWidget(self.kmeans_button)
        buttons.addWidget(self.elbow_button)
        km_form.addRow(buttons)

        self.jobs = JobStrip()
        self.jobs.stopped.connect(self._on_job_stopped)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #404040;")
        left = QWidget()
        left.setMaximumWidth(300)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        for w in (pca_box, view_box, km_box, self.jobs, self.info):
            left_layout.addWidget(w)
        left_layout.addStretch(1)

        on_error = self.message_bar.show_error
        self.scatter_plot = pg.PlotWidget()
        self.scatter_panel = PlotPanel(self.scatter_plot, "PCA scatter",
                                       "hover a point for its id", on_error)
        self.scree_plot = pg.PlotWidget()
        self.scree_panel = PlotPanel(self.scree_plot, "Variance explained", "", on_error)
        self.loadings_plot = pg.PlotWidget()
        self.loadings_panel = PlotPanel(self.loadings_plot, "Loadings",
                                        "features that weigh most", on_error)
        self.elbow_plot = pg.PlotWidget()
        self.elbow_panel = PlotPanel(self.elbow_plot, "Elbow", "choose k at the bend", on_error)
        self.silhouette_plot = pg.PlotWidget()
        self.silhouette_panel = PlotPanel(self.silhouette_plot, "Silhouette",
                                          "higher is better separated", on_error)
        self.contingency_model = DataFrameModel()
        self.contingency_view = make_table_view(self.contingency_model, stretch_last=False)
        self.ari_label = QLabel()
        self.ari_label.setWordWrap(True)
        contingency = QWidget()
        c_layout = QVBoxLayout(contingency)
        c_layout.setContentsMargins(0, 0, 0, 0)
        c_layout.addWidget(QLabel("<b>Clusters against classes</b>"))
        c_layout.addWidget(self.ari_label)
        c_layout.addWidget(self.contingency_view, 1)

        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.scree_panel)
        side.addWidget(self.loadings_panel)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.scatter_panel)
        top.addWidget(side)
        top.setSizes([1900, 1100])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.elbow_panel, self.silhouette_panel, contingency):
            bottom.addWidget(w)
        bottom.setSizes([1000, 1000, 1150])
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(bottom)
        right.setSizes([3000, 1700])
        for s in (side, top, bottom, right):
            s.setChildrenCollapsible(False)

        self.hover = pg.TextItem(color="#202020", fill=pg.mkBrush(255, 255, 255, 235),
                                 border=pg.mkPen("#909090"), anchor=(0, 1))
        self.hover_dot = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#202020", width=1.5),
                                            brush=None)
        self._hover_proxy = pg.SignalProxy(self.scatter_plot.scene().sigMouseMoved,
                                           rateLimit=30, slot=self._on_mouse_moved)

        pca_tab = QWidget()
        body = QHBoxLayout(pca_tab)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(left)
        body.addWidget(right, 1)
        self.kmer_view = KmerView(on_error)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(pca_tab, "PCA and k-means")
        self.tabs.addTab(self.kmer_view, "k-mers")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.tabs, 1)
        plots.base.shrinkable_hints(self, self._pca_panels())

    def _pca_panels(self) -> list[PlotPanel]:
        return [self.scatter_panel, self.scree_panel, self.loadings_panel, self.elbow_panel,
                self.silhouette_panel]

    def plot_panels(self) -> list[PlotPanel]:
        """The plots of the tab shown (File \u25b8 Export plot offers them)."""
        if self.tabs.currentWidget() is self.kmer_view:
            return self.kmer_view.plot_panels()
        return self._pca_panels()

    def show_kmers(self) -> None:
        """Open the k-mer tab (it counts at once on fresh sequences)."""
        self.tabs.setCurrentWidget(self.kmer_view)

    def _on_tab_changed(self) -> None:
        if self.tabs.currentWidget() is self.kmer_view:
            self.kmer_view.shown()

    def shutdown(self) -> None:
        self.jobs.stop_and_join()
        self.kmer_view.shutdown()

    def page_shown(self) -> None:
        """Opening the page on fresh data runs the PCA (or counts the k-mers, on that tab)
        at once (it is quick)."""
        if self.tabs.currentWidget() is self.kmer_view:
            self.kmer_view.shown()
        elif self.state.dataset is not None and self.pca is None and not self.jobs.running:
            self.run_pca()

    # -- state -------------------------------------------------------------------------------
    @property
    def has_classes(self) -> bool:
        ds = self.state.dataset
        return (ds is not None and ds.task == "classification" and ds.n_classes >= 2
                and not ds.info.get("unlabelled"))

    def _on_dataset_changed(self) -> None:
        self.jobs.stop_and_join()
        if self.kmer_view.dataset is not self.state.dataset:  # not on an encoding change
            self.kmer_view.set_dataset(self.state.dataset)
            if self.isVisible() and self.tabs.currentWidget() is self.kmer_view:
                self.kmer_view.shown()
        self._running, self._queued = None, []
        self.pca, self.kmeans, self.elbow_points = None, None, None
        ds = self.state.dataset
        self.colour_by.blockSignals(True)
        self.colour_by.clear()
        if self.has_classes:
            self.colour_by.addItem("class", "class")
            self.k.setValue(max(2, ds.n_classes))  # type: ignore[union-attr]
        self.colour_by.addItem("cluster", "cluster")
        self.colour_by.addItem("nothing", "none")
        self.colour_by.blockSignals(False)
        self._set_component_names([])
        for plot in (self.scatter_plot, self.scree_plot, self.loadings_plot):
            plots.base.new_plot(plot, "", "", legend=False)
        self._clear_kmeans_plots()
        self.scatter_panel.set_title("PCA scatter")
        self.loadings_panel.set_title("Loadings")
        self.scree_panel.set_hint("")
        self._xy = np.zeros((0, 2))
        self.contingency_model.set_frame(pd.DataFrame())
        self.ari_label.setText("Run k-means to compare the clusters with the known "
                               "classes." if self.has_classes else "Run k-means to see the "
                               "cluster sizes.")
        self.info.setText("Load data on the Data page first." if ds is None else
                          f"{ds.name}: {len(ds)} samples. Run PCA to see them.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Enabled while a job runs too: a press then queues its job (``_start``)."""
        ready = self.state.dataset is not None
        has_pca = self.pca is not None or "pca" in (self._running, *self._queued)
        self.pca_button.setEnabled(ready)
        self.kmeans_button.setEnabled(ready and has_pca)
        self.elbow_button.setEnabled(ready and has_pca)

    def _set_component_names(self, names: list[str]) -> None:
        for combo, default in ((self.x_component, 0), (self.y_component, 1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            if len(names) > default:
                combo.setCurrentIndex(default)
            combo.blockSignals(False)

    # -- jobs ----------------------------------------------------------------------------------
    def _start(self, kind: str, job: Callable, on_success: Callable, message: str) -> None:
        self._running = kind
        self.message_bar.clear()
        self.jobs.start(job, on_success, self.message_bar.show_error, message)
        self._update_buttons()

    def _busy(self, kind: str) -> bool:
        """True, and ``kind`` queued with a word in the message bar, while another job has
        not delivered yet: starting now would drop its result without a trace. The queued
        job reads the form (and the PCA) when it starts, so it uses the newest ones."""
        if self.jobs.worker is None or self._running is None:
            return False
        if kind not in self._queued:
            self._queued.append(kind)
        waiting = ", then ".join(JOB_NAMES[k] for k in self._queued)
        self.message_bar.show_message(f"{JOB_NAMES[self._running]} is running; {waiting} "
                                      "will start after it.", "info")
        self._update_buttons()
        return True

    def _on_job_stopped(self) -> None:
        """A job ended (result, error or Cancel): the next queued one starts once the page
        has shown this one's result (the strip calls the page back right after this)."""
        self._running = None
        self._update_buttons()
        if self._queued:
            QTimer.singleShot(0, self, self._start_queued)

    def _start_queued(self) -> None:
        if not self._queued or self.jobs.worker is not None:
            return
        kind = self._queued.pop(0)
        {"pca": self.run_pca, "kmeans": self.run_kmeans, "elbow": self.run_elbow}[kind]()

    def run_pca(self) -> None:
        ds = self.state.dataset
        if ds is None or self._busy("pca"):
            return
        standardize = self.standardize.isChecked()
        wanted = self.components.value()
        encoding = self.state.encoding

        def job(progress: ProgressFn, should_stop: StopFn) -> PCAOutcome:
            from core.classic.features import classic_encoding, feature_table
            from core.classic.features import standardize_columns as zscore
            from core.classic.pca import run_pca

            progress(0.0, "Building the feature table")
            x, features = feature_table(ds, classic_encoding(encoding))
            names = [f.label for f in features]  # loadings read "pixel (13, 22)"
            check_stop(should_stop)
            if standardize:
                x = zscore(x)
            k = min(wanted, *x.shape)
            pca = run_pca(x, k, feature_names=names, progress=wrap_progress(progress, 0.3, 1),
                          should_stop=should_stop)
            pca.standardized = standardize
            return PCAOutcome(pca, x, standardize)

        self._start("pca", job, self.set_pca, "Running PCA\u2026")

    def set_pca(self, outcome: PCAOutcome) -> None:
        """Show a PCA (the worker's result; tests may call it directly)."""
        self.pca, self.kmeans, self.elbow_points = outcome, None, None
        pca = outcome.pca
        self._set_component_names(pca.component_names)
        plots.scree(self.scree_plot, pca.explained_variance_ratio)
        cum = pca.cumulative
        two = float(cum[min(1, len(cum) - 1)]) * 100
        self.scree_panel.set_hint(f"PC1 + PC2 explain {two:.1f} %")
        scaled = "standardized" if outcome.standardized else "unscaled"
        self.info.setText(f"PCA of {pca.n_samples:,} samples \u00d7 {pca.n_features:,} "
                          f"features ({scaled}, {pca.solver} solver).")
        self._clear_kmeans_plots()
        self.contingency_model.set_frame(pd.DataFrame())
        self._redraw_scatter()
        self._redraw_loadings()
        self._update_buttons()

    def run_kmeans(self) -> None:
        if self._busy("kmeans"):
            return
        ds, outcome = self.state.dataset, self.pca
        if ds is None or outcome is None:
            return
        k, init, n_init, seed = (self.k.value(), self.init.currentText(), self.n_init.value(),
                                 self.seed.value())
        labels = ds.targets if self.has_classes else None
        names = ds.class_names if self.has_classes else None

        def job(progress: ProgressFn, should_stop: StopFn) -> KMeansResult:
            from core.classic.kmeans import run_kmeans

            return run_kmeans(outcome.matrix, k, init=init, n_init=n_init, seed=seed,
                              labels=labels, class_names=names, progress=progress,
                              should_stop=should_stop)

        self._start("kmeans", job, self.set_kmeans, f"k-means, k = {k}\u2026")

    def set_kmeans(self, result: KMeansResult) -> None:
        self.kmeans = result
        if self.colour_by.currentData() != "cluster" and not self.has_classes:
            self.colour_by.setCurrentIndex(self.colour_by.findData("cluster"))
        self._redraw_scatter()
        self._redraw_kmeans_plots()
        table = result.contingency_frame()
        if table is not None:
            table = table.copy()
            table["cluster"] = result.cluster_names
            self.contingency_model.set_frame(table)
            self.ari_label.setText(
                f"Adjusted Rand index <b>{significant(result.ari)}</b> (1: clusters = "
                "classes, 0: chance)")
        else:
            sizes = pd.DataFrame({"cluster": result.cluster_names, "samples": result.sizes})
            self.contingency_model.set_frame(sizes)
            self.ari_label.setText("The data has no known classes; the table lists the "
                                   "cluster sizes.")
        sil = "undefined" if result.silhouette is None else significant(result.silhouette)
        self.info.setText(f"k-means, k = {result.k}: inertia {significant(result.inertia)}, "
                          f"silhouette {sil}, {result.n_iter} iterations.")

    def run_elbow(self) -> None:
        if self._busy("elbow"):
            return
        outcome = self.pca
        if outcome is None:
            return
        top = min(self.elbow_max.value(), len(outcome.matrix))
        ks = list(range(2, top + 1))
        init, n_init, seed = self.init.currentText(), self.n_init.value(), self.seed.value()

        def job(progress: ProgressFn, should_stop: StopFn) -> list[ElbowPoint]:
            from core.classic.kmeans import elbow

            return elbow(outcome.matrix, ks, seed=seed, init=init, n_init=n_init,
                         progress=progress, should_stop=should_stop)

        self._start("elbow", job, self.set_elbow, f"k-means for k = 2\u2026{top}")

    def set_elbow(self, points: list[ElbowPoint]) -> None:
        self.elbow_points = points
        self._redraw_kmeans_plots()

    # -- drawing ---------------------------------------------------------------------------------
    def _clear_kmeans_plots(self) -> None:
        """Empty elbow and silhouette plots (no axes, ticks or range of earlier data) with a
        hint saying how to fill them."""
        for plot in (self.elbow_plot, self.silhouette_plot):
            plots.base.new_plot(plot, "", "", legend=False)
            plot.getPlotItem().getViewBox().setRange(xRange=(0, 1), yRange=(0, 1))
        first = "run PCA, then " if self.pca is None else ""
        hint = f"{first}press Elbow to try k = 2 \u2026 {self.elbow_max.value()}"
        self.elbow_panel.set_hint(hint)
        self.silhouette_panel.set_hint(hint)

    def _redraw_kmeans_plots(self) -> None:
        """The curves over k once Elbow has run (one k alone makes no curve)."""
        chosen = self.kmeans.k if self.kmeans is not None else None
        points = self.elbow_points
        if not points:
            self._clear_kmeans_plots()
            return
        ks = [p.k for p in points]
        plots.elbow(self.elbow_plot, ks, [p.inertia for p in points], chosen)
        plots.silhouette(self.silhouette_plot, ks, [p.silhouette for p in points], chosen)
        self.elbow_panel.set_hint("choose k at the bend")
        self.silhouette_panel.set_hint("higher is better separated")

    def scatter_groups(self) -> tuple[np.ndarray | None, list[str] | None]:
        """The colour group of each point and the groups' names, per "Colour by"."""
        mode = self.colour_by.currentData()
        ds = self.state.dataset
        if mode == "class" and ds is not None and self.has_classes:
            return ds.targets, list(ds.class_names or [])
        if mode == "cluster" and self.kmeans is not None:
            return self.kmeans.assignments, self.kmeans.cluster_names
        return None, None

    def _redraw_scatter(self) -> None:
        if self.pca is None:
            return
        pca = self.pca.pca
        i = max(self.x_component.currentIndex(), 0)
        j = max(self.y_component.currentIndex(), 0)
        j = j if j < pca.n_components else min(1, pca.n_components - 1)
        self._xy = np.column_stack([pca.scores[:, i], pca.scores[:, j]])
        groups, names = self.scatter_groups()
        centroids = None
        if self.kmeans is not None and self.colour_by.currentData() == "cluster":
            projected = (self.kmeans.centroids - pca.mean) @ pca.components.T
            centroids = projected[:, [i, j]]
        xn, yn = pca.component_names[i], pca.component_names[j]
        ratio = pca.explained_variance_ratio
        plots.scatter(self.scatter_plot, self._xy[:, 0], self._xy[:, 1], groups, names,
                      f"{xn} ({ratio[i] * 100:.1f} %)", f"{yn} ({ratio[j] * 100:.1f} %)",
                      centroids=centroids)
        item = self.scatter_plot.getPlotItem()
        for hover_item in (self.hover, self.hover_dot):
            hover_item.setZValue(100)
            hover_item.hide()
            item.addItem(hover_item, ignoreBounds=True)
        self.scatter_panel.set_title(f"{xn} against {yn}")

    def _redraw_loadings(self) -> None:
        if self.pca is None:
            return
        pca = self.pca.pca
        i = max(self.x_component.currentIndex(), 0)
        top = pca.top_loadings(i, TOP_LOADINGS)
        plots.loadings(self.loadings_plot, [f for f, _ in top], [v for _, v in top],
                       pca.component_names[i])
        self.loadings_panel.set_title(f"Loadings on {pca.component_names[i]}")

    # -- hover -----------------------------------------------------------------------------------
    def nearest_point(self, scene_pos: QPointF) -> int | None:
        """Index of the sample drawn nearest to ``scene_pos`` within a few pixels."""
        if len(self._xy) == 0:
            return None
        vb = self.scatter_plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        mouse = vb.mapSceneToView(scene_pos)
        px, py = vb.viewPixelSize()  # view units per pixel
        dx = (self._xy[:, 0] - mouse.x()) / (px or 1.0)
        dy = (self._xy[:, 1] - mouse.y()) / (py or 1.0)
        d2 = dx * dx + dy * dy
        best = int(np.argmin(d2))
        return best if d2[best] <= HOVER_RADIUS_PX ** 2 else None

    def hover_text(self, index: int) -> str:
        ds = self.state.dataset
        lines = [ds.ids[index] if ds is not None and index < len(ds.ids) else f"#{index + 1}"]
        if ds is not None and self.has_classes:
            lines.append(f"class: {(ds.class_names or [])[int(ds.targets[index])]}")
        elif ds is not None and ds.task == "regression" and not ds.info.get("unlabelled"):
            lines.append(f"target: {significant(float(ds.targets[index]))}")
        if self.kmeans is not None:
            lines.append(f"cluster: {int(self.kmeans.assignments[index])}")
        return "\n".join(lines)

    def _on_mouse_moved(self, args: tuple) -> None:
        index = self.nearest_point(args[0])
        if index is None:
            self.hover.hide()
            self.hover_dot.hide()
            return
        x, y = self._xy[index]
        self.hover.setText(self.hover_text(index))
        self.hover.setPos(x, y)
        self.hover_dot.setData([x], [y])
        self.hover.show()
        self.hover_dot.show()
