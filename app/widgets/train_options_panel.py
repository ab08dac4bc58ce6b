"""The Train page's left column: the network to train, every training option and the
baselines fitted beside it.

One scrolling column of fixed width (the form never squeezes the plots), with a button
that puts the options back to their defaults.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.widgets.baseline_chooser import BaselineChooser
from app.widgets.network_chooser import NetworkChooser
from app.widgets.train_config_form import TrainConfigForm


class TrainOptionsPanel(QScrollArea):
    """``network`` (preset or custom), ``form`` (TrainConfig), ``baselines``,
    ``reset_requested``."""

    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = NetworkChooser()
        self.form = TrainConfigForm()
        self.baselines = BaselineChooser()
        reset = QPushButton("Reset to defaults")
        reset.setToolTip("Put every training option back to its default value")
        reset.clicked.connect(self.reset_requested)
        column = QWidget()
        layout = QVBoxLayout(column)
        for w in (self.network, self.form, self.baselines, reset):
            layout.addWidget(w)
        self.setWidget(column)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedWidth(column.minimumSizeHint().width()
                           + self.verticalScrollBar().sizeHint().width() + 2)
