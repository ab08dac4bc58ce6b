"""Which columns of a table matter: permutation importance on the test split, the
network beside the baselines (``core.explain.permutation``, scikit-learn's
``permutation_importance``): how much each model's score drops when one feature's
values are shuffled among the test rows."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.jobs import JobRunner, error_text
from app.plots.base import new_plot
from app.plots.search import importance as importance_bars
from app.widgets.plot_export import PlotPanel
from core.classic.baseline_info import display_name


class ImportanceView(QWidget):
    message = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome: Any = None
        self.result: Any = None
        self.baselines: tuple[str, ...] = ()
        self.button = QPushButton("Measure permutation importance")
        self.button.setObjectName("primaryButton")
        self.button.clicked.connect(self.measure)
        self.summary = QLabel("Shuffle one feature at a time on the test rows and see how "
                              "much each model's score drops.")
        self.summary.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.summary, 1)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.plot = new_plot(None, "score drop", "", legend=False)
        self.panel = PlotPanel(self.plot, "The network's most important features",
                               "mean drop over the shuffles")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.panel)
        self.split = split
        split.setVisible(False)  # until measured: an empty table and plot say nothing
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        layout.addStretch(0)  # takes the room only while the results are hidden
        self.job = JobRunner(self)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(self._on_failed)

    def set_outcome(self, outcome: Any, baselines: tuple[str, ...]) -> None:
        self.outcome, self.baselines, self.result = outcome, tuple(baselines), None
        self.table.setRowCount(0)
        self.split.setVisible(False)

    def measure(self) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        model, data = outcome.result.model, outcome.data
        which, seed = list(self.baselines), outcome.config.seed
        self.button.setEnabled(False)
        self.summary.setText("Measuring\u2026 (each feature shuffled 5 times for each model)")

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.permutation import permutation_importance_table

            return permutation_importance_table(model, data, baselines=which, seed=seed,
                                                progress=progress, should_stop=should_stop)

        self.job.run(job)

    def _on_done(self, result: Any) -> None:
        self.result = result
        self.button.setEnabled(True)
        self.split.setVisible(True)
        models = list(result.models)
        order = np.argsort(-result.models[models[0]].mean)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(result.features))
        self.table.setColumnCount(1 + len(models))
        self.table.setHorizontalHeaderLabels(["feature", *(display_name(m) if m != "network"
                                                           else m for m in models)])
        for i, f in enumerate(order):
            self.table.setItem(i, 0, QTableWidgetItem(result.features[f]))
            for j, m in enumerate(models, 1):
                s = result.models[m]
                item = QTableWidgetItem(f"{s.mean[f]:.4f} \u00b1 {s.std[f]:.4f}")
                item.setData(Qt.ItemDataRole.UserRole, float(s.mean[f]))
                self.table.setItem(i, j, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        top = order[:15]
        importance_bars(self.plot, {result.features[f]: float(result.models[models[0]].mean[f])
                                    for f in top}, f"drop of {result.metric}")
        notes = f" ({'; '.join(result.notes)})" if result.notes else ""
        self.summary.setText(f"Drop of {result.metric} when a feature is shuffled, on "
                             f"{result.n_rows} test rows, {result.n_repeats} shuffles each"
                             f"{notes}.")

    def _on_failed(self, error: object) -> None:
        self.button.setEnabled(True)
        self.message.emit(error_text(error), "error")

    def shutdown(self) -> None:
        self.job.shutdown()
