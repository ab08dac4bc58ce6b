"""The learning-rate finder's picture: loss against a rising rate, the suggested rate,
and a button that puts it into the training form."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.plots import search as plots
from app.plots.base import new_plot
from app.widgets.pacer import pacer
from app.widgets.plot_export import PlotPanel
from core.select.events import LRStep

EMPTY = ("The finder trains a copy of the network for a hundred batches while the "
         "learning rate rises from 1e-7 to 10, and suggests the rate where the loss falls "
         "fastest (the valley rule).")


class LRView(QWidget):
    """``apply_requested(rate)`` when the user takes the suggestion."""

    apply_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.suggestion: float | None = None
        self.label = QLabel(EMPTY)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.apply_button = QPushButton("Use this learning rate")
        self.apply_button.setToolTip("Put the suggested rate into the Train page's form")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self._apply)
        self.plot = new_plot(None, "learning rate", "training loss")
        self.panel = PlotPanel(self.plot, "Loss against learning rate", "log axis")
        self.panel.setVisible(False)  # until there is a curve
        row = QHBoxLayout()
        row.addWidget(self.label, 1)
        row.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.panel, 1)

    def reset(self) -> None:
        self.panel.setVisible(True)
        self.lrs, self.losses, self.smoothed, self.suggestion = [], [], [], None
        self.apply_button.setEnabled(False)
        self.label.setText("Finding the learning rate\u2026")
        self._redraw()

    def on_event(self, ev: Any) -> None:
        if isinstance(ev, LRStep):
            self.lrs.append(ev.lr)
            self.losses.append(ev.loss)
            self.smoothed.append(ev.smoothed)
            pacer().request(self._redraw)

    def show_result(self, finding: Any) -> None:
        self.lrs, self.losses = list(finding.lrs), list(finding.losses)
        self.smoothed, self.suggestion = list(finding.smoothed), finding.suggestion
        ok = finding.suggestion is not None and math.isfinite(finding.suggestion)
        self.apply_button.setEnabled(ok)
        if ok:
            self.label.setText(
                f"Suggested learning rate <b>{finding.suggestion:.2g}</b> (where the "
                "smoothed loss falls fastest). For a one-cycle schedule it is the peak "
                "rate; up to ten times more often works too.")
        else:
            self.label.setText("The loss never fell steadily, so there is no suggestion: "
                               + (finding.message or "try another optimizer or batch size."))
        self._redraw()

    def _apply(self) -> None:
        if self.suggestion is not None:
            self.apply_requested.emit(float(self.suggestion))

    def _redraw(self) -> None:
        plots.lr_finder(self.plot, self.lrs, self.losses, self.smoothed, self.suggestion)

    def shutdown(self) -> None:
        pacer().cancel(self)
