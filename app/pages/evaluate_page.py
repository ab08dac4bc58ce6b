"""The Evaluate page: how the last trained network does on data it did not train on.

After a run it measures the network on the chosen held-out split (validation or test)
with ``core.train.evaluation`` on a worker: confusion matrix, ROC and precision-recall
curves with their areas, per-class figures, the classic baselines beside the network,
and the worst mistakes with the samples behind them (the sequence, the image or the
table row), so a user can see *what* the network gets wrong. Regression shows predicted
against true values and the residuals instead; a reconstruct run (an autoencoder) shows
its rebuilt values against the original ones, its worst-rebuilt samples and, for images,
each one beside its reconstruction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import plots
from app.pages.page import Page
from app.plots.numbers import cell_text, significant
from app.state import AppState
from app.widgets.job_strip import JobStrip
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.table_model import DataFrameModel, image_to_qimage
from app.widgets.table_setup import make_table_view
from core.data.alphabet import display_sequence
from core.progress import ProgressFn, StopFn
from core.train.evaluation import SPLIT_TITLES, SplitEvaluation

WORST_SHOWN = 25
MAX_VALUES_DRAWN = 20_000  # a reconstruct run's scatter: every value of 10,000 images is too many
THUMBNAIL_PX = 48
TABLE_COLUMNS_SHOWN = 8
MAX_TABLE_WIDTH = 520  # pixels a results table may claim to show every column
MAX_COMPARISON_WIDTH = 640  # the network beside up to six baselines
Index = QModelIndex | QPersistentModelIndex
METRIC_NAMES = {"balanced_accuracy": "balanced accuracy", "f1_macro": "F1 (macro)",
                "mcc": "Matthews correlation", "roc_auc": "ROC AUC",
                "pr_auc": "average precision", "r2": "R\u00b2", "mse": "MSE", "rmse": "RMSE",
                "mae": "MAE", "pearson_r": "Pearson r"}


class FiguresModel(DataFrameModel):
    """A table of measured figures: every float with the same significant digits as the
    rest of the pages ("0.9302", "1.000", "152.1"), counts as integers."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            text = cell_text(self.frame.iat[index.row(), index.column()])
            if text is not None:
                return text
        return super().data(index, role)


class ComparisonModel(FiguresModel):
    """The network beside the baselines: a model's name is its column's header, on two
    lines ("k-nearest / neighbours"), so seven models fit beside the other tables."""

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        text = super().headerData(section, orientation, role)
        if orientation == Qt.Orientation.Horizontal and isinstance(text, str):
            return text.replace(" ", "\n", 1)
        return text


class ErrorsModel(FiguresModel):
    """The worst-errors table; image datasets get a thumbnail in the "sample" column (and
    an autoencoder's rebuilt image in the "reconstruction" column)."""

    def __init__(self) -> None:
        super().__init__(max_chars=70)
        self.thumbnails: dict[int, Any] = {}
        self.rebuilt: dict[int, Any] = {}

    def set_errors(self, frame: pd.DataFrame, thumbnails: dict[int, Any],
                   rebuilt: dict[int, Any] | None = None) -> None:
        self.thumbnails, self.rebuilt = thumbnails, rebuilt or {}
        self.set_frame(frame)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and index.isValid():
            column = self.frame.columns[index.column()]
            if column == "sample":
                return self.thumbnails.get(index.row())
            if column == "reconstruction":
                return self.rebuilt.get(index.row())
        return super().data(index, role)


