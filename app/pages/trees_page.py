"""The Trees page: fit a decision tree on the loaded data and read it as a diagram.

Every tree option of ``mendel tree`` is a field here, and the same core calls run on a
worker (``core.classic.tree.fit_tree`` and ``depth_curve``): the rows are split as the
command line splits them (a seeded, stratified held-out part; 0 fits on every row), the
features are the modality's flat features, unscaled, so thresholds read in the data's
units. The accuracy-versus-depth plot shows where deeper trees stop generalizing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import plots
from app.pages.page import Page
from app.state import AppState
from app.widgets.job_strip import JobStrip
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.tree_diagram import TreeDiagram
from core.classic.tree import CLASSIFICATION_CRITERIA, REGRESSION_CRITERIA, DepthPoint, TreeResult
from core.errors import ExportError, MendelError
from core.progress import ProgressFn, StopFn, check_stop, wrap_progress

TIPS = {
    "criterion": "How a split is scored: gini and entropy both measure how mixed the classes "
                 "in a node are (entropy is the lecture's choice); squared error for numbers.",
    "max_depth": "Longest chain of questions from the root to a leaf; 0 lets the tree grow "
                 "until every leaf is pure (and usually overfits).",
    "min_samples_leaf": "Fewest training samples a leaf may hold; larger values give "
                        "smaller, smoother trees.",
    "ccp_alpha": "Cost-complexity pruning: cuts branches whose gain in purity is below this "
                 "value (0 = no pruning).",
    "class_weight": "'balanced' weighs each class by the inverse of its frequency, so a "
                    "rare class still shapes the splits.",
    "test_fraction": "Share of the rows held out to measure the tree on data it has not "
                     "seen; 0 fits on every row (as the iris lecture does).",
    "seed": "Fixes the held-out rows and the tie-breaking between equally good splits.",
}


@dataclass
class TreeFit:
    """What one Fit produces."""

    result: TreeResult
    curve: list[DepthPoint]
    n_train: int
    n_test: int


class TreesPage(Page):
    """Tree options on the left; the diagram, the depth curve and importances on the right."""

    title = "Trees"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.fit_result: TreeFit | None = None
        self._build()
        state.datasetChanged.connect(self._on_dataset_changed)
        state.encodingChanged.connect(self._on_dataset_changed)
        self._on_dataset_changed()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message_bar = MessageBar()
        options = QGroupBox("Tree options")
        form = QFormLayout(options)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.criterion = QComboBox()
        self.max_depth = QSpinBox()
        self.max_depth.setRange(0, 100)
        self.max_depth.setSpecialValueText("none")
        self.min_samples_leaf = QSpinBox()
        self.min_samples_leaf.setRange(1, 100_000)
        self.ccp_alpha = QDoubleSpinBox()
        self.ccp_alpha.setDecimals(4)
        self.ccp_alpha.setRange(0.0, 10.0)
        self.ccp_alpha.setSingleStep(0.001)
        self.class_weight = QComboBox()
        self.class_weight.addItems(["none", "balanced"])
        self.test_fraction = QDoubleSpinBox()
        self.test_fraction.setRange(0.0, 0.9)
        self.test_fraction.setSingleStep(0.05)
        self.test_fraction.setValue(0.25)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        for key, label, w in (("criterion", "Criterion", self.criterion),
                              ("max_depth", "Maximum depth", self.max_depth),
                              ("min_samples_leaf", "Min. samples per leaf", self.min_samples_leaf),
                              ("ccp_alpha", "Pruning (ccp \u03b1)", self.ccp_alpha),
                              ("class_weight", "Class weights", self.class_weight),
                              ("test_fraction", "Held-out fraction", self.test_fraction),
                              ("seed", "Seed", self.seed)):
            text = QLabel(label)
            text.setToolTip(TIPS[key])
            w.setToolTip(TIPS[key])
            form.addRow(text, w)
        self.fit_button = QPushButton("Fit tree")
        self.fit_button.setObjectName("primaryButton")
        self.fit_button.setToolTip("Fit a decision tree with these options (Ctrl+Return)")
        self.fit_button.clicked.connect(self.fit)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.fit)
        self.jobs = JobStrip()
        self.result_box = QGroupBox("Result")
        result_form = QFormLayout(self.result_box)
        result_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.result_labels: dict[str, QLabel] = {}
        for key in ("rows", "train", "test", "size", "root", "best"):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name = QLabel()
            result_form.addRow(name, value)
            self.result_labels[key] = value
            self.result_labels[f"{key}_name"] = name
        self.export_diagram_button = QToolButton()
        self.export_diagram_button.setText("Export diagram")
        self.export_diagram_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_diagram_button)
        menu.addAction("As PNG image\u2026").triggered.connect(self.export_png_dialog)
        menu.addAction("As SVG drawing\u2026").triggered.connect(self.export_svg_dialog)
        self.export_diagram_button.setMenu(menu)
        self.save_rules_button = QPushButton("Save rules\u2026")
        self.save_rules_button.setToolTip("Save the tree as if/else rules in a text file")
        self.save_rules_button.clicked.connect(self.save_rules_dialog)
        exports = QHBoxLayout()
        exports.addWidget(self.export_diagram_button)
        exports.addWidget(self.save_rules_button)
        left = QWidget()
        left.setMaximumWidth(330)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(options)
        left_layout.addWidget(self.fit_button)
        left_layout.addWidget(self.jobs)
        left_layout.addWidget(self.result_box)
        left_layout.addLayout(exports)
        left_layout.addStretch(1)

        self.diagram = TreeDiagram()
        zoom_bar = QHBoxLayout()
        zoom_bar.setContentsMargins(4, 0, 0, 0)
        self.diagram_title = QLabel("<b>Tree</b>")
        zoom_bar.addWidget(self.diagram_title)
        hint = QLabel("click a node to fold or unfold its branch \u00b7 drag to pan \u00b7 "
                      "Ctrl+wheel to zoom")
        hint.setStyleSheet("color: #707070;")
        zoom_bar.addWidget(hint, 1)
        for text, tip, slot in (("\u2212", "Zoom out", self.diagram.zoom_out),
                                ("+", "Zoom in", self.diagram.zoom_in),
                                ("Whole tree", "Fit the whole tree in view", self._whole_tree),
                                ("100 %", "Actual size", self._actual_size),
                                ("Unfold all", "Unfold every folded branch", self._expand_all)):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.clicked.connect(slot)
            zoom_bar.addWidget(b)
        diagram_box = QWidget()
        diagram_layout = QVBoxLayout(diagram_box)
        diagram_layout.setContentsMargins(0, 0, 0, 0)
        diagram_layout.setSpacing(2)
        diagram_layout.addLayout(zoom_bar)
        diagram_layout.addWidget(self.diagram, 1)

        on_error = self.message_bar.show_error
        self.depth_plot = pg.PlotWidget()
        self.depth_panel = PlotPanel(self.depth_plot, "Accuracy by depth",
                                     "where the held-out score stops rising, deeper trees "
                                     "overfit", on_error)
        self.importance_plot = pg.PlotWidget()
        self.importance_panel = PlotPanel(self.importance_plot, "Feature importances",
                                          "share of the impurity decrease", on_error)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.depth_panel)
        bottom.addWidget(self.importance_panel)
        bottom.setChildrenCollapsible(False)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(diagram_box)
        right.addWidget(bottom)
        right.setChildrenCollapsible(False)
        right.setSizes([3000, 2000])  # proportions: the diagram gets the larger share
        bottom.setSizes([1000, 1000])
        self.results = QStackedWidget()
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #707070; font-size: 13pt;")
        self.results.addWidget(self.placeholder)
        self.results.addWidget(right)

        body = QHBoxLayout()
        body.addWidget(left)
        body.addWidget(self.results, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addLayout(body, 1)
        plots.base.shrinkable_hints(self, self.plot_panels())

    def plot_panels(self) -> list[PlotPanel]:
        return [self.depth_panel, self.importance_panel]

    def shutdown(self) -> None:
        self.jobs.stop_and_join()

    def shortcuts(self) -> list[tuple[str, str]]:
        return [("Ctrl+Return", "Trees: fit the tree"), ("Ctrl+wheel", "Trees: zoom the diagram")]

    # -- state -----------------------------------------------------------------------------------
    def _on_dataset_changed(self) -> None:
        self.jobs.stop_and_join()
        ds = self.state.dataset
        task = ds.task if ds is not None else "classification"
        criteria = CLASSIFICATION_CRITERIA if task == "classification" else REGRESSION_CRITERIA
        current = self.criterion.currentText()
        self.criterion.clear()
        self.criterion.addItems(list(criteria))
        if current in criteria:
            self.criterion.setCurrentText(current)
        self.class_weight.setEnabled(task == "classification")
        if task != "classification":
            self.class_weight.setCurrentText("none")
        self.fit_button.setEnabled(ds is not None)
        self._show_result(None)
        if ds is None:
            self.placeholder.setText("Load data on the Data page (or a demo from File \u25b8 "
                                     "Demo datasets), then fit a tree here.")
        else:
            self.placeholder.setText(f"Press <b>Fit tree</b> to grow a decision tree on "
                                     f"{ds.name} ({len(ds)} samples).")

    def settings(self) -> dict[str, Any]:
        """The options as ``fit_tree`` keywords."""
        task = self.state.dataset.task if self.state.dataset is not None else "classification"
        return dict(
            criterion=self.criterion.currentText(),
            max_depth=self.max_depth.value() or None,
            min_samples_leaf=self.min_samples_leaf.value(),
            ccp_alpha=self.ccp_alpha.value(),
            class_weight=(self.class_weight.currentText()
                          if self.class_weight.currentText() != "none" else None),
            seed=self.seed.value(),
            task=task,
        )

    def set_settings(self, criterion: str | None = None, max_depth: int | None = None,
                     test_fraction: float | None = None, **others: Any) -> None:
        """Fill the form (scripts, tests and the screenshot tool use it)."""
        if criterion is not None:
            self.criterion.setCurrentText(criterion)
        if max_depth is not None:
            self.max_depth.setValue(max_depth)
        if test_fraction is not None:
            self.test_fraction.setValue(test_fraction)
        for key, value in others.items():
            widget = getattr(self, key)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(str(value))
            else:
                widget.setValue(value)

    # -- fitting -------------------------------------------------------------------------------
    def fit(self) -> None:
        ds = self.state.dataset
        if ds is None:
            self.message_bar.show_message("Load data first.", "warning")
            return
        if ds.task == "classification" and ds.n_classes < 2:
            self.message_bar.show_error("a classification tree needs labels with at least "
                                        "two classes")
            return
        self.message_bar.clear()
        settings = self.settings()
        test_fraction = self.test_fraction.value()
        use_file_split = self.state.split_options.use_file_split
        encoding = self.state.encoding

        def job(progress: ProgressFn, should_stop: StopFn) -> TreeFit:
            from core.classic.features import classic_encoding, feature_matrix
            from core.classic.tree import depth_curve, fit_tree
            from core.data.splits import make_split

            progress(0.0, "Preparing the features")
            split = make_split(ds, val_fraction=0.0, test_fraction=test_fraction,
                               seed=settings["seed"], use_file_split=use_file_split)
            train = np.sort(np.concatenate([split.train, split.val]))
            test = split.test
            x, names = feature_matrix(ds, classic_encoding(encoding), train)
            check_stop(should_stop)
            held = (x[test], ds.targets[test]) if len(test) else (None, None)
            result = fit_tree(x[train], ds.targets[train], *held, feature_names=names,
                              class_names=ds.class_names, **settings,
                              progress=wrap_progress(progress, 0.05, 0.4),
                              should_stop=should_stop)
            curve_settings = {k: v for k, v in settings.items() if k != "max_depth"}
            curve = depth_curve(x[train], ds.targets[train], *held, max_depth=None,
                                **curve_settings, progress=wrap_progress(progress, 0.4, 1.0),
                                should_stop=should_stop)
            return TreeFit(result, curve, len(train), len(test))

        self.jobs.start(job, self._on_fitted, self._on_failed, "Fitting the tree\u2026")

    def _on_fitted(self, fit: TreeFit) -> None:
        self._show_result(fit)

    def _on_failed(self, message: str) -> None:
        self.message_bar.show_error(message)

    def _show_result(self, fit: TreeFit | None) -> None:
        self.fit_result = fit
        has = fit is not None
        self.export_diagram_button.setEnabled(has)
        self.save_rules_button.setEnabled(has)
        if fit is None:
            self.results.setCurrentIndex(0)
            self._show_summary(None)
            self.diagram.set_tree(None)
            return
        r = fit.result
        self.results.setCurrentIndex(1)
        self.diagram.set_tree(r)
        self.diagram_title.setText(f"<b>Tree</b> \u2013 {r.n_nodes} nodes, {r.n_leaves} "
                                   f"leaves, depth {r.depth}")
        metric = "accuracy" if r.task == "classification" else "R\u00b2"
        key = "accuracy" if r.task == "classification" else "r2"
        depths = [p.depth for p in fit.curve]
        plots.depth_curve(self.depth_plot, depths, [p.train for p in fit.curve],
                          [p.test for p in fit.curve], metric, current_depth=r.depth)
        self.depth_panel.set_title(f"{metric[0].upper()}{metric[1:]} by depth")
        plots.importances(self.importance_plot, [f for f, _ in r.feature_importances],
                          [v for _, v in r.feature_importances])
        self._show_summary(fit, key, metric)

    def _show_summary(self, fit: TreeFit | None, key: str = "", metric: str = "") -> None:
        """Fill the Result box (hidden without a tree)."""
        self.result_box.setVisible(fit is not None)
        if fit is None:
            return
        r = fit.result
        best = plots.best_depth([p.depth for p in fit.curve], [p.test for p in fit.curve])
        test = (r.test_metrics or {}).get(key)
        rows = {
            "rows": ("Fitted on", f"{fit.n_train} rows" + (f", {fit.n_test} held out"
                                                          if fit.n_test else " (all)")),
            "train": (f"Training {metric}", "" if r.train_metrics.get(key) is None
                      else f"<b>{r.train_metrics[key]:.3f}</b>"),
            "test": (f"Held-out {metric}", "" if test is None else f"<b>{test:.3f}</b>"),
            "size": ("Tree", f"{r.n_nodes} nodes, {r.n_leaves} leaves, depth {r.depth}"),
            "root": ("Root split", r.root_split or "none (a single leaf)"),
            "best": ("Best held-out depth", "" if best is None else str(best)),
        }
        for k, (name, value) in rows.items():
            self.result_labels[f"{k}_name"].setText(name)
            self.result_labels[k].setText(value)
            for label in (self.result_labels[k], self.result_labels[f"{k}_name"]):
                label.setVisible(bool(value))

    def summary_text(self) -> str:
        """The Result box as plain lines (tests and the status bar read it)."""
        if self.fit_result is None:
            return ""
        keys = ("rows", "train", "test", "size", "root", "best")
        return "\n".join(f"{self.result_labels[f'{k}_name'].text()}: "
                         f"{self.result_labels[k].text()}".replace("<b>", "").replace("</b>", "")
                         for k in keys if self.result_labels[k].text())

    # -- view and export -------------------------------------------------------------------------
    def _whole_tree(self) -> None:
        self.diagram.fit()

    def _actual_size(self) -> None:
        self.diagram.set_zoom(1.0)

    def _expand_all(self) -> None:
        self.diagram.expand_all()

    def export_png_dialog(self) -> None:
        self._export_dialog("png", "PNG image (*.png)")

    def export_svg_dialog(self) -> None:
        self._export_dialog("svg", "SVG drawing (*.svg)")

    def _export_dialog(self, kind: str, filt: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the tree diagram",
                                              f"tree.{kind}", filt)
        if not path:
            return
        if Path(path).suffix.lower() != f".{kind}":
            path += f".{kind}"
        try:
            self.diagram.export(path)
        except ExportError as exc:
            self.message_bar.show_error(str(exc))
        else:
            self.message_bar.show_message(f"Saved {path}", "success")

    def save_rules_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the tree's rules", "rules.txt",
                                              "Text file (*.txt)")
        if path:
            self.save_rules(path)

    def save_rules(self, path: str | Path) -> Path | None:
        """Write the rules as text (what ``mendel tree --out`` writes as rules.txt)."""
        from core.atomic import write_text_atomic

        if self.fit_result is None:
            return None
        try:
            write_text_atomic(Path(path), self.fit_result.result.rules_text)
        except (OSError, MendelError) as exc:
            self.message_bar.show_error(f"{path}: cannot write the rules ({exc})")
            return None
        self.message_bar.show_message(f"Saved {path}", "success")
        return Path(path)
