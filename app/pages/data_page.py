"""The Data page: open a FASTA / table / image folder / demo, adjust how it is read,
look at it (rows, class balance, lengths, warnings) and choose the split.

Reading happens on a worker thread (``app.workers.LoadWorker`` calling
``core.data.load.load_dataset``, the same call as ``mendel inspect``); a failed read shows
its one-line reason in the message bar and the previous dataset stays loaded. The summary
(``core.data.summary.summarize`` with the split and encoding) is computed on a worker too
and kept in the session state, where the Network and Train pages read the input shape.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.state import AppState, SplitOptions
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.table_model import DataFrameModel, ThumbnailModel
from app.workers import FunctionWorker, LoadedData, LoadWorker
from core.data.dataset import Dataset, Split, is_frame
from core.data.demos import list_demos
from core.data.load import LoadOptions
from core.data.preprocessing import EncodingOptions
from core.errors import DataError
from core.progress import ProgressFn, StopFn

if TYPE_CHECKING:
    import pandas as pd

PREVIEW_ROWS = 500
RELOAD_DELAY_MS = 400  # typing in an option field reloads once the user pauses
FILE_FILTER = ("Data files (*.fa *.fasta *.fna *.faa *.ffn *.fas *.fq *.fastq *.gb *.gbk "
               "*.genbank *.gz *.csv *.tsv *.txt *.tab *idx*);;All files (*)")
AUTO = "(automatic)"
NONE = "(none)"


def compute_summary(ds: Dataset, split: Split | None, encoding: EncodingOptions,
                    progress: ProgressFn, should_stop: StopFn) -> dict[str, Any]:
    """``summarize`` with the preprocessing fitted on the training split (worker thread)."""
    from core.data.preprocessing import make_preprocessing
    from core.data.summary import summarize

    prep = make_preprocessing(ds, encoding)
    prep.fit(ds, split.train if split is not None else np.arange(len(ds)))
    return summarize(ds, split, prep)


def parse_hw(text: str) -> tuple[int, int] | None:
    """'28x28' -> (28, 28); '' -> None; anything else is a ``DataError``."""
    text = text.strip().lower().replace("\u00d7", "x").replace(" ", "")
    if not text:
        return None
    try:
        h, w = (int(v) for v in text.split("x"))
    except ValueError:
        raise DataError(f"image shape {text!r}: write height x width, e.g. 28x28") from None
    if h < 1 or w < 1:
        raise DataError("image height and width must be at least 1")
    return h, w


def source_label(source: str | None) -> str:
    if not source:
        return "no data"
    if source.startswith("demo:"):
        return source
    return Path(source).name or source


def preview_frame(ds: Dataset, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first rows as a table: id, the record (sequence or feature columns), the target."""
    import pandas as pd  # on first use: the window shows before pandas is loaded

    n = min(rows, len(ds))
    ids = ds.ids[:n]
    if ds.class_names:
        target = [ds.class_names[int(t)] for t in ds.targets[:n]]
    else:
        target = [float(t) for t in np.asarray(ds.targets[:n]).reshape(n, -1)[:, 0]]
    target_name = str(ds.info.get("target_column") or ("label" if ds.class_names else "target"))
    if ds.modality == "sequence":
        seqs = ds.records[:n]
        return pd.DataFrame({"id": ids, "length": [len(s) for s in seqs], "sequence": seqs,
                             target_name: target})
    if is_frame(ds.records):
        frame = ds.records.iloc[:n].copy()
        frame.insert(0, "id", ids)
        frame[target_name if target_name not in frame else f"{target_name} (target)"] = target
        return frame
    return pd.DataFrame({"id": ids, target_name: target})


