"""The end of a run: one sentence and a table of the network beside the baselines.

Both come from ``core.train.report`` (the same table ``mendel train`` prints and the model
card holds): the task's headline metrics of the network on each split, then each classic
baseline on the test split, fitted on the same training rows. A linear model on a table
adds its equation in the data's own units (``core.train.coefficients``).
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.widgets.table_model import DataFrameModel
from app.widgets.table_setup import make_table_view
from core.train.report import results_frame, results_sentence

EMPTY_TEXT = ("Results appear here when a run ends: the network's metrics on the training, "
              "validation and test data beside simple baseline models fitted on the same "
              "split.")


class RunResults(QWidget):
    """``label`` says how well, compared with what; ``model`` holds the table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DataFrameModel()
        self.view = make_table_view(self.model)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.view.setMinimumHeight(150)
        self.label = QLabel(EMPTY_TEXT)
        self.label.setWordWrap(True)
        self.equation = QLabel()  # the linear model's equation, when there is one
        self.equation.setWordWrap(True)
        self.equation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equation.setToolTip("The single linear layer's weights with the standardization "
                                 "undone: intercept and slopes in the data's own units")
        self.equation.setVisible(False)
        self.coefficients: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Results</b>"))
        layout.addWidget(self.label)
        layout.addWidget(self.equation)
        layout.addWidget(self.view, 1)

    def clear(self, text: str) -> None:
        self.model.set_frame(pd.DataFrame())
        self.label.setText(text)
        self.coefficients = None
        self.equation.setVisible(False)

    def say(self, text: str) -> None:
        self.label.setText(text)

    def show_outcome(self, outcome: Any) -> None:
        self.model.set_frame(results_frame(outcome.metrics, outcome.baseline,
                                           outcome.data.task))
        self.label.setText(results_sentence(outcome))
        from core.train.coefficients import linear_coefficients

        self.coefficients = linear_coefficients(outcome)
        if self.coefficients is not None:
            lines = self.coefficients["equation"].splitlines()
            self.equation.setText("Linear model in the data's units:<br><tt>"
                                  + "<br>".join(html.escape(line) for line in lines)
                                  + "</tt>")
        self.equation.setVisible(self.coefficients is not None)
