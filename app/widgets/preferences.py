"""File ▸ Preferences: settings of the program itself, not of one piece of work.

How many CPU threads a training run uses: the default leaves one core to the window, so
that the curves keep redrawing and clicks are answered while a run trains; on a machine
with many cores a user may give training all of them, or fewer to keep working in other
programs. And the memory budget (``core.budget``): the most memory Mendel may use, saved
and applied by the dialog itself when it is accepted.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.settings import apply_memory_budget_setting, memory_budget_setting


def default_threads(cores: int | None = None) -> int:
    """All cores but one for training (one is the window's), at least one."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)


def threads_explained(cores: int | None = None) -> str:
    cores = cores or os.cpu_count() or 1
    return (f"This computer has {cores} CPU core{'s' if cores != 1 else ''}. By default "
            f"training uses {default_threads(cores)}, leaving one for the window so that "
            "it stays responsive while a run trains. More threads train faster on large "
            "networks; the change applies from the next run.")


class PreferencesDialog(QDialog):
    """The number of training threads (0 in the settings means the default)."""

    def __init__(self, threads: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        cores = os.cpu_count() or 1
        self.threads = QSpinBox()
        self.threads.setRange(1, max(1, cores))
        self.threads.setValue(threads or default_threads(cores))
        self.threads.setToolTip(threads_explained(cores))
        explanation = QLabel(threads_explained(cores))
        explanation.setWordWrap(True)
        self.memory = QLineEdit(memory_budget_setting())
        self.memory.setPlaceholderText(f"default: {_default_budget()}")
        self.memory.setToolTip(MEMORY_HELP)
        self.memory_error = QLabel()
        self.memory_error.setStyleSheet("color: #c62828")
        self.memory_error.setWordWrap(True)
        self.memory_error.hide()
        form = QFormLayout()
        form.addRow("Training threads (CPU)", self.threads)
        form.addRow("Memory budget", self.memory)
        form.addRow("", self.memory_error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explanation)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def restore_defaults(self) -> None:
        self.threads.setValue(default_threads())
        self.memory.clear()

    def accept(self) -> None:
        """Save and apply the memory budget; a size that does not parse keeps the dialog
        open with the reason under the field."""
        from core.errors import MendelError

        try:
            apply_memory_budget_setting(self.memory.text())
        except MendelError as exc:
            self.memory_error.setText(str(exc))
            self.memory_error.show()
            return
        super().accept()


MEMORY_HELP = ("The most memory Mendel may use, e.g. 8G or 512M; empty for half of this "
               "computer's memory. A network, an image or a run estimated to need more is "
               "refused before it starts, with a message saying how much it needs.")


def _default_budget() -> str:
    from core.budget import DEFAULT_SHARE, human_bytes, physical_memory

    return f"{human_bytes(DEFAULT_SHARE * physical_memory())} ({DEFAULT_SHARE:.0%} of memory)"
