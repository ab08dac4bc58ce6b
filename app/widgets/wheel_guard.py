"""The mouse wheel scrolls the page; it changes a number or a choice only when focused.

A form in a scroll area is full of spin boxes and combo boxes. Qt lets each take the
wheel whenever the pointer is over it, so scrolling down the Train page silently changed
an L1 penalty to 1e-08. Like most desktop applications, Mendel passes the wheel to the
scroll area unless the user has clicked (focused) the field first.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)


class WheelGuard(QObject):
    """An application-wide event filter (``install_wheel_guard``)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel:
            return False
        if not isinstance(watched, (QAbstractSpinBox, QComboBox)) or watched.hasFocus():
            return False
        area = _scroll_area(watched)
        if area is not None:  # scroll what holds the field instead
            QApplication.sendEvent(area.verticalScrollBar(), event)
        return True


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


_guard: WheelGuard | None = None


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard once for the whole application (idempotent)."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
    return _guard
