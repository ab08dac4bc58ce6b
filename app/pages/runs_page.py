"""The Runs page: every run of the project in one sortable table, several runs' curves
overlaid (one colour per run) beside a diff of their options, and the table as CSV.

The rows come from ``core.project.runs`` (it reads only each run's small JSON files, so a
project of many runs lists at once); the curves are read from a run's history.csv only
when it is selected. Rename, note and star write the run's own run.json; Delete moves
the run folder into the project's trash/ after asking.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
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

from app.file_guard import refuse_special_inside, write_problem
from app.pages.page import Page
from app.plots.base import new_plot
from app.plots.colors import class_color
from app.state import AppState
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from core.data.files import display
from core.errors import MendelError
from core.project.diff import config_diff
from core.project.runs import (
    RunRow,
    history,
    read_run,
    rename_run,
    runs_folder,
    runs_table_csv,
    set_note,
    set_star,
    trash_run,
)

COLUMNS = ("★", "name", "created", "data", "network", "epochs", "batch", "optimizer", "lr",
           "best val loss", "test", "duration", "device", "status", "note")
SPECIAL = "holds a file that is not a regular file"  # a run the page reads nothing of
log = logging.getLogger(__name__)
EMPTY = ("Runs are kept in a project: save the session with File \u25b8 Save project as\u2026 "
         "and every run you train from then on is listed here.")


def safe_list_runs(project: str | Path) -> list[RunRow]:
    """``core.project.runs.list_runs``, read on this (the main) thread with two guards: a
    run folder holding a FIFO or a device is listed as incomplete without opening any of
    its files (one would block the window for good), and a run whose files make the
    reader fail is listed with the reason instead of breaking the page."""
    runs = runs_folder(project)
    if not runs.is_dir():
        return []
    rows = []
    for folder in sorted(Path(e.path) for e in os.scandir(runs)
                         if e.is_dir() and not e.name.startswith(".")):
        try:
            refuse_special_inside(folder)
        except MendelError as exc:
            rows.append(RunRow(id=folder.name, path=folder, name=folder.name, created="",
                               status="incomplete", problem=f"{SPECIAL} ({exc})"))
            continue
        try:
            rows.append(read_run(folder))
        except Exception as exc:  # a hand-edited file (deep JSON): one row says so
            log.exception("reading the run %s failed", folder)
            rows.append(RunRow(id=folder.name, path=folder, name=folder.name, created="",
                               status="incomplete",
                               problem=f"cannot read it ({type(exc).__name__})"))
    return rows


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


def _points(xs: list[Any], ys: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The epochs and values where both are known (a run may lack a validation epoch)."""
    pairs = [(x, y) for x, y in zip(xs, ys, strict=False) if x is not None and y is not None]
    if not pairs:
        return np.empty(0), np.empty(0)
    arr = np.asarray(pairs, dtype=float)
    return arr[:, 0], arr[:, 1]