def _titled(title: str, hint: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    header = QLabel(f"<b>{title}</b> <span style='color:#707070'>{hint}</span>")
    header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    layout.addWidget(header)
    layout.addWidget(widget, 1)
    return box


class EvaluatePage(Page):
    """Confusion matrix, curves and tables for the last run on one held-out split."""

    title = "Evaluate"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.evaluation: SplitEvaluation | None = None
        self._cache: dict[str, SplitEvaluation] = {}
        self._build()
        state.runFinished.connect(self._on_run_finished)
        state.datasetChanged.connect(self._on_dataset_changed)
        self._on_run_finished()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message_bar = MessageBar()
        self.stack = QStackedWidget()

        empty = QWidget()
        card = QWidget()
        card.setFixedWidth(560)
        card_layout = QVBoxLayout(card)
        self.empty_title = QLabel("Train a network first")
        self.empty_title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.empty_text = QLabel("The Evaluate page measures the last trained network on "
                                 "data it has not seen: confusion matrix, ROC curves, the "
                                 "baselines beside it and its worst mistakes.")
        self.empty_text.setWordWrap(True)
        self.empty_text.setStyleSheet("color: #606060;")
        self.go_train = QPushButton("Go to the Train page")
        self.go_train.setObjectName("primaryButton")
        self.go_train.clicked.connect(self.go_to_train)
        for w in (self.empty_title, self.empty_text):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            card_layout.addWidget(w)
        self.empty_text.setMinimumHeight(self.empty_text.heightForWidth(540))
        card_layout.addSpacing(8)
        card_layout.addWidget(self.go_train, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(2)
        empty_layout.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(3)
        self.stack.addWidget(empty)

        results = QWidget()
        self.split_combo = QComboBox()
        self.split_combo.setToolTip("Which held-out samples to measure the network on")
        self.split_combo.currentIndexChanged.connect(self._on_split_changed)
        self.normalize = QCheckBox("confusion as share of each true class")
        self.normalize.setToolTip("Divide each row of the confusion matrix by the number of "
                                  "samples of that class (so rare classes read as well)")
        self.normalize.toggled.connect(self._redraw_confusion)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.jobs = JobStrip()
        header = QHBoxLayout()
        header.addWidget(QLabel("Split:"))
        header.addWidget(self.split_combo)
        header.addWidget(self.summary, 1)
        header.addWidget(self.normalize)

        on_error = self.message_bar.show_error
        self.confusion_plot = pg.PlotWidget()
        self.confusion_panel = PlotPanel(self.confusion_plot, "Confusion matrix",
                                         "rows: true class, columns: predicted", on_error)
        self.roc_plot = pg.PlotWidget()
        self.roc_panel = PlotPanel(self.roc_plot, "ROC curves", "area under the curve (AUC) "
                                   "in the legend", on_error)
        self.pr_plot = pg.PlotWidget()
        self.pr_panel = PlotPanel(self.pr_plot, "Precision-recall",
                                  "average precision (AP) in the legend", on_error)
        self.scatter_plot = pg.PlotWidget()
        self.scatter_panel = PlotPanel(self.scatter_plot, "Predicted against true",
                                       "on the dashed line, prediction = truth", on_error)
        self.residual_plot = pg.PlotWidget()
        self.residual_panel = PlotPanel(self.residual_plot, "Residuals",
                                        "a band around 0 without pattern is good", on_error)
        top = QSplitter(Qt.Orientation.Horizontal)
        for panel in (self.confusion_panel, self.roc_panel, self.pr_panel, self.scatter_panel,
                      self.residual_panel):
            top.addWidget(panel)

        self.comparison_model = ComparisonModel()
        self.per_class_model = FiguresModel()
        self.errors_model = ErrorsModel()
        self.comparison_view = make_table_view(self.comparison_model, alternating=True)
        self.per_class_view = make_table_view(self.per_class_model, alternating=True)
        self.errors_view = make_table_view(self.errors_model, alternating=True)
        self.errors_view.setWordWrap(False)
        self.per_class_box = _titled("Per class", "precision, recall, F1, support",
                                     self.per_class_view)
        self.errors_box = _titled("Worst errors", "most confident mistakes first",
                                  self.errors_view)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        self.comparison_box = _titled("Network and baselines", "same split, same features",
                                      self.comparison_view)
        bottom.addWidget(self.comparison_box)
        bottom.addWidget(self.per_class_box)
        bottom.addWidget(self.errors_box)
        bottom.setSizes([1000, 800, 1400])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(bottom)
        body.setSizes([3000, 2000])
        for s in (top, bottom, body):
            s.setChildrenCollapsible(False)
        self.top_splitter = top
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addLayout(header)
        results_layout.addWidget(self.jobs)
        results_layout.addWidget(body, 1)
        self.stack.addWidget(results)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.stack, 1)
        plots.base.shrinkable_hints(self, [self.confusion_panel, self.roc_panel, self.pr_panel,
                                      self.scatter_panel, self.residual_panel])

    def plot_panels(self) -> list[PlotPanel]:
        if self.evaluation is not None and self.evaluation.task != "classification":
            return [self.scatter_panel, self.residual_panel]
        return [self.confusion_panel, self.roc_panel, self.pr_panel]

    def shutdown(self) -> None:
        self.jobs.stop_and_join()

    def go_to_train(self) -> None:
        window = self.window()
        show_page = getattr(window, "show_page", None)
        if show_page is not None:
            show_page("train")

    # -- state -------------------------------------------------------------------------------
    def _on_dataset_changed(self) -> None:
        """A new dataset makes the last run's figures belong to other data: keep them, but
        say so (the run itself stays in the session until the next one)."""
        if self.state.run is not None and self.state.dataset is not self.state.run.dataset:
            self.message_bar.show_message("These results are for the last run, trained on "
                                          f"{self.state.run.dataset.name}; train again to "
                                          "evaluate the new data.", "info")

    def _on_run_finished(self) -> None:
        self.jobs.stop_and_join()
        self._cache = {}
        self.evaluation = None
        outcome = self.state.run
        if outcome is None or outcome.result is None or outcome.result.model is None:
            self.stack.setCurrentIndex(0)
            return
        self.message_bar.clear()
        self.stack.setCurrentIndex(1)
        sizes = outcome.data.sizes()
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        for split in ("test", "val"):
            if sizes[split]:
                self.split_combo.addItem(f"{SPLIT_TITLES[split]} ({sizes[split]} samples)",
                                         split)
        self.split_combo.blockSignals(False)
        if self.split_combo.count() == 0:
            self.summary.setText("The run has no validation or test samples to evaluate on; "
                                 "give them a share on the Data page and train again.")
            return
        classification = outcome.data.task == "classification"
        for panel in (self.confusion_panel, self.roc_panel, self.pr_panel, self.per_class_box):
            panel.setVisible(classification)
        for panel in (self.scatter_panel, self.residual_panel):
            panel.setVisible(not classification)
        rebuilt = outcome.data.task == "reconstruct"
        self.scatter_panel.set_title("Reconstructed against original" if rebuilt
                                     else "Predicted against true")
        self.scatter_panel.set_hint("every input value; on the dashed line, rebuilt = original"
                                    if rebuilt else "on the dashed line, prediction = truth")
        self.normalize.setVisible(classification)
        self._on_split_changed()

    def _on_split_changed(self) -> None:
        split = self.split_combo.currentData()
        outcome = self.state.run
        if split is None or outcome is None:
            return
        if split in self._cache:
            self.show_evaluation(self._cache[split])
            return

        def job(progress: ProgressFn, should_stop: StopFn) -> SplitEvaluation:
            from core.train.evaluation import evaluate_split

            progress(0.0, f"Running the network on the {SPLIT_TITLES[split]} samples")
            return evaluate_split(outcome, split)

        self.jobs.start(job, self.show_evaluation, self.message_bar.show_error,
                        "Evaluating\u2026")

    # -- drawing ----------------------------------------------------------------------------------
    def show_evaluation(self, ev: SplitEvaluation) -> None:
        """Draw every view for one split's evaluation."""
        from core.train.evaluation import comparison_frame

        outcome = self.state.run
        if outcome is None:
            return
        self._cache[ev.split] = ev
        self.evaluation = ev
        self.summary.setText(self._summary(ev))
        if ev.task == "classification":
            self._redraw_confusion()
            plots.roc(self.roc_plot, ev.roc, class_names=ev.class_names)
            plots.pr(self.pr_plot, ev.pr, class_names=ev.class_names)
            self.per_class_model.set_frame(_rounded(pd.DataFrame(ev.per_class)))
        else:
            true, pred = _drawn_values(ev)
            plots.predicted_vs_true(self.scatter_plot, true, pred)
            plots.residuals(self.residual_plot, true, pred)
        models = comparison_frame(outcome, ev.split).set_index("model").T.astype(object)
        if "samples" in models.index:  # a count among figures: shown as one
            models.loc["samples"] = [None if v is None or pd.isna(v) else int(v)
                                     for v in models.loc["samples"]]
        models.index = [METRIC_NAMES.get(str(k), str(k)) for k in models.index]
        self.comparison_model.set_frame(_rounded(models.reset_index(names="metric")))
        _show_every_column(self.comparison_view, MAX_COMPARISON_WIDTH)
        _show_every_column(self.per_class_view)
        self._show_errors(ev)

    def _summary(self, ev: SplitEvaluation) -> str:
        keys = (("accuracy", "accuracy"), ("balanced_accuracy", "balanced accuracy"),
                ("roc_auc", "ROC AUC")) if ev.task == "classification" else (
                ("r2", "R\u00b2" if ev.task != "reconstruct" else "reconstruction R\u00b2"),
                ("rmse", "RMSE"), ("mae", "MAE"))
        shown = [f"{label} <b>{significant(ev.metrics[k])}</b>" for k, label in keys
                 if ev.metrics.get(k) is not None]
        text = f"{ev.n} {SPLIT_TITLES[ev.split]} samples: " + ", ".join(shown)
        if ev.task == "classification":
            wrong = int((ev.pred != ev.y_true).sum())
            text += f" \u00b7 {wrong} misclassified"
        return text

    def _redraw_confusion(self) -> None:
        ev = self.evaluation
        if ev is None or ev.confusion is None:
            return
        matrix = ev.confusion.astype(np.float64)
        if self.normalize.isChecked():
            rows = matrix.sum(axis=1, keepdims=True)
            matrix = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
        plots.confusion_matrix(self.confusion_plot, matrix, ev.class_names,
                               normalized=self.normalize.isChecked())

    def _show_errors(self, ev: SplitEvaluation) -> None:
        """The worst predictions, each with the sample it was made for."""
        frame = ev.errors_frame(WORST_SHOWN)
        ds = self.state.run.dataset if self.state.run is not None else None
        thumbnails: dict[int, Any] = {}
        samples: list[str] = []
        for row, pos in enumerate(ev.worst(WORST_SHOWN)):
            i = int(ev.indices[pos]) if len(ev.indices) > pos else -1
            if ds is None or i < 0:
                samples.append("")
            elif ds.modality == "image":
                image = image_to_qimage(ds.records[i])  # type: ignore[index]
                thumbnails[row] = image.scaled(THUMBNAIL_PX, THUMBNAIL_PX,
                                               Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.FastTransformation)
                shape = ds.records.shape  # type: ignore[union-attr]
                samples.append(f"{shape[-1]}\u00d7{shape[-2]} image")
            elif ds.modality == "sequence":  # RNA as RNA (U), as on the Data page
                samples.append(display_sequence(str(ds.records[i]), ds.alphabet))
            else:
                record = ds.records.iloc[i]  # type: ignore[union-attr]
                cells = [f"{k}={_short(v)}"
                         for k, v in list(record.items())[:TABLE_COLUMNS_SHOWN]]
                if len(record) > TABLE_COLUMNS_SHOWN:
                    cells.append("\u2026")
                samples.append(", ".join(cells))
        frame["sample"] = samples
        rebuilt: dict[int, Any] = {}
        if ev.task == "reconstruct" and ds is not None and ds.modality == "image":
            rebuilt = self._rebuilt_thumbnails(ev, thumbnails)
            frame["reconstruction"] = ["" for _ in samples]
        self.errors_model.set_errors(_rounded(frame), thumbnails, rebuilt)
        height = THUMBNAIL_PX + 6 if thumbnails else self.errors_view.fontMetrics().height() + 8
        self.errors_view.verticalHeader().setDefaultSectionSize(height)
        if ev.task == "classification" and frame.empty:
            self.errors_box.findChild(QLabel).setText(
                "<b>Worst errors</b> <span style='color:#707070'>none: every sample is "
                "classified correctly</span>")
        else:
            hint = ("most confident mistakes first" if ev.task == "classification"
                    else "worst rebuilt samples first" if ev.task == "reconstruct"
                    else "largest absolute errors first")
            self.errors_box.findChild(QLabel).setText(
                f"<b>Worst errors</b> <span style='color:#707070'>{hint}</span>")


    def _rebuilt_thumbnails(self, ev: SplitEvaluation,
                            originals: dict[int, Any]) -> dict[int, Any]:
        """Each worst sample as the network saw it and as it rebuilt it, on one grey scale
        per pair (the encoded values need not lie in 0..1); the originals are replaced
        by the encoded ones so that the two read alike."""
        shape = tuple(self.state.run.data.input_shape) if self.state.run is not None else ()
        rebuilt: dict[int, Any] = {}
        if len(shape) != 3:
            return rebuilt
        for row, pos in enumerate(ev.worst(WORST_SHOWN)):
            pair = np.stack([ev.y_true[pos], ev.pred[pos]]).reshape(2, *shape)
            lo, hi = float(pair.min()), float(pair.max())
            pair = (pair - lo) / (hi - lo) if hi > lo else np.zeros_like(pair)
            for images, k in ((originals, 0), (rebuilt, 1)):
                images[row] = image_to_qimage(pair[k]).scaled(
                    THUMBNAIL_PX, THUMBNAIL_PX, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation)
        return rebuilt


def _drawn_values(ev: SplitEvaluation) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) to scatter: a reconstruct run's every value, an even sample of at
    most ``MAX_VALUES_DRAWN`` of them (a scatter of millions would stall the window)."""
    true = np.asarray(ev.y_true).ravel()
    pred = np.asarray(ev.pred).ravel()
    if ev.task != "reconstruct" or len(true) <= MAX_VALUES_DRAWN:
        return true, pred
    keep = np.linspace(0, len(true) - 1, MAX_VALUES_DRAWN).astype(np.int64)
    return true[keep], pred[keep]


def _show_every_column(view: Any, max_width: int = MAX_TABLE_WIDTH) -> None:
    """Widen a small results table to show all its columns (the decision tree's was cut
    off at 1280 pixels): its minimum width is its columns' width, the page's other
    tables (which scroll) give way."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    width = sum(header.sectionSize(i) for i in range(header.count()))
    width += 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()
    view.setMinimumWidth(min(width, max_width))


def _short(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Figures to 4 decimals (None stays blank), headers without underscores. A column that
    mixes counts and figures stays as it is (object): the counts must not become floats.
    The models show each figure with ``significant`` digits."""
    out = frame.rename(columns=lambda c: str(c).replace("_", " "))
    for column in out.columns:
        if out[column].dtype.kind == "f" or out[column].dtype == object:
            values = [round(v, 4) if isinstance(v, (float, np.floating)) else v
                      for v in out[column]]
            dtype = object if out[column].dtype == object else None
            out[column] = pd.Series(values, index=out.index, dtype=dtype)
    return out
