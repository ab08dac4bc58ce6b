"""How the data is split into training, validation and test samples, as a form.

``options()`` builds the ``SplitOptions`` the fields show; the page hands it to the
session state, which refuses a split that cannot be made, and then shows the split really
in use with ``show_options`` (so a refused edit springs back, and the sizes under the
fields are always those of the split the network will see).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QSpinBox, QWidget

from app.state import SplitOptions
from app.widgets.binding import signals_blocked
from app.widgets.options_box import OptionsBox
from core.data.dataset import Split

RANDOM = "random (fractions and seed below)"


def split_sizes_text(split: Split | None) -> str:
    if split is None:
        return ""
    return (f"train {len(split.train)} \u00b7 validation {len(split.val)} \u00b7 "
            f"test {len(split.test)}")


def split_choice_text(column: str) -> str:
    """How the split box names following ``column`` ("": a folder's own split files)."""
    return f"follow column '{column}'" if column else "follow the files' own train/test split"


class SplitForm(OptionsBox):
    """The split box: fractions, seed, which split to follow; ``changed`` after each edit.

    One list says how the data is split: randomly (by the fractions and seed), or as a
    train/val/test column of the file says. It offers only the columns whose values are
    all split names (``Dataset.info["split_candidates"]``), so never the target or the
    sequences. ``options()`` gives the ``SplitOptions`` (``use_file_split``) and
    ``split_column()`` the column chosen: another column than the one loaded is a read
    option, which the page turns into a reload.

    ``extra_rows`` are (label, field) rows that belong with the split but whose values
    live elsewhere (the Data page's groups and duplicates, read options); they go above the
    sizes and this form neither reads nor watches them.
    """

    def __init__(self, extra_rows: tuple[tuple[str, QWidget], ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__("Split", parent)
        self.split_by = QComboBox()
        self.split_by.setToolTip("Split at random by the fractions and seed below, or follow "
                                 "a train / val / test column of the file")
        self.split_by.addItem(RANDOM, None)
        self.form.addRow("Split", self.split_by)
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
        for label, field in extra_rows:
            self.form.addRow(label, field)
        self.sizes_label = QLabel()
        self.sizes_label.setStyleSheet("color: #606060;")
        self.form.addRow("", self.sizes_label)
        self.changed.connect(self._enable_fractions)
        self.watch(self.split_by, self.val_spin, self.test_spin, self.seed_spin)

    def show_options(self, options: SplitOptions, split: Split | None,
                     choices: Sequence[str] = (), chosen: str | None = None) -> None:
        """Show ``options`` and the sizes of ``split``. ``choices`` are the columns the split
        may follow ("" for split files without a column); ``chosen`` the one it follows
        when ``options.use_file_split``. The list shows only for data that has a choice.
        Emits nothing."""
        with signals_blocked(*self.fields):
            self.val_spin.setValue(options.val_fraction)
            self.test_spin.setValue(options.test_fraction)
            self.seed_spin.setValue(options.seed)
            self.split_by.clear()
            self.split_by.addItem(RANDOM, None)
            for column in choices:
                self.split_by.addItem(split_choice_text(column), column)
            follows = options.use_file_split and chosen is not None
            self.split_by.setCurrentIndex(max(self.split_by.findData(chosen), 0) if follows
                                          else 0)
        self.set_row_visible(self.split_by, bool(choices))
        self._enable_fractions()
        self.sizes_label.setText(split_sizes_text(split))

    def options(self) -> SplitOptions:
        return SplitOptions(val_fraction=self.val_spin.value(),
                            test_fraction=self.test_spin.value(), seed=self.seed_spin.value(),
                            use_file_split=self.split_column() is not None)

    def split_column(self) -> str | None:
        """The column the split follows ("" for split files), or None for a random split."""
        return self.split_by.currentData()

    def _enable_fractions(self) -> None:
        """The file's own split replaces the random one: its fractions and seed are moot."""
        for w in (self.val_spin, self.test_spin, self.seed_spin):
            w.setEnabled(self.split_column() is None)
