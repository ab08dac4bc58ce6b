"""The Trees page: fit a decision tree on the loaded data and read it as a diagram.

Every tree option of ``mendel tree`` is a field here, and the same core calls run on a
worker (``core.classic.tree.fit_tree`` and ``depth_curve``). The rows are the session's
split (``AppState.split``, made on the Data page), used as everywhere else: the tree is
fitted on the training rows, the accuracy-versus-depth curve and the best depth are
measured on the validation rows, and the test rows are scored once, for the tree fitted,
so its test figure is the one the Train page's tree baseline reports for the same rows.
The features are the modality's flat features, unscaled, so thresholds read in the
data's units, and named as a reader says them ("position 30 is G", "pixel (13, 22)").
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
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import plots
from app.file_guard import write_problem
from app.pages.page import Page
from app.plots.numbers import significant
from app.settings import dialog_path, remember_dialog_dir
from app.state import AppState
from app.widgets.job_strip import JobStrip
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.tree_diagram import TreeDiagram
from core.classic.tree import CLASSIFICATION_CRITERIA, REGRESSION_CRITERIA, DepthPoint, TreeResult
from core.data.files import display
from core.errors import ExportError, MendelError
from core.progress import ProgressFn, StopFn

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
    "split": "The rows are the session's split, made on the Data page (change its fractions "
             "there): the tree is fitted on the training rows, its depth is judged on the "
             "validation rows, and the test rows are scored once, for the tree you fit. "
             "With no validation or test rows the tree is fitted on every row.",
    "seed": "Fixes the tie-breaking between equally good splits.",
}


ROWS = ("rows", "train", "val", "test", "size", "root", "best")  # the Result box's lines


def _figure(value: float | None) -> str:
    """A score in bold with the pages' significant digits ("" when there is none)."""
    return "" if value is None else f"<b>{significant(value)}</b>"


@dataclass
class TreeFit:
    """What one Fit produces."""

    result: TreeResult
    curve: list[DepthPoint]  # training and validation score by depth (never the test rows)
    n_train: int
    n_test: int
    n_val: int = 0


