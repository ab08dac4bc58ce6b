"""The Explore page's k-mer view: the spectrum of the loaded sequences and the Jaccard
similarity of their k-mer sets, the course's k-mer notebook in a few clicks.

Counting runs ``core.classic.kmers`` on a worker (``JobStrip``), so a genome never
blocks the window. The heat map compares the first ``MAX_SEQUENCES`` sequences, or the
files (classes) the data came from; the view says which. Data that is not DNA or RNA
gets one sentence instead of plots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import plots
from app.widgets.job_strip import JobStrip
from app.widgets.plot_export import ErrorHandler, PlotPanel
from core.progress import ProgressFn, StopFn, check_stop

MAX_K = 10
MAX_SEQUENCES = 50  # the heat map's rows: more would not read
STREAMED_SAMPLE = 20_000  # sequences of a file too large to hold that are counted
TIPS = {
    "k": "Length of the words counted. Small k: every word occurs often; large k: most of "
         "the 4^k words never occur, and the shared ones say which sequences are related.",
    "between": "Compare the k-mer sets of single sequences, or pool each file's (class's) "
               "sequences into one set.",
}


@dataclass
class KmerResult:
    """What one count produced (the worker's result)."""

    k: int
    counts: np.ndarray
    jaccard: np.ndarray
    names: list[str]
    between: str  # "sequences", "files" or "classes"
    n_groups: int  # sequences or classes there were to compare
    n_counted: int = 0  # sequences counted (a sample of a streamed file); 0: all


def _sample(records: Any, targets: np.ndarray, ids: list[str],
            progress: ProgressFn) -> tuple[list[str], np.ndarray, list[str]]:
    """(sequences, their targets, their ids) to count: all of them, or a seeded sample
    in file order of a file too large to hold (``core.data.fasta_index``), read here in
    the worker."""
    from core.data.lazy import is_lazy_records

    if not is_lazy_records(records) or len(records) <= STREAMED_SAMPLE:
        return list(records), targets, ids
    progress(0.0, f"Reading {STREAMED_SAMPLE:,} of {len(records):,} sequences")
    rows = np.sort(np.random.default_rng(0).choice(len(records), STREAMED_SAMPLE,
                                                   replace=False))
    return records.rows(rows), targets[rows], [ids[i] for i in rows]


def empty_reason(ds: Any) -> str | None:
    """Why the view cannot count this data, or None when it can."""
    if ds is None:
        return "Load DNA or RNA sequences on the Data page to count their k-mers."
    if ds.modality != "sequence":
        return (f"k-mer spectra are for DNA or RNA sequences; {ds.name} holds {ds.modality} "
                "data. Load a FASTA file to use this view.")
    if ds.alphabet == "protein":
        return (f"{ds.name} holds protein sequences; this view counts the DNA/RNA letters "
                "A, C, G, T.")
    return None


class KmerView(QWidget):
    """k spin box, "compare" choice, Count button, the spectrum and the Jaccard heat map."""

    def __init__(self, on_error: ErrorHandler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.on_error = on_error
        self.dataset: Any = None
        self.result: KmerResult | None = None
        box = QGroupBox("k-mers")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.k = QSpinBox()
        self.k.setRange(1, MAX_K)
        self.k.setValue(4)
        self.k.setToolTip(TIPS["k"])
        self.k.valueChanged.connect(self._on_k_changed)
        self.between = QComboBox()
        self.between.setToolTip(TIPS["between"])
        self.between.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.count_button = QPushButton("Count k-mers")
        self.count_button.setObjectName("primaryButton")
        self.count_button.clicked.connect(self.run)
        form.addRow("k", self.k)
        form.addRow("Jaccard between", self.between)
        form.addRow(self.count_button)
        self.jobs = JobStrip()
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #404040;")
        left = QWidget()
        left.setMaximumWidth(300)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        for w in (box, self.jobs, self.info):
            left_layout.addWidget(w)
        left_layout.addStretch(1)

        self.spectrum_plot = pg.PlotWidget()
        self.spectrum_panel = PlotPanel(self.spectrum_plot, "k-mer spectrum", "", on_error)
        self.jaccard_plot = pg.PlotWidget()
        self.jaccard_panel = PlotPanel(self.jaccard_plot, "Jaccard similarity",
                                       "shared k-mers / all k-mers of the pair", on_error)
        plots_row = QSplitter(Qt.Orientation.Horizontal)
        plots_row.addWidget(self.spectrum_panel)
        plots_row.addWidget(self.jaccard_panel)
        plots_row.setChildrenCollapsible(False)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #606060; font-size: 13pt;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(plots_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        body = QHBoxLayout()
        body.addWidget(left)
        body.addWidget(self.stack, 1)
        layout.addLayout(body, 1)
        plots.base.shrinkable_hints(self, self.plot_panels())
        self.set_dataset(None)

    def plot_panels(self) -> list[PlotPanel]:
        return [self.spectrum_panel, self.jaccard_panel]

    def shutdown(self) -> None:
        self.jobs.stop_and_join()

    @property
    def usable(self) -> bool:
        return empty_reason(self.dataset) is None

    def set_dataset(self, ds: Any) -> None:
        """New data: nothing counted yet; the empty sentence when it holds no DNA/RNA."""
        self.jobs.stop_and_join()
        self.dataset, self.result = ds, None
        reason = empty_reason(ds)
        self.empty.setText(reason or "")
        self.stack.setCurrentIndex(0 if reason else 1)
        for w in (self.k, self.between, self.count_button):
            w.setEnabled(reason is None)
        self.between.clear()
        if reason is None:
            self.between.addItem(f"first {MAX_SEQUENCES} sequences"
                                 if len(ds) > MAX_SEQUENCES else "sequences", "sequences")
            if ds.task == "classification" and ds.n_classes >= 2 \
                    and not ds.info.get("unlabelled"):  # fmt: skip
                files = ds.info.get("label_source") == "folder"
                self.between.addItem("files" if files else "classes", "classes")
        for plot in (self.spectrum_plot, self.jaccard_plot):
            plots.base.new_plot(plot, "", "", legend=False)
        self.spectrum_panel.set_hint("")
        self.info.setText("" if reason else f"{ds.name}: {len(ds):,} sequences. Press "
                          "Count k-mers.")

    def shown(self) -> None:
        """Opening the view on fresh sequences counts at once (it is quick)."""
        if self.usable and self.result is None and not self.jobs.running:
            self.run()

    def run(self) -> None:
        ds = self.dataset
        if not self.usable:
            return
        k, by_class = self.k.value(), self.between.currentData() == "classes"
        between = self.between.currentText() if by_class else "sequences"
        records, targets = ds.records, ds.targets
        class_names, ids = list(ds.class_names or []), list(ds.ids)

        def job(progress: ProgressFn, should_stop: StopFn) -> KmerResult:
            from core.classic.kmers import jaccard_matrix, kmer_presence, kmer_spectrum

            seqs, tags, names_of = _sample(records, targets, ids, progress)
            progress(0.0, f"Counting {k}-mers")
            counts = kmer_spectrum(seqs, k)
            check_stop(should_stop)
            progress(0.5, "Comparing k-mer sets")
            if by_class:
                members = [[s for s, t in zip(seqs, tags, strict=True) if t == c]
                           for c in range(len(class_names))]
                kept = [c for c, m in enumerate(members) if m]
                groups: list[Any] = [members[c] for c in kept]
                names = [class_names[c] for c in kept]
            else:
                groups, names = seqs[:MAX_SEQUENCES], names_of[:MAX_SEQUENCES]
            matrix = jaccard_matrix(kmer_presence(groups, k, should_stop))
            n = len(groups) if by_class else len(seqs)
            return KmerResult(k, counts, matrix, names, between, n, len(seqs))

        self.jobs.start(job, self.set_result, self.on_error, f"Counting {k}-mers\u2026")

    def _on_k_changed(self) -> None:
        if self.result is not None and self.result.k != self.k.value():
            self.info.setText(f"k is now {self.k.value()}: press Count k-mers to update "
                              f"the plots (they show k = {self.result.k}).")

    def set_result(self, result: KmerResult) -> None:
        """Draw a count (the worker's result; tests may call it directly)."""
        from core.classic.kmers import top_kmers

        self.result = result
        k, counts = result.k, result.counts
        plots.spectrum(self.spectrum_plot, counts, k)
        seen = int(np.count_nonzero(counts))
        self.spectrum_panel.set_title(f"{k}-mer spectrum")
        top = ", ".join(f"{s} ({c:,})" for s, c in top_kmers(counts, k, 3))
        self.spectrum_panel.set_hint(f"{seen:,} of {4**k:,} possible {k}-mers occur"
                                     + (f"; most frequent {top}" if top else ""))
        plots.jaccard_heatmap(self.jaccard_plot, result.jaccard, result.names)
        if result.between == "sequences" and result.n_groups > len(result.names):
            hint = f"the first {len(result.names)} of {result.n_groups:,} sequences"
        else:
            hint = f"between {len(result.names)} {result.between}"
        self.jaccard_panel.set_hint(f"{hint}; shared k-mers / all k-mers of the pair, "
                                    "white 0 to blue 1")
        counted = result.n_counted or len(self.dataset)
        where, streamed = f"{counted:,} sequences", ""
        if counted < len(self.dataset):
            where = f"a random {counted:,} of the {len(self.dataset):,} sequences"
            streamed = "the file is streamed; "
        self.info.setText(f"{int(counts.sum()):,} {k}-mer windows counted in {where} "
                          f"({streamed}windows with N or other letters skipped).")