class CurveOverlay:
    """Curves of one plot kept between selections and given new data, so selecting runs
    costs a ``setData`` per curve instead of new items, a legend rebuilt and re-laid-out
    axes (most of an overlay's time in pyqtgraph)."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        self.items: list[pg.PlotDataItem] = []
        self.names: list[str] = []
        for side in ("left", "bottom"):
            # Axes with a grid are the slowest part of a repaint (long translucent lines):
            # drawn once per range into a pixmap, then reused by every repaint after.
            axis = plot.getPlotItem().getAxis(side)
            axis.setCacheMode(axis.CacheMode.DeviceCoordinateCache)

    def show(self, curves: list[tuple[np.ndarray, np.ndarray, Any, str]]) -> None:
        item = self.plot.getPlotItem()
        box = item.getViewBox()
        box.disableAutoRange()  # one range update after all curves, not one per curve
        while len(self.items) < len(curves):
            curve = pg.PlotDataItem()
            item.addItem(curve)
            self.items.append(curve)
        for curve, (xs, ys, pen, _) in zip(self.items, curves, strict=False):
            curve.setData(xs, ys, pen=pen)
            curve.setVisible(True)
        for curve in self.items[len(curves):]:
            curve.setData([], [])
            curve.setVisible(False)
        names = [name for *_, name in curves]
        legend = item.legend
        if legend is not None and names != self.names:
            legend.clear()
            for curve, name in zip(self.items, names, strict=False):
                legend.addItem(curve, name)
        self.names = names
        box.enableAutoRange()


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
        self.table.itemDoubleClicked.connect(self._on_double_click)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for text, slot, tip in (
                ("Open", self.open_selected, "Make the selected run the current one: "
                 "Evaluate, the Network page's weights and Continue use it (double-click "
                 "a row does the same)"),
                ("Rename\u2026", self.rename, "Give the selected run a name"),
                ("Note\u2026", self.edit_note, "Write a note on the selected run"),
                ("Star", self.toggle_star, "Mark the selected runs (sort by ★ to find them)"),
                ("Delete\u2026", self.delete, "Move the selected runs to the project's trash"),
                ("Export table\u2026", self.export_csv, "Save the runs table as CSV"),
                ("Export code\u2026", self.export_code, "Write the selected run as one "
                 "standalone PyTorch training script (mendel export-script): the same "
                 "network, data, split and training, no Mendel needed")):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[text.rstrip("\u2026")] = button
        buttons.addStretch(1)
        self.loss_plot = new_plot(None, "epoch", "validation loss")
        self.metric_plot = new_plot(None, "epoch", "validation metric", legend=False)
        self.loss_overlay = CurveOverlay(self.loss_plot)
        self.metric_overlay = CurveOverlay(self.metric_plot)
        self._histories: dict[Path, tuple[float, dict[str, list[Any]]]] = {}
        self._unsafe: set[Path] = set()  # runs holding a FIFO or a device: never read
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
        state.runFinished.connect(self._mark_current)
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
        self.rows = safe_list_runs(folder) if folder is not None else []
        self._unsafe = {r.path for r in self.rows if r.problem.startswith(SPECIAL)}
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
        self._mark_current()
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
        runs = self.selected()
        self.buttons["Open"].setEnabled(n == 1 and not runs[0].problem)
        for name in ("Star", "Delete"):
            self.buttons[name].setEnabled(n >= 1)
        self.buttons["Export table"].setEnabled(bool(self.rows))
        self.buttons["Export code"].setEnabled(n == 1 and not runs[0].problem)

    # -- overlay and diff --------------------------------------------------------------------
    def show_selected(self) -> None:
        runs = self.selected()
        self._update_buttons()
        loss_curves, metric_curves = [], []
        metric = ""
        for i, run in enumerate(runs):
            columns = self._history(run.path)
            epochs = columns.get("epoch") or []
            pen = pg.mkPen(class_color(i, max(len(runs), 2)), width=2)
            loss = columns.get("val_loss") or columns.get("train_loss") or []
            loss_curves.append((*_points(epochs, loss), pen, run.name))
            key = next((k for k in ("val_accuracy", "val_r2") if columns.get(k)), "")
            metric = metric or key
            if key:
                metric_curves.append((*_points(epochs, columns[key]), pen, run.name))
        self.loss_overlay.show(loss_curves)
        self.metric_overlay.show(metric_curves)
        label = metric.replace("val_", "validation ") or "validation metric"
        axis = self.metric_plot.getPlotItem().getAxis("left")
        if axis.labelText != label:  # a new label re-lays the axis out: only when it changes
            self.metric_plot.getPlotItem().setLabel("left", label)
        self._show_diff(runs)

    def _history(self, run: Path) -> dict[str, list[Any]]:
        """history.csv's columns, read once per file version (selecting again is instant)."""
        if run in self._unsafe:
            return {}
        try:
            mtime = (run / "history.csv").stat().st_mtime
        except OSError:
            return {}
        cached = self._histories.get(run)
        if cached is None or cached[0] != mtime:
            try:
                cached = (mtime, history(run))
            except Exception:  # a hand-edited file: no curve, never a broken page
                log.exception("reading the history of %s failed", run)
                cached = (mtime, {})
            self._histories[run] = cached
        return cached[1]

    def _show_diff(self, runs: list[RunRow]) -> None:
        runs = [r for r in runs if r.path not in self._unsafe]
        try:
            rows = config_diff([r.path for r in runs]) if len(runs) >= 2 else []
        except Exception:  # a hand-edited config.json: no comparison, never a broken page
            log.exception("comparing runs failed")
            rows = []
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

    # -- the current run -------------------------------------------------------------------
    def open_selected(self) -> None:
        """Make the selected run the current one (read on the window's worker)."""
        runs = self.selected()
        files = getattr(self.window(), "run_files", None)
        if len(runs) != 1 or files is None:
            return
        if runs[0].problem:
            self.message_bar.show_error(f"{runs[0].name} cannot be opened: {runs[0].problem}")
            return
        files.open(runs[0].path)

    def _on_double_click(self, item: QTableWidgetItem) -> None:
        self.select_runs([item.data(Qt.ItemDataRole.UserRole)])
        self.open_selected()

    def _mark_current(self) -> None:
        """The current run's row in bold, with a tooltip that says so."""
        run = self.state.run
        current = run.run_dir.resolve() if run is not None and run.run_dir else None
        by_id = {r.id: r for r in self.rows}
        for i in range(self.table.rowCount()):
            row = by_id.get(self.table.item(i, 0).data(Qt.ItemDataRole.UserRole))
            bold = row is not None and current is not None and row.path.resolve() == current
            for j in range(self.table.columnCount()):
                item = self.table.item(i, j)
                font = item.font()
                font.setBold(bold)
                item.setFont(font)
            name_item = self.table.item(i, COLUMNS.index("name"))
            name_item.setToolTip("the current run: Evaluate and the Network page show it"
                                 if bold else "")

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
            self.message_bar.show_error(f"{display(path)}: {write_problem(path, exc)}")

    def export_code(self, path: str | None = None) -> None:
        """The selected run as a standalone training script (``core.export.script``; a
        demo run's rows go beside it as a CSV). It reads the run folder and writes a text
        file, well under a second for the networks Mendel builds, so no worker."""
        runs = self.selected()
        if len(runs) != 1:
            return
        if not isinstance(path, str):
            path, _ = QFileDialog.getSaveFileName(self, "Export code", "train.py",
                                                  "Python script (*.py)")
            if not path:
                return
        from core.export.script import export_script

        try:
            report = export_script(runs[0].path, path)
        except (MendelError, OSError) as exc:
            self.message_bar.show_error(str(exc))
            return
        self.message_bar.show_message(report.text(), "success")

    def _do(self, fn: Any, *args: Any, refresh: bool = True) -> None:
        try:
            fn(*args)
        except (MendelError, OSError) as exc:
            self.message_bar.show_error(str(exc))
        if refresh:
            self.refresh()

