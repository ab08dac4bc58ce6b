"""An inline message bar: errors and notices appear on the page they concern.

Pages keep working while it shows (no modal dialog): the user reads the one-line reason,
fixes the input and tries again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

LEVELS = ("info", "success", "warning", "error")


class MessageBar(QFrame):
    """A hidden-by-default strip showing one message with a level and a close button."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._level = "info"
        self._icon = QLabel(self)
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        close = QToolButton(self)
        close.setText("\u2715")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._icon)
        layout.addWidget(self._label, 1)
        layout.addWidget(close)
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()

    @property
    def level(self) -> str:
        return self._level

    def show_message(self, text: str, level: str = "info") -> None:
        if level not in LEVELS:
            raise ValueError(f"unknown message level {level!r}")
        self._level = level
        self._icon.setText({"info": "\u2139", "success": "\u2714", "warning": "\u26a0",
                            "error": "\u26d4"}[level])
        self._label.setText(text)
        self.setProperty("level", level)  # style sheet: MessageBar[level="error"]
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def show_error(self, text: str) -> None:
        self.show_message(text, "error")

    def clear(self) -> None:
        self._label.clear()
        if not self.isHidden():
            self.hide()
            self.closed.emit()
