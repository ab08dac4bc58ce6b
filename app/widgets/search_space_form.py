"""The search space, point and click: one row per setting a search can vary (a tick box,
its name and what it ranges over), read by ``core.select.choose.chosen_space``.

An empty text means the design's default range (shown greyed as the placeholder); a
range is "0.0001 to 0.1", choices "adam, adamw, sgd". A bad text is named at once, under
the form, before any trial runs.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QWidget

from core.errors import MendelError
from core.select.choose import SETTINGS, parse_values

DEFAULT_TEXT = {
    "lr": "0.0001 to 0.1",
    "batch_size": "16, 32, 64, 128",
    "optimizer": "adam, adamw, sgd",
    "weight_decay": "0, 1e-05, 0.0001, 0.001",
    "dropout": "0 to 0.5",
    "width": "0.5, 1, 2",
    "depth": "-1 to 1",
}
TICKED = ("lr", "batch_size", "optimizer", "weight_decay", "dropout", "width", "depth")


class SearchSpaceForm(QWidget):
    """``chosen()`` -> {setting: text} of the ticked rows; ``problem()`` -> first error."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("<b>Search</b>"), 0, 0)
        grid.addWidget(QLabel("<b>over</b> (empty: the design's default)"), 0, 1)
        self.boxes: dict[str, QCheckBox] = {}
        self.edits: dict[str, QLineEdit] = {}
        for row, (name, label, log) in enumerate(SETTINGS, 1):
            box = QCheckBox(label + (" (log)" if log else ""))
            box.setChecked(name in TICKED)
            edit = QLineEdit()
            edit.setPlaceholderText(DEFAULT_TEXT[name])
            edit.setToolTip("A range: 0.001 to 0.1. Choices: a, b, c. Empty: the default "
                            f"({DEFAULT_TEXT[name]}), fitted to the design and data.")
            box.toggled.connect(self._on_edit)
            edit.textChanged.connect(self._on_edit)
            grid.addWidget(box, row, 0)
            grid.addWidget(edit, row, 1)
            self.boxes[name], self.edits[name] = box, edit
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        grid.addWidget(self.error, len(SETTINGS) + 1, 0, 1, 2)

    def chosen(self) -> dict[str, str]:
        return {name: self.edits[name].text() for name, box in self.boxes.items()
                if box.isChecked()}

    def problem(self) -> str | None:
        """The first text that does not read, or nothing ticked; None when all is well."""
        chosen = self.chosen()
        if not chosen:
            return "tick at least one setting to search"
        for name, text in chosen.items():
            try:
                parse_values(name, text)
            except MendelError as exc:
                return str(exc)
        return None

    def _on_edit(self) -> None:
        self.error.setText(self.problem() or "")
        self.changed.emit()