class TreesPage(Page):
    """Tree options on the left; the diagram, the depth curve and importances on the right."""

    title = "Trees"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.fit_result: TreeFit | None = None
        self._build()
        state.datasetChanged.connect(self._on_dataset_changed)
        state.encodingChanged.connect(self._on_dataset_changed)
        state.splitChanged.connect(self._on_dataset_changed)
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
        # The rows come from the session's split: shown, not chosen here.
        self.split_label = QLabel()
        self.split_label.setWordWrap(True)
        self.split_label.setStyleSheet("color: #505050;")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        for key, label, w in (("criterion", "Criterion", self.criterion),
                              ("max_depth", "Maximum depth", self.max_depth),
                              ("min_samples_leaf", "Min. samples per leaf", self.min_samples_leaf),
                              ("ccp_alpha", "Pruning (ccp \u03b1)", self.ccp_alpha),
                              ("class_weight", "Class weights", self.class_weight),
                              ("split", "Rows", self.split_label),
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
        for key in ROWS:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name = QLabel()
            result_form.addRow(name, value)
            self.result_labels[key] = value
            self.result_labels[f"{key}_name"] = name
        self.use_best_button = QPushButton()
        self.use_best_button.setToolTip("Fit again with the maximum depth set to the depth "
                                        "that scored best on the validation rows")
        self.use_best_button.clicked.connect(self.use_best_depth)
        result_form.addRow(self.use_best_button)
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
        hint.setToolTip(hint.text())
        # Title and hint are cut rather than widen the window (a big tree's title grows):
        # the title keeps its width while there is room, the hint takes what is left.
        self.diagram_title.setMinimumWidth(40)
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
                                     "where the validation score stops rising, deeper trees "
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
        return [("Trees: fit the tree", "Ctrl+Return"), ("Trees: zoom the diagram", "Ctrl+wheel")]

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
        self.split_label.setText(self._split_text())

    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(training, validation, test) row indices: the session's split (None without
        data). Without validation and test rows every row is a training row."""
        ds, split = self.state.dataset, self.state.split
        if ds is None:
            return None
        if split is None:
            every = np.arange(len(ds), dtype=np.int64)
            return every, every[:0], every[:0]
        return (np.asarray(split.train, np.int64), np.asarray(split.val, np.int64),
                np.asarray(split.test, np.int64))

    def _split_text(self) -> str:
        rows = self._rows()
        if rows is None:
            return "the Data page's split, once data is loaded"
        train, val, test = (len(r) for r in rows)
        if not val and not test:
            return f"all {train:,} rows (the Data page's split holds out none)"
        return (f"{train:,} training \u00b7 {val:,} validation \u00b7 {test:,} test "
                "(the Data page's split)")

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
                     **others: Any) -> None:
        """Fill the form (scripts, tests and the screenshot tool use it). The rows are the
        session's split: set it with ``AppState.set_split_options``."""
        if criterion is not None:
            self.criterion.setCurrentText(criterion)
        if max_depth is not None:
            self.max_depth.setValue(max_depth)
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
        rows = self._rows()
        if rows is None:
            return
        self.message_bar.clear()
        settings = self.settings()
        encoding = self.state.encoding
        train, val, test = rows

        def job(progress: ProgressFn, should_stop: StopFn) -> TreeFit:
            from core.classic.tree_depth import tree_on_split

            # the depth is judged on the validation rows: the test rows never choose
            fitted = tree_on_split(ds, train, val, test, encoding, settings, progress,
                                   should_stop)
            return TreeFit(fitted.result, fitted.curve, len(train), len(test), len(val))

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
                          [p.test for p in fit.curve], metric, current_depth=r.depth,
                          held_out="validation")
        self.depth_panel.set_title(f"{metric[0].upper()}{metric[1:]} by depth")
        plots.importances(self.importance_plot, [f for f, _ in r.feature_importances],
                          [v for _, v in r.feature_importances])
        self._show_summary(fit, key, metric)

    def _show_summary(self, fit: TreeFit | None, key: str = "", metric: str = "") -> None:
        """Fill the Result box (hidden without a tree). Each figure names the rows it was
        measured on; the depth is chosen on validation rows, the test rows only score."""
        self.result_box.setVisible(fit is not None)
        self.use_best_button.setVisible(False)
        if fit is None:
            return
        r = fit.result
        best = plots.best_depth([p.depth for p in fit.curve], [p.test for p in fit.curve])
        held = [f"{fit.n_val:,} validation" if fit.n_val else "",
                f"{fit.n_test:,} test rows held out" if fit.n_test else ""]
        held_text = " and ".join(h for h in held if h)
        rows = {
            "rows": ("Fitted on", f"{fit.n_train:,} training rows"
                     + (f"; {held_text}" if held_text else " (all rows)")),
            "train": (f"Training {metric}", _figure(r.train_metrics.get(key))),
            "val": (f"Validation {metric}", _figure((r.val_metrics or {}).get(key))),
            "test": (f"Held-out {metric} (test)", _figure((r.test_metrics or {}).get(key))),
            "size": ("Tree", f"{r.n_nodes} nodes, {r.n_leaves} leaves, depth {r.depth}"),
            "root": ("Root split", r.root_split or "none (a single leaf)"),
            "best": ("Best held-out depth (validation)", "" if best is None else str(best)),
        }
        for k, (name, value) in rows.items():
            self.result_labels[f"{k}_name"].setText(name)
            self.result_labels[k].setText(value)
            for label in (self.result_labels[k], self.result_labels[f"{k}_name"]):
                label.setVisible(bool(value))
        if best is not None and best != r.depth:
            self.use_best_button.setText(f"Fit again at depth {best}")
            self.use_best_button.setVisible(True)

    def use_best_depth(self) -> None:
        """Refit with the maximum depth the validation rows chose."""
        fit = self.fit_result
        if fit is None:
            return
        best = plots.best_depth([p.depth for p in fit.curve], [p.test for p in fit.curve])
        if best is not None:
            self.max_depth.setValue(best)
            self.fit()

    def summary_text(self) -> str:
        """The Result box as plain lines (tests and the status bar read it)."""
        if self.fit_result is None:
            return ""
        return "\n".join(f"{self.result_labels[f'{k}_name'].text()}: "
                         f"{self.result_labels[k].text()}".replace("<b>", "").replace("</b>", "")
                         for k in ROWS if self.result_labels[k].text())

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
                                              dialog_path("export", f"tree.{kind}",
                                                          self.state.source), filt)
        if not path:
            return
        remember_dialog_dir("export", path)
        if Path(path).suffix.lower() != f".{kind}":
            path += f".{kind}"
        try:
            self.diagram.export(path)
        except ExportError as exc:
            self.message_bar.show_error(str(exc))
        else:
            self.message_bar.show_message(f"Saved {path}", "success")

    def save_rules_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the tree's rules",
                                              dialog_path("export", "rules.txt",
                                                          self.state.source),
                                              "Text file (*.txt)")
        if path:
            remember_dialog_dir("export", path)
            self.save_rules(path)

    def save_rules(self, path: str | Path) -> Path | None:
        """Write the rules as text (what ``mendel tree --out`` writes as rules.txt)."""
        from core.atomic import write_text_atomic

        if self.fit_result is None:
            return None
        try:
            write_text_atomic(Path(path), self.fit_result.result.rules_text)
        except OSError as exc:
            self.message_bar.show_error(f"{display(path)}: {write_problem(path, exc)}")
            return None
        except MendelError as exc:
            self.message_bar.show_error(f"{display(path)}: cannot write the rules ({exc})")
            return None
        self.message_bar.show_message(f"Saved {path}", "success")
        return Path(path)
