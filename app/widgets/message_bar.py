"""An inline message bar: errors and notices appear on the page they concern.

Pages keep working while it shows (no modal dialog): the user reads the one-line reason,
fixes the input and tries again.

The level's icon is the style's own (``QStyle.StandardPixmap``), never a font character:
common fonts lack the emoji ("\u26d4") and showed a missing-glyph box. The text wraps
and, where a word (a long path) is wider than the window, is cut rather than widening
the window: the bar never asks for more width than its page has. The text is plain
(never markup), and an empty message says so rather than showing an empty bar.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

LEVELS = ("info", "success", "warning", "error")
ICONS = {"info": QStyle.StandardPixmap.SP_MessageBoxInformation,
         "success": QStyle.StandardPixmap.SP_DialogApplyButton,
         "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
         "error": QStyle.StandardPixmap.SP_MessageBoxCritical}


class MessageBar(QFrame):
    """A hidden-by-default strip showing one message with a level and a close button."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._level = "info"
        self.icon_label = QLabel(self)
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        # Plain text: a message quotes file names and file content ("<html>", "a<b.csv"),
        # which Qt would otherwise guess to be markup and render (or swallow).
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Ignored: the text's width never becomes the bar's (and so the window's) minimum;
        # it wraps at the width it gets (heightForWidth still sizes the height).
        self._label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._label.setMinimumWidth(100)
        close = QToolButton(self)
        close.setText("\u2715")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.icon_label)
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
        text = text if text.strip() else "(no details given)"
        self._level = level
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self)
        icon = self.style().standardIcon(ICONS[level], None, self)
        if icon.isNull():  # a style without it: the generic information icon
            icon = self.style().standardIcon(ICONS["info"], None, self)
        self.icon_label.setPixmap(icon.pixmap(size, size))
        self.icon_label.setToolTip(level)
        self._label.setText(text)
        self._label.setToolTip(text)  # whole, should a long path be cut at the edge
        self.setProperty("level", level)  # style sheet: MessageBar[level="error"]
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def show_error(self, text: str) -> None:
        self.show_message(text, "error")

    def clear(self) -> None:
        self._label.clear()
        self._label.setToolTip("")
        if not self.isHidden():
            self.hide()
            self.closed.emit()
