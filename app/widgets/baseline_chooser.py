"""Which classic baselines a run fits beside the network: one check box per idea.

The names are ``core.classic.baseline_info.CHOICES`` (no scikit-learn import): "logistic /
linear regression" is one box whose model follows the task. The chooser only shows and
reports; the Train page writes the choice to the session state, which Start reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGroupBox, QVBoxLayout, QWidget

from core.classic.baseline_info import BASELINES, CHOICES, TWIN

TIP = ("Classic models fitted on the same split and features after training, shown beside "
       "the network in the results and on the Evaluate page.")


class BaselineChooser(QGroupBox):
    """``changed`` when the user ticks or clears a box; ``names()`` is the choice."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Baselines", parent)
        self.setToolTip(TIP)
        layout = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        for name, label in CHOICES:
            box = QCheckBox(label, self)
            texts = [str(BASELINES[n]["text"]) for n in (name, TWIN.get(name)) if n]
            box.setToolTip("\n".join(dict.fromkeys(texts)))
            box.setChecked(True)
            box.toggled.connect(self.changed)
            layout.addWidget(box)
            self.boxes[name] = box

    def names(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.boxes.items() if box.isChecked())

    def set_names(self, names: Sequence[str]) -> None:
        """Show a choice (a name or its twin ticks the box) without reporting it."""
        chosen = set(names) | {TWIN[n] for n in names if n in TWIN}
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in chosen)
            box.blockSignals(False)

    def set_task(self, task: str | None) -> None:
        """A box whose model does not exist for the task is greyed out (naive Bayes on
        regression); it keeps its tick for the next classification data."""
        for name, box in self.boxes.items():
            tasks = set(BASELINES[name]["tasks"])  # type: ignore[call-overload]
            if name in TWIN:
                tasks |= set(BASELINES[TWIN[name]]["tasks"])  # type: ignore[call-overload]
            box.setEnabled(task is None or task in tasks)
