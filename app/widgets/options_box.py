"""A titled box of option fields that says when the user edited one of them.

The Data page's forms (how a file is read, how records are encoded, how the data is split)
share this shape: a ``QGroupBox`` over a form layout, and one ``changed`` signal for
"the user finished editing a field". Each field reports through the signal that means
"done" for its kind of widget (a spin box or a line edit on Enter or focus loss, not on
every keystroke), so a reload or a new split starts once per edit. A form shows values
with its fields' signals blocked (``fields``), so showing never reports an edit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QListWidget,
    QWidget,
)


def edit_signal(field: QWidget) -> SignalInstance:
    """The signal that says the user finished editing ``field``."""
    if isinstance(field, QComboBox):
        return field.currentIndexChanged
    if isinstance(field, QAbstractButton):
        return field.toggled
    if isinstance(field, QListWidget):
        return field.itemChanged
    return field.editingFinished  # type: ignore[attr-defined]  # line edits and spin boxes


class OptionsBox(QGroupBox):
    """A group box with a form layout (labels on the right, fields that grow)."""

    changed = Signal()  # the user edited one of ``fields``

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.form = QFormLayout(self)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: list[QWidget] = []

    def watch(self, *fields: QWidget) -> None:
        """Report edits of ``fields`` as ``changed`` (and block them while showing)."""
        for field in fields:
            edit_signal(field).connect(self.changed)
            self.fields.append(field)

    def set_row_visible(self, field: QWidget, visible: bool) -> None:
        self.form.setRowVisible(field, visible)
