"""Cross-validation as it runs and when it is done: the network and every baseline scored
on the same folds (the main metric per fold, mean and standard deviation), the folds'
validation curves overlaid, and a line on what was covered and what was left alone.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.plots import search as plots
from app.plots.base import new_plot
from app.widgets.pacer import pacer
from app.widgets.plot_export import PlotPanel
from core.classic.baseline_info import display_name
from core.select.events import StepEpoch, StepFinished
from core.train.report import MAIN_METRIC

EMPTY = ("Cross-validation trains the design k times, each time holding out another "
         "fold of the training and validation rows, and scores the baselines on the same "
         "folds. The test rows are never used.")


def _cell(value: Any) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.4f}"


class CVView(QWidget):
    """The folds table (rows: network, then each baseline) and the fold curves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curves: list[list[float | None]] = []
        self.task = "classification"
        self.k = 0
        self.label = QLabel(EMPTY)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.curve_plot = new_plot(None, "epoch", "validation loss")
        self.panel = PlotPanel(self.curve_plot, "Folds", "validation loss of each fold")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.panel)
        split.setSizes([700, 600])
        self.split = split
        split.setVisible(False)  # an empty table and plot say nothing: the text explains
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(split, 1)

    def reset(self, k: int, task: str) -> None:
        self.split.setVisible(True)
        self.k, self.task, self.curves = k, task, [[] for _ in range(k)]
        key, label = MAIN_METRIC[task]
        self.label.setText(f"{k}-fold cross-validation running; {label} on each fold's "
                           "held-out rows.")
        self.table.clear()
        self.table.setRowCount(1)
        self.table.setColumnCount(k + 2)
        self.table.setHorizontalHeaderLabels([*(f"fold {i + 1}" for i in range(k)),
                                              "mean", "\u00b1 sd"])
        self.table.setVerticalHeaderLabels(["network"])
        self._redraw()

    def on_event(self, ev: Any) -> None:
        if isinstance(ev, StepEpoch) and ev.kind == "fold" and 0 < ev.number <= self.k:
            self.curves[ev.number - 1].append(ev.epoch.val_loss)
            pacer().request(self._redraw)
        elif isinstance(ev, StepFinished) and ev.kind == "fold" and 0 < ev.number <= self.k:
            text = _cell(ev.value) if ev.state == "complete" else ev.state
            self.table.setItem(0, ev.number - 1, QTableWidgetItem(text))

    def show_result(self, result: Any) -> None:
        """Every model's main metric per fold, with mean and sd (``CVResult``)."""
        key, label = MAIN_METRIC[result.task]
        rows: list[tuple[str, list[Any], dict[str, Any], dict[str, Any]]] = [
            ("network", [f.metrics if f.state == "complete" else f.state
                         for f in result.folds], result.mean, result.std)]
        for name, entry in result.baselines().items():
            rows.append((display_name(name), entry["folds"], entry["mean"], entry["std"]))
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(result.k + 2)
        self.table.setHorizontalHeaderLabels([*(f"fold {i + 1}" for i in range(result.k)),
                                              "mean", "\u00b1 sd"])
        self.table.setVerticalHeaderLabels([r[0] for r in rows])
        for i, (_, folds, mean, std) in enumerate(rows):
            for j, m in enumerate(folds):
                text = m if isinstance(m, str) else _cell(m.get(key))
                self.table.setItem(i, j, QTableWidgetItem(text))
            self.table.setItem(i, result.k, QTableWidgetItem(_cell(mean.get(key))))
            self.table.setItem(i, result.k + 1, QTableWidgetItem(_cell(std.get(key))))
        self.table.resizeColumnsToContents()
        self.curves = [[row.get("val_loss") for row in f.history] for f in result.folds]
        done = len(result.scored())
        grouped = ", grouped" if result.grouped else ""
        self.label.setText(
            f"<b>{label}</b> on each fold's held-out rows: {done} of {result.k} folds"
            f"{grouped} over {result.n_rows} training + validation rows; the "
            f"{result.n_test_untouched} test rows were not used."
            + (" Stopped before the end." if result.stopped else ""))
        self._redraw()

    def _redraw(self) -> None:
        plots.fold_curves(self.curve_plot, self.curves)

    def shutdown(self) -> None:
        pacer().cancel(self)
