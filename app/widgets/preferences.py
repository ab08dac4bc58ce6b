"""File ▸ Preferences: settings of the program itself, not of one piece of work.

For now, how many CPU threads a training run uses. The default leaves one core to the
window, so that the curves keep redrawing and clicks are answered while a run trains; on
a machine with many cores a user may give training all of them, or fewer to keep working
in other programs.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


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
        form = QFormLayout()
        form.addRow("Training threads (CPU)", self.threads)
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
