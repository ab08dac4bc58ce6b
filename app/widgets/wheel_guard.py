"""The mouse wheel scrolls the page; it changes a number or a choice only when focused.

A form in a scroll area is full of spin boxes and combo boxes. Qt lets each take the
wheel whenever the pointer is over it, so scrolling down the Train page silently changed
an L1 penalty to 1e-08. Like most desktop applications, Mendel passes the wheel to the
scroll area unless the user has clicked (focused) the field first.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)


class WheelGuard(QObject):
    """An event filter on each spin box and combo box (``guard_wheel``).

    Per widget, not application-wide: an application filter written in Python would run
    for every event of every object, holding the GIL the training thread needs."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        if watched.hasFocus():
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


def guard_wheel(root: QWidget) -> None:
    """Make every spin box and combo box under ``root`` take the wheel only when focused
    (call again after adding fields; each field is guarded once)."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(QApplication.instance())
    for field in [*root.findChildren(QAbstractSpinBox), *root.findChildren(QComboBox)]:
        if not field.property("wheelGuarded"):
            field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel gives no focus
            field.installEventFilter(_guard)
            field.setProperty("wheelGuarded", True)
