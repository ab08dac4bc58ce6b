"""How records become network inputs: one-hot, integer codes or k-mers for sequences,
scaling for tables.

Only the fields that mean something for the loaded data show (k for a k-mer profile,
strands for DNA, standardizing for a table), and they follow the encoding chosen in the
same form at once, before the session state has heard of it. ``options()`` builds the
``EncodingOptions``; ``show_options`` shows one without reporting an edit.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox, QWidget

from app.widgets.binding import signals_blocked
from app.widgets.options_box import OptionsBox
from core.data.dataset import Dataset
from core.data.preprocessing import EncodingOptions


def _check(text: str, tip: str) -> QCheckBox:
    box = QCheckBox(text)
    box.setToolTip(tip)
    return box


class EncodingForm(OptionsBox):
    """The encoding box of the Data page; ``changed`` after each edit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Encoding", parent)
        self._shown = EncodingOptions()
        self._sequence = self._dna = False
        self.encoding_combo = QComboBox()
        self.encoding_combo.addItem("one-hot (position \u00d7 letter)", "onehot")
        self.encoding_combo.addItem("integer codes (for Embedding)", "integer")
        self.encoding_combo.addItem("k-mer profile", "kmer")
        self.encoding_combo.setToolTip(
            "One-hot keeps where each letter is (for convolutions); integer codes give one "
            "number per position (1 = A, 2 = C, ...; 0 = padding) for networks that start "
            "with an Embedding layer; a k-mer profile counts every word of length k, "
            "ignoring position (for MLPs and baselines)")
        for i, tip in enumerate((
                "A column of 0/1 per letter at every position: for convolutions",
                "One code per position (0 = padding or unknown letter): for networks whose "
                "first layer is an Embedding (then attention or transformer layers)",
                "Counts of every word of length k, ignoring position: for MLPs and baselines")):
            self.encoding_combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.form.addRow("Encoding", self.encoding_combo)
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, 8)
        self.k_spin.setToolTip("Word length: 4^k features for DNA (k = 6 gives 4,096)")
        self.form.addRow("k", self.k_spin)
        self.length_spin = QSpinBox()
        self.length_spin.setRange(0, 100_000)
        self.length_spin.setSpecialValueText("longest (max 2000)")
        self.length_spin.setToolTip("Shorter sequences are padded, longer ones truncated "
                                    "to this length")
        self.form.addRow("Length", self.length_spin)
        self.kmer_counts = _check("raw counts, not frequencies",
                                  "Frequencies make long and short sequences comparable")
        self.both_strands = _check("count both strands",
                                   "Add the reverse-complement strand's k-mers (DNA)")
        self.rc_augment = _check("reverse-complement augmentation",
                                 "Doubles the training sequences with their other strand "
                                 "(DNA): a motif counts on either strand")
        self.standardize = _check("standardize numeric columns",
                                  "Scale every column to mean 0 and standard deviation 1 "
                                  "(fitted on the training rows): networks train better")
        for box in (self.kmer_counts, self.both_strands, self.rc_augment, self.standardize):
            self.form.addRow("", box)
        self.changed.connect(self._show_rows)  # first: the rows follow before anyone reads
        self.watch(self.encoding_combo, self.k_spin, self.length_spin, self.kmer_counts,
                   self.both_strands, self.rc_augment, self.standardize)

    def show_options(self, options: EncodingOptions, dataset: Dataset | None) -> None:
        """Show ``options`` and the rows that apply to ``dataset``, emitting nothing."""
        self._shown = options
        self._sequence = dataset is not None and dataset.modality == "sequence"
        self._dna = (self._sequence and dataset is not None
                     and dataset.alphabet in ("DNA", "RNA"))
        with signals_blocked(*self.fields):
            self.encoding_combo.setCurrentIndex(
                max(self.encoding_combo.findData(options.encoding), 0))
            self.k_spin.setValue(options.k)
            self.length_spin.setValue(options.length or 0)
            self.kmer_counts.setChecked(not options.kmer_normalize)
            self.both_strands.setChecked(options.both_strands)
            self.rc_augment.setChecked(options.rc_augment)
            self.standardize.setChecked(options.standardize)
        self._show_rows()

    def options(self) -> EncodingOptions:
        return replace(self._shown, encoding=self.encoding_combo.currentData(),
                       k=self.k_spin.value(), length=self.length_spin.value() or None,
                       kmer_normalize=not self.kmer_counts.isChecked(),
                       both_strands=self.both_strands.isChecked(),
                       rc_augment=self.rc_augment.isChecked(),
                       standardize=self.standardize.isChecked())

    def _show_rows(self) -> None:
        sequence, dna = self._sequence, self._dna
        kmer = self.encoding_combo.currentData() == "kmer"
        for w, visible in ((self.encoding_combo, sequence), (self.k_spin, sequence and kmer),
                           (self.length_spin, sequence and not kmer),
                           (self.kmer_counts, sequence and kmer),
                           (self.both_strands, dna and kmer), (self.rc_augment, dna),
                           (self.standardize, not sequence)):
            self.set_row_visible(w, visible)
