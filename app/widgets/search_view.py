"""A hyperparameter search as it runs: the trials table (settings, value, state,
duration; pruned trials greyed), the best value against the trial number, parallel
coordinates, which settings mattered, and the learning curve of the chosen trial.

It is fed ``core.select.events`` from the Tune page's worker; the table changes at once
(cheap), the pictures on the shared pacer's turn, so a fast search never floods the
event loop.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
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
from core.select.events import StepEpoch, StepFinished, StepStarted

FIXED_COLUMNS = ("trial", "state", "val loss", "s")
# short names under the axes of the parallel coordinates and beside the importance bars
SHORT = {"lr": "lr", "batch_size": "batch", "optimizer": "optimizer",
         "weight_decay": "decay", "dropout": "dropout", "width": "width", "depth": "depth",
         "value": "val loss"}
GREY = QColor("#9a9a9a")


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


class SearchView(QWidget):
    """Trials table + four plots; ``trials`` holds the plain dicts the plots draw."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trials: dict[int, dict[str, Any]] = {}
        self.importances: dict[str, float] = {}
        self.param_names: list[str] = []
        self.log_params: tuple[str, ...] = ("lr",)
        self.table = QTableWidget(0, len(FIXED_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(FIXED_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._request)
        self.best_plot = new_plot(None, "trial", "validation loss")
        self.parallel_plot = new_plot(None, "", "scaled", legend=False)
        self.importance_plot = new_plot(None, "importance (share)", "", legend=False)
        self.curve_plot = new_plot(None, "epoch", "validation loss", legend=False)
        self.panels = [
            PlotPanel(self.best_plot, "Best so far", "lower is better; grey x: pruned"),
            PlotPanel(self.parallel_plot, "Parallel coordinates",
                      "one line per trial; blue = better, orange = worse"),
            PlotPanel(self.importance_plot, "Which settings mattered",
                      "fANOVA over the finished trials"),
            PlotPanel(self.curve_plot, "Learning curve", "of the trial chosen in the table"),
        ]
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.table)
        top.addWidget(self.panels[0])
        top.addWidget(self.panels[3])
        top.setSizes([420, 330, 330])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.panels[1])  # many axes side by side: the widest place
        bottom.addWidget(self.panels[2])
        bottom.setSizes([760, 320])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    # -- feeding -----------------------------------------------------------------------------
    def reset(self, param_names: list[str], log_params: tuple[str, ...] = ("lr",)) -> None:
        self.trials, self.importances = {}, {}
        self.param_names, self.log_params = list(param_names), log_params
        self.table.setRowCount(0)
        self._headers()
        self._redraw()

    def _headers(self) -> None:
        self.table.setColumnCount(len(FIXED_COLUMNS) + len(self.param_names))
        self.table.setHorizontalHeaderLabels([*FIXED_COLUMNS,
                                              *(SHORT.get(n, n) for n in self.param_names)])

    def on_event(self, ev: Any) -> None:
        if isinstance(ev, StepStarted) and ev.kind == "trial":
            self.trials[ev.number] = {"number": ev.number, "params": dict(ev.params),
                                      "value": None, "state": "running", "curve": [],
                                      "seconds": None}
            for name in ev.params:
                if name not in self.param_names:
                    self.param_names.append(name)
                    self._headers()
            self._write_row(ev.number)
        elif isinstance(ev, StepEpoch) and ev.kind == "trial":
            trial = self.trials.get(ev.number)
            if trial is not None:
                trial["curve"].append(ev.epoch.val_loss)
                if self._selected_number() in (None, ev.number):
                    self._request()
        elif isinstance(ev, StepFinished) and ev.kind == "trial":
            trial = self.trials.setdefault(ev.number, {"number": ev.number, "params": {},
                                                       "curve": []})
            value = ev.value if ev.value is not None and math.isfinite(ev.value) else None
            trial.update(state=ev.state, value=value, seconds=ev.seconds)
            self._write_row(ev.number)
            self._request()

    def set_importance(self, shares: dict[str, float]) -> None:
        self.importances = dict(shares)
        self._request()

    def show_trials(self, trials: list[dict[str, Any]]) -> None:
        """The finished search's own records (``TrialRecord.to_dict``), over the live ones."""
        for t in trials:
            self.trials[t["number"]] = {"number": t["number"], "params": t["params"],
                                        "value": t["value"], "state": t["state"],
                                        "curve": list(t.get("val_loss_curve") or []),
                                        "seconds": t.get("duration")}
            self._write_row(t["number"])
        self._redraw()

    def select_trial(self, number: int) -> None:
        for i in range(self.table.rowCount()):
            if self.table.item(i, 0).data(Qt.ItemDataRole.UserRole) == number:
                self.table.selectRow(i)
                return

    # -- drawing ----------------------------------------------------------------------------
    def _write_row(self, number: int) -> None:
        trial = self.trials[number]
        row = next((i for i in range(self.table.rowCount())
                    if self.table.item(i, 0).data(Qt.ItemDataRole.UserRole) == number), None)
        if row is None:
            row = self.table.rowCount()
            self.table.insertRow(row)
        cells = [number, trial.get("state", ""), trial.get("value"), trial.get("seconds"),
                 *(trial["params"].get(n) for n in self.param_names)]
        for j, value in enumerate(cells):
            if j == 3 and isinstance(value, float):
                value = round(value, 1)
            item = QTableWidgetItem(_text(value))
            item.setData(Qt.ItemDataRole.UserRole, number)
            if trial.get("state") in ("pruned", "failed", "diverged"):
                item.setForeground(GREY)
            self.table.setItem(row, j, item)

    def _selected_number(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _request(self) -> None:
        pacer().request(self._redraw)

    def _redraw(self) -> None:
        trials = [self.trials[n] for n in sorted(self.trials)]
        plots.best_so_far(self.best_plot, trials)
        plots.parallel_coordinates(self.parallel_plot, trials, self.log_params, SHORT)
        plots.importance(self.importance_plot,
                         {SHORT.get(k, k): v for k, v in self.importances.items()})
        self.table.resizeColumnsToContents()
        number = self._selected_number()
        if number is None:  # the newest trial with a curve while nothing is chosen
            number = next((t["number"] for t in reversed(trials) if t.get("curve")), None)
        curve = self.trials.get(number, {}).get("curve", []) if number is not None else []
        plots.fold_curves(self.curve_plot, [curve] if curve else [], "validation loss",
                          [f"trial {number}"])
        self.panels[3].set_hint(f"trial {number}" if number is not None else
                                "of the trial chosen in the table")

    def shutdown(self) -> None:
        pacer().cancel(self)