class _Chart(pg.PlotWidget):
    """A small bar chart (class balance, lengths, target values)."""

    def __init__(self, x_label: str, y_label: str) -> None:
        super().__init__()
        self.getPlotItem().setLabel("bottom", x_label)
        self.getPlotItem().setLabel("left", y_label)
        self.getPlotItem().showGrid(x=True, y=False, alpha=0.15)
        for axis in ("bottom", "left"):
            self.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.setMinimumHeight(160)
        self.bars: pg.BarGraphItem | None = None

    def clear_bars(self) -> None:
        if self.bars is not None:
            self.removeItem(self.bars)
            self.bars = None

    def horizontal_bars(self, names: list[str], counts: list[int], name: str) -> None:
        """One bar per class, names on the left axis, first class on top."""
        self.clear_bars()
        y = np.arange(len(names), dtype=float)
        self.bars = pg.BarGraphItem(x0=0, y=y, height=0.7, width=np.asarray(counts, float),
                                    brush="#4c8fc8", pen=pg.mkPen("#2b6a9f"), name=name)
        self.bars.opts["x"] = y  # exported as the series' x column: the class index
        self.addItem(self.bars)
        step = max(1, len(names) // 25)
        self.getAxis("left").setTicks([[(i, names[i]) for i in range(0, len(names), step)]])
        self.getPlotItem().invertY(True)
        self.getPlotItem().setLimits(xMin=0)
        self.autoRange()

    def histogram(self, values: np.ndarray, name: str, integer: bool = False) -> None:
        self.clear_bars()
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        if integer and len(values) and np.ptp(values) < 60:
            edges = np.arange(values.min() - 0.5, values.max() + 1.5)
        else:
            edges = np.histogram_bin_edges(values, bins=min(40, max(1, len(np.unique(values)))))
        counts, edges = np.histogram(values, bins=edges)
        self.getAxis("left").setTicks(None)
        self.getPlotItem().invertY(False)
        centres = (edges[:-1] + edges[1:]) / 2
        self.bars = pg.BarGraphItem(x=centres, height=counts, width=np.diff(edges) * 0.9,
                                    brush="#4c8fc8", pen=pg.mkPen("#2b6a9f"), name=name)
        self.addItem(self.bars)
        self.autoRange()
        if len(values):  # a little room either side, so one length is not one wall of blue
            pad = max(2.0, 0.05 * float(np.ptp(values))) if integer else 0.0
            self.setXRange(edges[0] - pad, edges[-1] + pad, padding=0.02)


class DataPage(QWidget):
    """Open data, set how it is read, encoded and split, and preview it."""

    title = "Data"
    load_finished = Signal(bool)  # after each read: True if the dataset is now in use
    summary_ready = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._load_worker: LoadWorker | None = None
        self._summary_worker: FunctionWorker | None = None
        self._stale: list[FunctionWorker] = []  # replaced summaries still finishing
        self._columns: dict[str, list[str]] = {}  # every column seen per table file
        self._populating = False
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(50)
        self._summary_timer.timeout.connect(self._start_summary)
        self._build()
        state.datasetChanged.connect(self._on_dataset_changed)
        state.splitChanged.connect(self._schedule_summary)
        state.encodingChanged.connect(self._schedule_summary)
        state.recentChanged.connect(self._rebuild_recent_menu)
        self._rebuild_recent_menu()
        self._on_dataset_changed()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message_bar = MessageBar()
        open_file = QPushButton("Open file\u2026")
        open_file.setToolTip("Open a FASTA/FASTQ/GenBank file, a CSV/TSV table or IDX "
                             "images (Ctrl+O)")
        open_file.clicked.connect(self.open_file_dialog)
        open_folder = QPushButton("Open folder\u2026")
        open_folder.setToolTip("Open a folder with one FASTA file per class, or one image "
                               "sub-folder per class")
        open_folder.clicked.connect(self.open_folder_dialog)
        self.recent_button = QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self.recent_button)
        self.recent_button.setMenu(self.recent_menu)
        self.demo_combo = QComboBox()
        self.demo_combo.addItem("Try a demo dataset\u2026", "")
        for demo in list_demos():
            self.demo_combo.addItem(demo.title, demo.name)
            self.demo_combo.setItemData(self.demo_combo.count() - 1,
                                        f"{demo.description} ({demo.modality}, {demo.task})",
                                        Qt.ItemDataRole.ToolTipRole)
        self.demo_combo.setToolTip("Built-in datasets, generated on the spot (no download)")
        self.demo_combo.activated.connect(self._on_demo_chosen)
        self.source_label = QLabel()
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        for w in (open_file, open_folder, self.recent_button, self.demo_combo):
            top.addWidget(w)
        top.addWidget(self.source_label, 1)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_load)
        self.progress_row = QWidget()
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.progress_row.hide()

        options = QWidget()
        self.options_layout = QVBoxLayout(options)
        self._build_read_options()
        self._build_encoding_options()
        self._build_split_options()
        self.options_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(options)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(max(300, options.minimumSizeHint().width()
                                 + scroll.verticalScrollBar().sizeHint().width() + 2))

        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextFormat(Qt.TextFormat.RichText)
        self.facts_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.warnings_list = QListWidget()
        self.warnings_list.setWordWrap(True)
        self.warnings_list.setMaximumHeight(110)
        self.warnings_list.setToolTip("Things in the data that may mislead a model")
        self.table_model = DataFrameModel()
        self.table_view = QTableView()
        self.table_view.setModel(self.table_model)
        self.table_view.setAlternatingRowColors(True)
        self.table_view.verticalHeader().setDefaultSectionSize(22)
        self.table_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive)
        self.table_view.horizontalHeader().setStretchLastSection(True)
        self.thumbnail_model = ThumbnailModel(size=64)
        self.thumbnail_view = QListView()
        self.thumbnail_view.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnail_view.setIconSize(QSize(64, 64))
        self.thumbnail_view.setGridSize(QSize(84, 92))
        self.thumbnail_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbnail_view.setUniformItemSizes(True)
        self.thumbnail_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.thumbnail_view.setModel(self.thumbnail_model)
        self.empty_label = QLabel(
            "<h2>No data yet</h2><p>Open a FASTA, FASTQ or GenBank file, a CSV table or a "
            "folder of images (one sub-folder per class) \u2014 or drop it on this window."
            "</p><p>New here? Pick a demo dataset above, for example "
            "<i>Playground: spiral</i> or <i>DNA motif present?</i></p>")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.preview_stack = QStackedWidget()
        for w in (self.empty_label, self.table_view, self.thumbnail_view):
            self.preview_stack.addWidget(w)

        on_error = self.message_bar.show_error
        self.balance_chart = _Chart("samples", "")
        self.balance_panel = PlotPanel(self.balance_chart, "Class balance", "", on_error)
        self.lengths_chart = _Chart("length", "sequences")
        self.lengths_panel = PlotPanel(self.lengths_chart, "Sequence lengths", "", on_error)
        charts = QHBoxLayout()
        charts.setContentsMargins(0, 0, 0, 0)
        charts.addWidget(self.balance_panel)
        charts.addWidget(self.lengths_panel)
        charts_widget = QWidget()
        charts_widget.setLayout(charts)

        facts_row = QHBoxLayout()
        facts_row.addWidget(self.facts_label, 3)
        warnings_box = QVBoxLayout()
        warnings_box.addWidget(QLabel("<b>Warnings</b>"))
        warnings_box.addWidget(self.warnings_list)
        facts_row.addLayout(warnings_box, 2)
        self.facts_widget = QWidget()
        self.facts_widget.setLayout(facts_row)
        facts_row.setContentsMargins(0, 0, 0, 0)

        preview_split = QSplitter(Qt.Orientation.Vertical)
        preview_split.addWidget(self.preview_stack)
        preview_split.addWidget(charts_widget)
        preview_split.setStretchFactor(0, 3)
        preview_split.setStretchFactor(1, 2)
        preview_split.setChildrenCollapsible(False)
        preview_split.setSizes([460, 280])
        self.charts_widget = charts_widget

        right = QVBoxLayout()
        right.addWidget(self.facts_widget)
        right.addWidget(preview_split, 1)
        body = QHBoxLayout()
        body.addWidget(scroll)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addLayout(top)
        layout.addWidget(self.progress_row)
        layout.addLayout(body, 1)

    def _group(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.options_layout.addWidget(box)
        return box, form

    def _build_read_options(self) -> None:
        # sequences
        self.fasta_box, form = self._group("Reading the sequences")
        self.labels_edit = QLineEdit()
        self.labels_edit.setPlaceholderText("labels from the headers or file names")
        self.labels_edit.setToolTip("A table (id, label) giving each sequence's label when "
                                    "the FASTA headers do not carry it")
        self.labels_edit.editingFinished.connect(self._on_read_option_changed)
        browse = QToolButton()
        browse.setText("\u2026")
        browse.setToolTip("Choose the labels table")
        browse.clicked.connect(self._browse_labels)
        labels_row = QWidget()
        row = QHBoxLayout(labels_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.labels_edit, 1)
        row.addWidget(browse)
        form.addRow("Labels table", labels_row)
        self.fasta_task = self._task_combo()
        form.addRow("Task", self.fasta_task)

        # tables
        self.table_box, form = self._group("Reading the table")
        self.target_combo = self._column_combo("The column the network learns to predict; "
                                               "by default 'target', 'label', 'class', 'y' or "
                                               "the last column")
        form.addRow("Target column", self.target_combo)
        self.table_task = self._task_combo()
        form.addRow("Task", self.table_task)
        self.features_list = QListWidget()
        self.features_list.setMaximumHeight(130)
        self.features_list.setToolTip("Columns the network reads (unticked ones are ignored)")
        self.features_list.itemChanged.connect(self._on_read_option_changed)
        form.addRow("Feature columns", self.features_list)
        self.missing_combo = QComboBox()
        self.missing_combo.addItem("impute (median / most frequent)", "impute")
        self.missing_combo.addItem("drop the row", "drop")
        self.missing_combo.setToolTip("What to do with empty cells: fill them from the "
                                      "training data, or drop rows that have any")
        self.missing_combo.currentIndexChanged.connect(self._on_read_option_changed)
        form.addRow("Missing values", self.missing_combo)
        self.sequence_combo = self._column_combo("A column of DNA/RNA/protein strings makes "
                                                 "this a sequence dataset", never=True)
        form.addRow("Sequence column", self.sequence_combo)
        self.split_column_combo = self._column_combo("A column saying train / val / test per "
                                                     "row; tick 'use the file's split' below "
                                                     "to follow it")
        form.addRow("Split column", self.split_column_combo)
        self.image_shape_edit = QLineEdit()
        self.image_shape_edit.setPlaceholderText("e.g. 28x28 for a table of pixels")
        self.image_shape_edit.setToolTip("Read each row's pixel columns as an image of this "
                                         "height x width (an MNIST-style CSV)")
        self.image_shape_edit.editingFinished.connect(self._on_read_option_changed)
        form.addRow("Rows as images", self.image_shape_edit)

        # images
        self.image_box, form = self._group("Reading the images")
        self.image_h = QSpinBox()
        self.image_w = QSpinBox()
        for w in (self.image_h, self.image_w):
            w.setRange(0, 4096)
            w.setSpecialValueText("auto")
            w.setToolTip("Resize every image to this size; 'auto' keeps the most common size")
            w.editingFinished.connect(self._on_read_option_changed)
        size_row = QWidget()
        row = QHBoxLayout(size_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.image_h)
        row.addWidget(QLabel("\u00d7"))
        row.addWidget(self.image_w)
        form.addRow("Size (H \u00d7 W)", size_row)
        self.gray_combo = QComboBox()
        self.gray_combo.addItem("as stored", None)
        self.gray_combo.addItem("grayscale", True)
        self.gray_combo.addItem("colour (RGB)", False)
        self.gray_combo.setToolTip("Grayscale images have one channel, colour images three")
        self.gray_combo.currentIndexChanged.connect(self._on_read_option_changed)
        form.addRow("Colour", self.gray_combo)
        self.skip_bad = QCheckBox("skip unreadable files (they are listed)")
        self.skip_bad.toggled.connect(self._on_read_option_changed)
        form.addRow("", self.skip_bad)

        # demos
        self.demo_box, form = self._group("Demo data")
        self.demo_noise = QSpinBox()
        self.demo_noise.setRange(0, 50)
        self.demo_noise.setToolTip("Playground noise (0-50): how much the classes overlap")
        self.demo_noise.editingFinished.connect(self._on_read_option_changed)
        form.addRow("Noise", self.demo_noise)
        self.demo_size = QSpinBox()
        self.demo_size.setRange(2, 1_000_000)
        self.demo_size.setToolTip("Number of samples to generate")
        self.demo_size.editingFinished.connect(self._on_read_option_changed)
        form.addRow("Samples", self.demo_size)
        self.demo_seed = QSpinBox()
        self.demo_seed.setRange(0, 2**31 - 1)
        self.demo_seed.setToolTip("Random seed of the generator: another seed, other points")
        self.demo_seed.editingFinished.connect(self._on_read_option_changed)
        form.addRow("Seed", self.demo_seed)

    def _task_combo(self) -> QComboBox:
        combo = QComboBox()
        combo.addItem("automatic", None)
        combo.addItem("classification (classes)", "classification")
        combo.addItem("regression (numbers)", "regression")
        combo.setToolTip("Predict classes or numbers; by default whole numbers with few "
                         "values are classes and other numbers are regression targets")
        combo.currentIndexChanged.connect(self._on_read_option_changed)
        return combo

    def _column_combo(self, tip: str, never: bool = False) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(tip)
        combo.setProperty("never", never)
        combo.currentIndexChanged.connect(self._on_read_option_changed)
        return combo

    def _build_encoding_options(self) -> None:
        self.encoding_box, form = self._group("Encoding")
        self.encoding_combo = QComboBox()
        self.encoding_combo.addItem("one-hot (position \u00d7 letter)", "onehot")
        self.encoding_combo.addItem("k-mer profile", "kmer")
        self.encoding_combo.setToolTip(
            "One-hot keeps where each letter is (for convolutions); a k-mer profile counts "
            "every word of length k, ignoring position (for MLPs and baselines)")
        form.addRow("Encoding", self.encoding_combo)
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, 8)
        self.k_spin.setToolTip("Word length: 4^k features for DNA (k = 6 gives 4,096)")
        form.addRow("k", self.k_spin)
        self.length_spin = QSpinBox()
        self.length_spin.setRange(0, 100_000)
        self.length_spin.setSpecialValueText("longest (max 2000)")
        self.length_spin.setToolTip("Shorter sequences are padded, longer ones truncated "
                                    "to this length")
        form.addRow("Length", self.length_spin)
        self.kmer_counts = QCheckBox("raw counts, not frequencies")
        self.kmer_counts.setToolTip("Frequencies make long and short sequences comparable")
        form.addRow("", self.kmer_counts)
        self.both_strands = QCheckBox("count both strands")
        self.both_strands.setToolTip("Add the reverse-complement strand's k-mers (DNA)")
        form.addRow("", self.both_strands)
        self.rc_augment = QCheckBox("reverse-complement augmentation")
        self.rc_augment.setToolTip("Doubles the training sequences with their other strand "
                                   "(DNA): a motif counts on either strand")
        form.addRow("", self.rc_augment)
        self.standardize = QCheckBox("standardize numeric columns")
        self.standardize.setToolTip("Scale every column to mean 0 and standard deviation 1 "
                                    "(fitted on the training rows): networks train better")
        form.addRow("", self.standardize)
        for w in (self.encoding_combo,):
            w.currentIndexChanged.connect(self._on_encoding_changed)
        for w in (self.k_spin, self.length_spin):
            w.editingFinished.connect(self._on_encoding_changed)
        for w in (self.kmer_counts, self.both_strands, self.rc_augment, self.standardize):
            w.toggled.connect(self._on_encoding_changed)

    def _build_split_options(self) -> None:
        self.split_box, form = self._group("Split")
        self.val_spin = QDoubleSpinBox()
        self.test_spin = QDoubleSpinBox()
        for w, tip in ((self.val_spin, "Share of samples held out to watch training "
                        "(validation curve, early stopping)"),
                       (self.test_spin, "Share of samples kept untouched until the end, for "
                        "an honest final score")):
            w.setRange(0.0, 0.9)
            w.setSingleStep(0.05)
            w.setDecimals(2)
            w.setToolTip(tip)
            w.editingFinished.connect(self._on_split_changed)
        form.addRow("Validation", self.val_spin)
        form.addRow("Test", self.test_spin)
        self.split_seed = QSpinBox()
        self.split_seed.setRange(0, 2**31 - 1)
        self.split_seed.setToolTip("Which samples land in which part; same seed, same split")
        self.split_seed.editingFinished.connect(self._on_split_changed)
        form.addRow("Seed", self.split_seed)
        self.file_split = QCheckBox("use the file's own split")
        self.file_split.setToolTip("Follow the file's train/val/test column instead of a "
                                   "random split")
        self.file_split.toggled.connect(self._on_split_changed)
        form.addRow("", self.file_split)
        self.group_combo = self._column_combo(
            "Samples sharing a value here (a patient, an individual) stay on one side of the "
            "split, so the test score is not inflated by near-copies")
        form.addRow("Group column", self.group_combo)
        self.split_sizes = QLabel()
        self.split_sizes.setStyleSheet("color: #606060;")
        form.addRow("", self.split_sizes)

    # -- opening -----------------------------------------------------------------------------
    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open data", self._dialog_dir(),
                                              FILE_FILTER)
        if path:
            self.load_source(path)

    def open_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a data folder", self._dialog_dir())
        if path:
            self.load_source(path)

    def _dialog_dir(self) -> str:
        for source in self.state.recent_sources:
            parent = Path(source).parent
            if parent.is_dir():
                return str(parent)
        return str(Path.home())

    def _browse_labels(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Labels table", self._dialog_dir(),
                                              "Tables (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.labels_edit.setText(path)
            self._on_read_option_changed()

    def _on_demo_chosen(self, index: int) -> None:
        name = self.demo_combo.itemData(index)
        if name:
            self.load_source(f"demo:{name}")

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        for source in self.state.recent_sources:
            action = QAction(source_label(source), self.recent_menu)
            action.setToolTip(source)
            action.setData(source)
            action.triggered.connect(self._on_recent_triggered)
            self.recent_menu.addAction(action)
        self.recent_button.setEnabled(bool(self.state.recent_sources))

    def _on_recent_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.load_source(str(action.data()))

    # -- loading -----------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._load_worker is not None and self._load_worker.isRunning()

    def load_source(self, source: str, options: LoadOptions | None = None) -> None:
        """Read ``source`` on a worker; the dataset in use changes only if it succeeds."""
        self.cancel_load()
        self._reload_timer.stop()
        worker = LoadWorker(source, options or LoadOptions(), self)
        worker.progressed.connect(self._on_load_progress)
        worker.succeeded.connect(self._on_loaded)
        worker.failed.connect(self._on_load_failed)
        worker.cancelled.connect(self._on_load_cancelled)
        self._load_worker = worker
        self.progress.setValue(0)
        self.progress.setFormat(f"Reading {source_label(source)}\u2026")
        self.progress_row.show()
        self.state.set_run_state(f"reading {source_label(source)}")
        worker.start()

    def reload(self) -> None:
        """Read the current source again with the options in the form."""
        if self.state.source is not None:
            try:
                options = self.read_options()
            except DataError as exc:
                self.message_bar.show_error(str(exc))
                return
            self.load_source(self.state.source, options)

    def cancel_load(self) -> None:
        worker, self._load_worker = self._load_worker, None
        if worker is not None:
            for signal in (worker.progressed, worker.succeeded, worker.failed,
                           worker.cancelled):
                signal.disconnect()
            worker.request_stop()
            worker.wait()
            self.progress_row.hide()

    def _on_load_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.progress.setFormat(f"{message} (%p%)")

    def _on_loaded(self, loaded: LoadedData) -> None:
        self._load_worker = None
        self.progress_row.hide()
        try:
            self.state.set_dataset(loaded.dataset, loaded.source, loaded.options)
        except DataError as exc:
            self._fail(f"{source_label(loaded.source)}: {exc}")
            return
        self.message_bar.clear()
        self.state.set_run_state("idle")
        self.load_finished.emit(True)

    def _on_load_failed(self, message: str) -> None:
        self._load_worker = None
        self.progress_row.hide()
        self._fail(message)

    def _fail(self, message: str) -> None:
        keep = (f" \u2014 still using {source_label(self.state.source)}"
                if self.state.dataset is not None else "")
        self.message_bar.show_error(message + keep)
        self.state.set_run_state("idle")
        self._populate_options()  # the form shows what is really loaded
        self.load_finished.emit(False)

    def _on_load_cancelled(self) -> None:
        self._load_worker = None
        self.progress_row.hide()
        self.state.set_run_state("idle")

    def shutdown(self) -> None:
        self.cancel_load()
        self._reload_timer.stop()
        self._summary_timer.stop()
        workers = [*self._stale, self._summary_worker]
        self._summary_worker, self._stale = None, []
        for worker in workers:
            if worker is not None:
                worker.request_stop()
                worker.wait()

    # -- options <-> form --------------------------------------------------------------------
    @property
    def loader(self) -> str:
        ds = self.state.dataset
        if ds is None or ds.provenance is None:
            return "demo" if self.state.source and self.state.source.startswith("demo:") else ""
        return ds.provenance.loader

    def read_options(self) -> LoadOptions:
        """The loader options the form shows, for the current kind of source."""
        current = self.state.load_options
        loader = self.loader
        if loader == "fasta":
            return replace(current, labels=self.labels_edit.text().strip() or None,
                           task=self.fasta_task.currentData())
        if loader == "csv":
            features = [self.features_list.item(i).text()
                        for i in range(self.features_list.count())
                        if self.features_list.item(i).checkState() == Qt.CheckState.Checked]
            all_ticked = len(features) == self.features_list.count()
            return replace(current, target=self.target_combo.currentData(),
                           task=self.table_task.currentData(),
                           features=None if all_ticked else features,
                           missing=self.missing_combo.currentData(),
                           sequence_column=self.sequence_combo.currentData(),
                           split_column=self.split_column_combo.currentData(),
                           group_column=self.group_combo.currentData(),
                           image_shape=parse_hw(self.image_shape_edit.text()))
        if loader in ("images", "idx"):
            h, w = self.image_h.value(), self.image_w.value()
            return replace(current, image_size=(h, w) if h and w else None,
                           grayscale=self.gray_combo.currentData(),
                           skip_bad_files=self.skip_bad.isChecked())
        if loader == "demo":
            ds = self.state.dataset
            playground = ds is not None and ds.info.get("playground")
            return replace(current, demo_noise=float(self.demo_noise.value()) if playground
                           else None, demo_size=self.demo_size.value(),
                           demo_seed=self.demo_seed.value())
        return current

    def _on_read_option_changed(self) -> None:
        if self._populating or self.state.dataset is None:
            return
        try:
            options = self.read_options()
        except DataError as exc:
            self.message_bar.show_error(str(exc))
            return
        if options != self.state.load_options:
            self._reload_timer.start()

    def _populate_options(self) -> None:
        """Show the loaded dataset's options; only the groups for its kind of source."""
        self._populating = True
        try:
            ds, opts, loader = self.state.dataset, self.state.load_options, self.loader
            self.fasta_box.setVisible(loader == "fasta")
            self.table_box.setVisible(loader == "csv")
            self.image_box.setVisible(loader in ("images", "idx"))
            self.demo_box.setVisible(loader == "demo")
            self.encoding_box.setVisible(ds is not None and ds.modality in ("sequence",
                                                                            "tabular"))
            self.split_box.setVisible(ds is not None)
            if ds is None:
                return
            self.labels_edit.setText(opts.labels or "")
            for combo in (self.fasta_task, self.table_task):
                combo.setCurrentIndex(max(combo.findData(opts.task), 0))
            if loader == "csv":
                self._populate_columns(ds, opts)
            shape = opts.image_shape
            self.image_shape_edit.setText(f"{shape[0]}x{shape[1]}" if shape else "")
            self.image_h.setValue((opts.image_size or (0, 0))[0])
            self.image_w.setValue((opts.image_size or (0, 0))[1])
            self.gray_combo.setCurrentIndex(max(self.gray_combo.findData(opts.grayscale), 0))
            self.skip_bad.setChecked(opts.skip_bad_files)
            playground = bool(ds.info.get("playground"))
            demo_form = self.demo_box.layout()
            assert isinstance(demo_form, QFormLayout)
            demo_form.setRowVisible(self.demo_noise, playground)
            self.demo_noise.setValue(int(round(ds.info.get("noise", opts.demo_noise or 0))))
            self.demo_size.setValue(len(ds) if opts.demo_size is None else opts.demo_size)
            self.demo_seed.setValue(opts.demo_seed)
            self._populate_encoding()
            self._populate_split()
        finally:
            self._populating = False

    def _populate_columns(self, ds: Dataset, opts: LoadOptions) -> None:
        source = self.state.source or ""
        found = list(ds.info.get("columns") or [])
        found += [str(c) for c in ds.records.columns] if is_frame(ds.records) \
            else []
        for key in ("id_column", "target_column", "sequence_column", "split_column_found"):
            if ds.info.get(key):
                found.append(str(ds.info[key]))
        found += [c for c in (opts.group_column, opts.split_column) if c]
        columns = list(dict.fromkeys(self._columns.get(source, []) + found))
        self._columns[source] = columns
        target = ds.info.get("target_column")
        for combo, value, none_item in (
            (self.target_combo, opts.target, None),
            (self.sequence_combo, opts.sequence_column, ("no sequence column", "")),
            (self.split_column_combo, opts.split_column, None),
            (self.group_combo, opts.group_column, (NONE, None)),
        ):
            combo.clear()
            if none_item is None or combo is self.sequence_combo:
                combo.addItem(AUTO, None)
            if none_item is not None:
                combo.addItem(*none_item)
            for c in columns:
                combo.addItem(c, c)
            combo.setCurrentIndex(max(combo.findData(value), 0))
        if opts.target is None and target:
            self.target_combo.setItemText(0, f"{AUTO}: {target}")
        features = set(opts.features) if opts.features else (
            {str(c) for c in ds.records.columns} if is_frame(ds.records)
            else set())
        roles = {ds.info.get(k) for k in ("target_column", "id_column", "sequence_column",
                                          "split_column_found")} | {opts.group_column}
        self.features_list.clear()
        for c in columns:
            if c in roles and c not in features:
                continue
            item = QListWidgetItem(c)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c in features or not features
                               else Qt.CheckState.Unchecked)
            self.features_list.addItem(item)
        self.missing_combo.setCurrentIndex(max(self.missing_combo.findData(opts.missing), 0))

    def _populate_encoding(self) -> None:
        enc, ds = self.state.encoding, self.state.dataset
        sequence = ds is not None and ds.modality == "sequence"
        dna = sequence and ds.alphabet in ("DNA", "RNA")
        self.encoding_combo.setCurrentIndex(max(self.encoding_combo.findData(enc.encoding), 0))
        self.k_spin.setValue(enc.k)
        self.length_spin.setValue(enc.length or 0)
        self.kmer_counts.setChecked(not enc.kmer_normalize)
        self.both_strands.setChecked(enc.both_strands)
        self.rc_augment.setChecked(enc.rc_augment)
        self.standardize.setChecked(enc.standardize)
        kmer = enc.encoding == "kmer"
        form = self.encoding_box.layout()
        assert isinstance(form, QFormLayout)
        for w, visible in ((self.encoding_combo, sequence), (self.k_spin, sequence and kmer),
                           (self.length_spin, sequence and not kmer),
                           (self.kmer_counts, sequence and kmer),
                           (self.both_strands, dna and kmer), (self.rc_augment, dna),
                           (self.standardize, not sequence)):
            form.setRowVisible(w, visible)

    def _populate_split(self) -> None:
        opts, ds = self.state.split_options, self.state.dataset
        self.val_spin.setValue(opts.val_fraction)
        self.test_spin.setValue(opts.test_fraction)
        self.split_seed.setValue(opts.seed)
        has_file_split = ds is not None and ds.split_labels is not None
        self.file_split.setEnabled(has_file_split)
        self.file_split.setChecked(opts.use_file_split and has_file_split)
        for w in (self.val_spin, self.test_spin, self.split_seed):
            w.setEnabled(not self.file_split.isChecked())
        form = self.split_box.layout()
        assert isinstance(form, QFormLayout)
        form.setRowVisible(self.group_combo, self.loader == "csv")
        form.setRowVisible(self.file_split, has_file_split)
        split = self.state.split
        self.split_sizes.setText(
            "" if split is None else
            f"train {len(split.train)} \u00b7 validation {len(split.val)} \u00b7 "
            f"test {len(split.test)}")

    def _on_encoding_changed(self) -> None:
        if self._populating:
            return
        enc = replace(self.state.encoding, encoding=self.encoding_combo.currentData(),
                      k=self.k_spin.value(), length=self.length_spin.value() or None,
                      kmer_normalize=not self.kmer_counts.isChecked(),
                      both_strands=self.both_strands.isChecked(),
                      rc_augment=self.rc_augment.isChecked(),
                      standardize=self.standardize.isChecked())
        if enc != self.state.encoding:
            self.state.set_encoding(enc)
        self._populating = True
        try:
            self._populate_encoding()
        finally:
            self._populating = False

    def _on_split_changed(self) -> None:
        if self._populating:
            return
        options = SplitOptions(val_fraction=self.val_spin.value(),
                               test_fraction=self.test_spin.value(),
                               seed=self.split_seed.value(),
                               use_file_split=self.file_split.isChecked())
        if options != self.state.split_options:
            try:
                self.state.set_split_options(options)
            except DataError as exc:
                self.message_bar.show_error(str(exc))
            else:
                self.message_bar.clear()
        self._populating = True
        try:
            self._populate_split()
        finally:
            self._populating = False

    # -- preview -----------------------------------------------------------------------------
    def _on_dataset_changed(self) -> None:
        ds = self.state.dataset
        self.source_label.setText(f"<b>{source_label(self.state.source)}</b>" if ds else "")
        self.source_label.setToolTip(self.state.source or "")
        name = (self.state.source or "")[5:] if (self.state.source or "").startswith(
            "demo:") else ""
        self.demo_combo.setCurrentIndex(max(self.demo_combo.findData(name), 0))
        self._populate_options()
        self.facts_widget.setVisible(ds is not None)
        self.charts_widget.setVisible(ds is not None)
        if ds is None:
            self.preview_stack.setCurrentWidget(self.empty_label)
            return
        if ds.modality == "image":
            n = min(PREVIEW_ROWS, len(ds))
            captions = [ds.class_names[int(t)] if ds.class_names else f"{float(t):.3g}"
                        for t in ds.targets[:n]]
            self.thumbnail_model.set_images(np.asarray(ds.records[:n]), captions)
            self.preview_stack.setCurrentWidget(self.thumbnail_view)
        else:
            self.table_model.set_frame(preview_frame(ds))
            self.table_view.resizeColumnsToContents()
            for col in range(self.table_model.columnCount()):
                if self.table_view.columnWidth(col) > 420:
                    self.table_view.setColumnWidth(col, 420)
            self.preview_stack.setCurrentWidget(self.table_view)
        self._show_charts(ds)
        self._show_facts(None)
        self._schedule_summary()

    def _show_charts(self, ds: Dataset) -> None:
        if ds.class_names:
            counts = np.bincount(ds.targets, minlength=len(ds.class_names))
            self.balance_panel.set_title("Class balance")
            self.balance_chart.getPlotItem().setLabel("bottom", "samples")
            self.balance_chart.horizontal_bars(list(ds.class_names), counts.tolist(), "samples")
        else:
            self.balance_panel.set_title("Target values")
            self.balance_chart.getPlotItem().setLabel("bottom", "target")
            self.balance_chart.getPlotItem().setLabel("left", "samples")
            self.balance_chart.histogram(np.asarray(ds.targets, float).ravel(), "samples")
        sequences = ds.modality == "sequence"
        self.lengths_panel.setVisible(sequences)
        if sequences:
            lengths = np.fromiter((len(s) for s in ds.records), dtype=np.int64, count=len(ds))
            self.lengths_chart.histogram(lengths, "sequences", integer=True)
            lo, hi = int(lengths.min()), int(lengths.max())
            self.lengths_panel.set_hint(f"all {lo}" if lo == hi else
                                            f"{lo} to {hi}, median {np.median(lengths):g}")

    def _show_facts(self, summary: dict[str, Any] | None) -> None:
        ds = self.state.dataset
        if ds is None:
            return
        rows = [("Samples", f"{len(ds):,}"), ("Task", ds.task), ("Kind", ds.modality)]
        if ds.class_names:
            rows.append(("Classes", f"{len(ds.class_names)}: " + ", ".join(
                ds.class_names[:8]) + (" \u2026" if len(ds.class_names) > 8 else "")))
        if ds.alphabet:
            rows.append(("Alphabet", ds.alphabet))
        if summary is not None:
            if "length_min" in summary:
                rows.append(("Length", f"{summary['length_min']} / "
                                       f"{summary['length_median']:g} / "
                                       f"{summary['length_max']} (min / median / max)"))
            if "image_size" in summary:
                h, w = summary["image_size"]
                rows.append(("Images", f"{h} \u00d7 {w}, {summary.get('channels', 1)} "
                                       "channel(s)"))
            if "n_features" in summary:
                missing = summary.get("missing_values") or {}
                rows.append(("Features", str(summary["n_features"])))
                rows.append(("Missing values", ", ".join(f"{c}: {n}" for c, n in
                                                         missing.items()) or "none"))
            rows.append(("Network input", " \u00d7 ".join(str(s) for s in
                                                          summary["input_shape"])))
        else:
            rows.append(("Network input", "computing\u2026"))
        html = "".join(f"<tr><td style='color:#606060; padding-right:12px'>{k}</td>"
                       f"<td>{v}</td></tr>" for k, v in rows)
        self.facts_label.setText(f"<h3 style='margin:0'>{ds.name}</h3><table>{html}</table>")
        self.warnings_list.clear()
        warnings = summary["warnings"] if summary is not None else ds.warnings
        for text in warnings:
            self.warnings_list.addItem(f"\u26a0 {text}")
        if not warnings:
            self.warnings_list.addItem("No warnings.")

    # -- summary -----------------------------------------------------------------------------
    def _schedule_summary(self) -> None:
        if self.state.dataset is not None:
            self._summary_timer.start()
        self._populating = True
        try:
            self._populate_split()
        finally:
            self._populating = False

    def _start_summary(self) -> None:
        ds = self.state.dataset
        if ds is None:
            return
        old, self._summary_worker = self._summary_worker, None
        if old is not None:
            old.succeeded.disconnect()
            old.failed.disconnect()
            old.request_stop()  # it ends on its own; its result is ignored
            self._stale.append(old)
        self._stale = [w for w in self._stale if w.isRunning()]
        fn = functools.partial(compute_summary, ds, self.state.split, self.state.encoding)
        worker = FunctionWorker(fn, self)
        worker.succeeded.connect(self._on_summary)
        worker.failed.connect(self._on_summary_failed)
        self._summary_worker = worker
        worker.start()

    def _on_summary(self, summary: dict[str, Any]) -> None:
        self._summary_worker = None
        self.state.set_summary(summary)
        self._show_facts(summary)
        self.summary_ready.emit()

    def _on_summary_failed(self, message: str) -> None:
        self._summary_worker = None
        self.message_bar.show_error(message)
