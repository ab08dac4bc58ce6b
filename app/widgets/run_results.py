"""The end of a run: one sentence and a table of the network beside the baselines.

Both come from ``core.train.report`` (the same table ``mendel train`` prints and the model
card holds): the task's headline metrics of the network on each split, then each classic
baseline on the test split, fitted on the same training rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Results</b>"))
        layout.addWidget(self.label)
        layout.addWidget(self.view, 1)

    def clear(self, text: str) -> None:
        self.model.set_frame(pd.DataFrame())
        self.label.setText(text)

    def say(self, text: str) -> None:
        self.label.setText(text)

    def show_outcome(self, outcome: Any) -> None:
        self.model.set_frame(results_frame(outcome.metrics, outcome.baseline,
                                           outcome.data.task))
        self.label.setText(results_sentence(outcome))
