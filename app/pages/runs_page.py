"""The Runs page: every run of the project in one sortable table, several runs' curves
overlaid (one colour per run) beside a diff of their options, and the table as CSV.

The rows come from ``core.project.runs`` (it reads only each run's small JSON files, so a
project of many runs lists at once); the curves are read from a run's history.csv only
when it is selected. Rename, note and star write the run's own run.json; Delete moves
the run folder into the project's trash/ after asking.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.pages.page import Page
from app.plots.base import new_plot
from app.plots.colors import class_color
from app.state import AppState
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from core.errors import MendelError
from core.project.diff import config_diff
from core.project.runs import (
    RunRow,
    history,
    list_runs,
    rename_run,
    runs_table_csv,
    set_note,
    set_star,
    trash_run,
)

COLUMNS = ("★", "name", "created", "data", "network", "epochs", "batch", "optimizer", "lr",
           "best val loss", "test", "duration", "device", "status", "note")
EMPTY = ("Runs are kept in a project: save the session with File \u25b8 Save project as\u2026 "
         "and every run you train from then on is listed here.")


def _cell(row: RunRow, column: str) -> tuple[str, Any]:
    """(text, sort key) of one table cell."""
    if column == "★":
        return ("★" if row.starred else "", int(row.starred))
    if column == "epochs":
        text = f"{row.epochs_run}/{row.epochs}" if row.epochs_run is not None else ""
        return text, row.epochs_run or 0
    if column == "best val loss":
        if row.best_val_loss is None:
            return "", float("inf")
        return f"{row.best_val_loss:.4g} (epoch {row.best_epoch})", row.best_val_loss
    if column == "test":
        parts = [f"{k} {v:.4f}" for k, v in row.test.items() if v is not None]
        first = next((v for v in row.test.values() if v is not None), -1.0)
        return " · ".join(parts), first
    if column == "duration":
        return ("" if row.duration is None else f"{row.duration:.1f} s", row.duration or 0.0)
    if column == "lr":
        return ("" if row.lr is None else f"{row.lr:g}", row.lr or 0.0)
    if column == "batch":
        return ("" if row.batch_size is None else str(row.batch_size), str(row.batch_size))
    value = getattr(row, column, "")
    text = "" if value is None else str(value)
    return text, text


class _Item(QTableWidgetItem):
    """A cell that sorts by its value, not its text (epochs, losses, times)."""

    def __init__(self, text: str, key: Any) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _Item):
            try:
                return bool(self.key < other.key)
            except TypeError:
                return str(self.key) < str(other.key)
        return super().__lt__(other)


class RunsPage(Page):
    """The project's runs: table, overlaid curves, options diff."""

    title = "Runs"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.rows: list[RunRow] = []
        self.message_bar = MessageBar()
        self.header = QLabel(EMPTY)
        self.header.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self.show_selected)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for text, slot, tip in (
                ("Rename\u2026", self.rename, "Give the selected run a name"),
                ("Note\u2026", self.edit_note, "Write a note on the selected run"),
                ("Star", self.toggle_star, "Mark the selected runs (sort by ★ to find them)"),
                ("Delete\u2026", self.delete, "Move the selected runs to the project's trash"),
                ("Export table\u2026", self.export_csv, "Save the runs table as CSV")):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[text.rstrip("\u2026")] = button
        buttons.addStretch(1)
        self.loss_plot = new_plot(None, "epoch", "validation loss")
        self.metric_plot = new_plot(None, "epoch", "validation metric", legend=False)
        self._histories: dict[Path, tuple[float, dict[str, list[Any]]]] = {}
        self.loss_panel = PlotPanel(self.loss_plot, "Validation loss", "selected runs")
        self.metric_panel = PlotPanel(self.metric_plot, "Validation metric",
                                      "same colours as the loss")
        self.diff = QTableWidget(0, 1)
        self.diff.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.diff_label = QLabel("Select two or more runs to compare their options.")
        diff_box = QWidget()
        dl = QVBoxLayout(diff_box)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(QLabel("<b>Options that differ</b>"))
        dl.addWidget(self.diff_label)
        dl.addWidget(self.diff, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.loss_panel, self.metric_panel, diff_box):
            bottom.addWidget(w)
        split = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.table, 1)
        tl.addLayout(buttons)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([380, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        state.projectChanged.connect(self.refresh)
        self.refresh()

    def plot_panels(self) -> list[PlotPanel]:
        return [self.loss_panel, self.metric_panel]

    def page_shown(self) -> None:
        self.refresh()

    # -- the table ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the project's runs again, keeping the selection by run id."""
        folder = self.state.project_folder
        chosen = {r.id for r in self.selected()}
        self.rows = list_runs(folder) if folder is not None else []
        if folder is None:
            self.header.setText(EMPTY)
        else:
            n = len(self.rows)
            self.header.setText(f"<b>{folder.name}</b>: {n} run{'s' if n != 1 else ''}"
                                + ("" if n else " yet; runs you train now are kept here."))
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            for j, column in enumerate(COLUMNS):
                text, key = _cell(row, column)
                item = _Item(text, key)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                if column == "status" and row.problem:
                    item.setToolTip(row.problem)
                self.table.setItem(i, j, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        self.select_runs(list(chosen))

    def selected(self) -> list[RunRow]:
        by_id = {r.id: r for r in self.rows}
        ids = []
        for index in self.table.selectionModel().selectedRows():
            item = self.table.item(index.row(), 0)
            if item is not None:
                ids.append(item.data(Qt.ItemDataRole.UserRole))
        return [by_id[i] for i in ids if i in by_id]

    def select_runs(self, ids: list[str]) -> None:
        """Select these runs (what a user does with Ctrl+click)."""
        mode = self.table.selectionMode()
        self.table.blockSignals(True)  # one redraw for the whole selection, not one per row
        try:
            self.table.clearSelection()
            self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
            for i in range(self.table.rowCount()):
                if self.table.item(i, 0).data(Qt.ItemDataRole.UserRole) in ids:
                    self.table.selectRow(i)
            self.table.setSelectionMode(mode)
        finally:
            self.table.blockSignals(False)
        self.show_selected()

    def _update_buttons(self) -> None:
        n = len(self.selected())
        for name in ("Rename", "Note"):
            self.buttons[name].setEnabled(n == 1)
        for name in ("Star", "Delete"):
            self.buttons[name].setEnabled(n >= 1)
        self.buttons["Export table"].setEnabled(bool(self.rows))

    # -- overlay and diff --------------------------------------------------------------------
    def show_selected(self) -> None:
        runs = self.selected()
        self._update_buttons()
        new_plot(self.loss_plot, "epoch", "validation loss")
        new_plot(self.metric_plot, "epoch", "validation metric", legend=False)
        boxes = [p.getPlotItem().getViewBox() for p in (self.loss_plot, self.metric_plot)]
        for box in boxes:  # one range update after all curves, not one per curve
            box.disableAutoRange()
        metric = ""
        for i, run in enumerate(runs):
            columns = self._history(run.path)
            epochs = columns.get("epoch") or []
            pen = pg.mkPen(class_color(i, max(len(runs), 2)), width=2)
            loss = columns.get("val_loss") or columns.get("train_loss") or []
            self._line(self.loss_plot, epochs, loss, pen, run.name)
            key = next((k for k in ("val_accuracy", "val_r2") if columns.get(k)), "")
            metric = metric or key
            if key:
                self._line(self.metric_plot, epochs, columns[key], pen, run.name)
        for box in boxes:
            box.enableAutoRange()
        self.metric_plot.getPlotItem().setLabel("left", metric.replace("val_", "validation ")
                                                or "validation metric")
        self._show_diff(runs)

    def _history(self, run: Path) -> dict[str, list[Any]]:
        """history.csv's columns, read once per file version (selecting again is instant)."""
        try:
            mtime = (run / "history.csv").stat().st_mtime
        except OSError:
            return {}
        cached = self._histories.get(run)
        if cached is None or cached[0] != mtime:
            cached = (mtime, history(run))
            self._histories[run] = cached
        return cached[1]

    @staticmethod
    def _line(plot: pg.PlotWidget, xs: list[Any], ys: list[Any], pen: Any, name: str) -> None:
        points = [(x, y) for x, y in zip(xs, ys, strict=False)
                  if x is not None and y is not None]
        if points:
            plot.plot([p[0] for p in points], [p[1] for p in points], pen=pen, name=name)

    def _show_diff(self, runs: list[RunRow]) -> None:
        rows = config_diff([r.path for r in runs]) if len(runs) >= 2 else []
        self.diff_label.setVisible(not rows)
        if len(runs) >= 2 and not rows:
            self.diff_label.setText("The selected runs have the same options.")
        elif len(runs) < 2:
            self.diff_label.setText("Select two or more runs to compare their options.")
        self.diff.setColumnCount(len(runs))
        self.diff.setHorizontalHeaderLabels([r.name for r in runs])
        self.diff.setRowCount(len(rows))
        self.diff.setVerticalHeaderLabels([name for name, _ in rows])
        for i, (_, values) in enumerate(rows):
            for j, value in enumerate(values):
                self.diff.setItem(i, j, QTableWidgetItem("" if value is None else str(value)))
        self.diff.resizeColumnsToContents()

    # -- actions -----------------------------------------------------------------------------
    def rename(self, name: str | None = None) -> None:
        runs = self.selected()
        if len(runs) != 1:
            return
        if not isinstance(name, str):
            name, ok = QInputDialog.getText(self, "Rename run", "Name:", text=runs[0].name)
            if not ok:
                return
        self._do(rename_run, runs[0].path, name)

    def edit_note(self, note: str | None = None) -> None:
        runs = self.selected()
        if len(runs) != 1:
            return
        if not isinstance(note, str):
            note, ok = QInputDialog.getMultiLineText(self, "Note", "Note:", runs[0].note)
            if not ok:
                return
        self._do(set_note, runs[0].path, note)

    def toggle_star(self) -> None:
        runs = self.selected()
        star = not all(r.starred for r in runs)
        for run in runs:
            self._do(set_star, run.path, star, refresh=False)
        self.refresh()

    def delete(self, confirmed: bool = False) -> None:
        runs = self.selected()
        if not runs:
            return
        if not confirmed and QMessageBox.question(
                self, "Delete runs", f"Move {len(runs)} run(s) to the project's trash folder?"
        ) != QMessageBox.StandardButton.Yes:
            return
        for run in runs:
            self._do(trash_run, run.path, refresh=False)
        self.refresh()

    def export_csv(self, path: str | None = None) -> None:
        if not isinstance(path, str):
            path, _ = QFileDialog.getSaveFileName(self, "Export runs table", "runs.csv",
                                                  "CSV (*.csv)")
            if not path:
                return
        try:
            Path(path).write_text(runs_table_csv(self.rows), encoding="utf-8")
        except OSError as exc:
            self.message_bar.show_error(f"Cannot write {path}: {exc.strerror or exc}")

    def _do(self, fn: Any, *args: Any, refresh: bool = True) -> None:
        try:
            fn(*args)
        except (MendelError, OSError) as exc:
            self.message_bar.show_error(str(exc))
        if refresh:
            self.refresh()

