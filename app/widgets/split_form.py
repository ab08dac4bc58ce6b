"""How the data is split into training, validation and test samples, as a form.

``options()`` builds the ``SplitOptions`` the fields show; the page hands it to the
session state, which refuses a split that cannot be made, and then shows the split really
in use with ``show_options`` (so a refused edit springs back, and the sizes under the
fields are always those of the split the network will see).
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QSpinBox, QWidget

from app.state import SplitOptions
from app.widgets.binding import signals_blocked
from app.widgets.options_box import OptionsBox
from core.data.dataset import Split


def split_sizes_text(split: Split | None) -> str:
    if split is None:
        return ""
    return (f"train {len(split.train)} \u00b7 validation {len(split.val)} \u00b7 "
            f"test {len(split.test)}")


class SplitForm(OptionsBox):
    """The split box: fractions, seed, the file's own split; ``changed`` after each edit.

    ``extra_rows`` are (label, field) rows that belong with the split but whose values
    live elsewhere (the Data page's group column, a read option); they go above the sizes
    and this form neither reads nor watches them.
    """

    def __init__(self, extra_rows: tuple[tuple[str, QWidget], ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__("Split", parent)
        self.val_spin = QDoubleSpinBox()
        self.test_spin = QDoubleSpinBox()
        for w, label, tip in (
            (self.val_spin, "Validation", "Share of samples held out to watch training "
             "(validation curve, early stopping)"),
            (self.test_spin, "Test", "Share of samples kept untouched until the end, for "
             "an honest final score"),
        ):
            w.setRange(0.0, 0.9)
            w.setSingleStep(0.05)
            w.setDecimals(2)
            w.setToolTip(tip)
            self.form.addRow(label, w)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Which samples land in which part; same seed, same split")
        self.form.addRow("Seed", self.seed_spin)
        self.file_split = QCheckBox("use the file's own split")
        self.file_split.setToolTip("Follow the file's train/val/test column instead of a "
                                   "random split")
        self.form.addRow("", self.file_split)
        for label, field in extra_rows:
            self.form.addRow(label, field)
        self.sizes_label = QLabel()
        self.sizes_label.setStyleSheet("color: #606060;")
        self.form.addRow("", self.sizes_label)
        self.changed.connect(self._enable_fractions)
        self.watch(self.val_spin, self.test_spin, self.seed_spin, self.file_split)

    def show_options(self, options: SplitOptions, split: Split | None,
                     has_file_split: bool) -> None:
        """Show ``options`` and the sizes of ``split``; the file's-split row only for data
        that has one. Emits nothing."""
        with signals_blocked(*self.fields):
            self.val_spin.setValue(options.val_fraction)
            self.test_spin.setValue(options.test_fraction)
            self.seed_spin.setValue(options.seed)
            self.file_split.setEnabled(has_file_split)
            self.file_split.setChecked(options.use_file_split and has_file_split)
        self.set_row_visible(self.file_split, has_file_split)
        self._enable_fractions()
        self.sizes_label.setText(split_sizes_text(split))

    def options(self) -> SplitOptions:
        return SplitOptions(val_fraction=self.val_spin.value(),
                            test_fraction=self.test_spin.value(), seed=self.seed_spin.value(),
                            use_file_split=self.file_split.isChecked())

    def _enable_fractions(self) -> None:
        """The file's own split replaces the random one: its fractions and seed are moot."""
        for w in (self.val_spin, self.test_spin, self.seed_spin):
            w.setEnabled(not self.file_split.isChecked())
