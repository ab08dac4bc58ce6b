"""The Data page: open a FASTA / table / image folder / demo, adjust how it is read,
look at it (rows, class balance, lengths, warnings) and choose the split.

Reading happens on a worker thread (``app.workers.LoadWorker`` calling
``core.data.load.load_dataset``, the same call as ``mendel inspect``); a failed read shows
its one-line reason in the message bar and the previous dataset stays loaded. The summary
(``core.data.summary.summarize`` with the split and encoding) is computed on a worker too
and kept in the session state, where the Network and Train pages read the input shape.

The page only lays out and wires its parts: the option forms, the preview, the facts and
the charts are widgets of ``app.widgets``; the forms report edits, the page turns them into
state changes, and every state change is shown back in the forms (signals blocked).

Advice the page gives can be followed on the page: duplicates can be removed beside the
warning that counts them, and grouped in the split box; an image folder that stops at an
unreadable file shows its "skip unreadable files" box, and ticking it reads that folder
again (``_retry``). Following another split column of a table reads the file again with
that column, then applies the split (``_pending_split``).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs import JobRunner, error_text
from app.pages.page import Page
from app.settings import dialog_dir, remember_dialog_dir
from app.state import AppState
from app.widgets.binding import signals_blocked
from app.widgets.data_charts import DataCharts
from app.widgets.data_preview import DataFacts, DataPreview
from app.widgets.encoding_form import EncodingForm
from app.widgets.load_options_form import LoadOptionsForm, source_loader
from app.widgets.message_bar import MessageBar
from app.widgets.recent_menu import RecentMenu, source_label
from app.widgets.split_form import SplitForm
from app.workers import LoadedData, LoadWorker
from core.data.dataset import Dataset, Split
from core.data.demos import list_demos
from core.data.load import LoadOptions
from core.data.preprocessing import EncodingOptions
from core.data.splits import SplitOptions
from core.errors import DataError
from core.progress import ProgressFn, StopFn

RELOAD_DELAY_MS = 400  # typing in an option field reloads once the user pauses
SUMMARY_DELAY_MS = 50  # a new dataset changes split and encoding: summarize once
FILE_FILTER = ("Data files (*.fa *.fasta *.fna *.faa *.ffn *.fas *.fq *.fastq *.gb *.gbk "
               "*.genbank *.gz *.csv *.tsv *.txt *.tab *idx*);;All files (*)")
SKIP_ADVICE = "; tick \u201cskip unreadable files\u201d (Reading the images) to leave it out"


def compute_summary(ds: Dataset, split: Split | None, encoding: EncodingOptions,
                    progress: ProgressFn, should_stop: StopFn) -> dict[str, Any]:
    """``summarize`` with the preprocessing fitted on the training split (worker thread)."""
    from core.data.preprocessing import make_preprocessing
    from core.data.summary import summarize

    prep = make_preprocessing(ds, encoding)
    prep.fit(ds, split.train if split is not None else np.arange(len(ds)))
    return summarize(ds, split, prep)


def _single_shot(parent: QWidget, interval_ms: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


class DataPage(Page):
    """Open data, set how it is read, encoded and split, and preview it."""

    title = "Data"
    load_finished = Signal(bool)  # after each read: True if the dataset is now in use
    summary_ready = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.load_jobs = JobRunner(self)
        self.load_jobs.progressed.connect(self._on_load_progress)
        self.load_jobs.succeeded.connect(self._on_loaded)
        self.load_jobs.failed.connect(self._on_load_failed)
        self.load_jobs.cancelled.connect(self._on_load_ended)
        self.summary_jobs = JobRunner(self)
        self.summary_jobs.succeeded.connect(self._on_summary)
        self.summary_jobs.failed.connect(self._on_summary_failed)
        self._reload_timer = _single_shot(self, RELOAD_DELAY_MS, self.reload)
        self._summary_timer = _single_shot(self, SUMMARY_DELAY_MS, self._start_summary)
        self._attempt: tuple[str, LoadOptions] | None = None  # the read in progress
        self._retry: str | None = None  # a failed image folder the load form shows
        self._pending_split: SplitOptions | None = None  # to apply once the read is done
        self._build()
        self.load_form.changed.connect(self._on_read_option_edited)
        self.facts.remove_duplicates.connect(self._remove_duplicates)
        self.encoding_form.changed.connect(self._on_encoding_edited)
        self.split_form.changed.connect(self._on_split_edited)
        self.recent_menu.chosen.connect(self._on_recent_chosen)
        state.datasetChanged.connect(self._on_dataset_changed)
        state.splitChanged.connect(self._on_split_changed)
        state.encodingChanged.connect(self._on_encoding_changed)
        state.recentChanged.connect(self._on_recent_changed)
        self._on_recent_changed()
        self._on_dataset_changed()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message_bar = MessageBar()
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addLayout(self._build_top_row())
        layout.addWidget(self._build_progress_row())
        body = QHBoxLayout()
        body.addWidget(self._build_options())
        body.addLayout(self._build_preview(), 1)
        layout.addLayout(body, 1)

    def _build_top_row(self) -> QHBoxLayout:
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
        self.recent_menu = RecentMenu(self.state, parent=self.recent_button)
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
        return top

    def _build_progress_row(self) -> QWidget:
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
        return self.progress_row

    def _build_options(self) -> QScrollArea:
        self.load_form = LoadOptionsForm()
        self.encoding_form = EncodingForm()
        self.split_form = SplitForm(extra_rows=tuple(zip(
            ("Groups", "Group pattern", "Duplicates"), self.load_form.split_box_fields,
            strict=True)))
        options = QWidget()
        column = QVBoxLayout(options)
        for form in (self.load_form, self.encoding_form, self.split_form):
            column.addWidget(form)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(options)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(max(300, options.minimumSizeHint().width()
                                 + scroll.verticalScrollBar().sizeHint().width() + 2))
        return scroll

    def _build_preview(self) -> QVBoxLayout:
        self.facts = DataFacts()
        self.preview = DataPreview()
        self.charts = DataCharts(self.message_bar.show_error)
        preview_split = QSplitter(Qt.Orientation.Vertical)
        preview_split.addWidget(self.preview)
        preview_split.addWidget(self.charts)
        preview_split.setStretchFactor(0, 3)
        preview_split.setStretchFactor(1, 2)
        preview_split.setChildrenCollapsible(False)
        preview_split.setSizes([460, 280])
        right = QVBoxLayout()
        right.addWidget(self.facts)
        right.addWidget(preview_split, 1)
        return right

    # -- opening -----------------------------------------------------------------------------
    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open data", self._dialog_dir(),
                                              FILE_FILTER)
        if path:
            remember_dialog_dir("data", path)
            self.load_source(path)

    def open_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a data folder", self._dialog_dir())
        if path:
            remember_dialog_dir("data", path)
            self.load_source(path)

    def _dialog_dir(self) -> str:
        """Where data was last opened from, else beside the newest recent file, else home."""
        recent = self.state.recent_sources
        return dialog_dir("data", recent[0] if recent else None)

    def _on_demo_chosen(self, index: int) -> None:
        name = self.demo_combo.itemData(index)
        if name:
            self.load_source(f"demo:{name}")

    def _on_recent_chosen(self, source: str) -> None:
        self.load_source(source)

    def _on_recent_changed(self) -> None:
        self.recent_button.setEnabled(bool(self.state.recent_sources))

    # -- loading -----------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self.load_jobs.running

    def load_source(self, source: str, options: LoadOptions | None = None) -> None:
        """Read ``source`` on a worker; the dataset in use changes only if it succeeds (a
        read still running is cancelled and its result dropped)."""
        self._reload_timer.stop()
        self.progress.setValue(0)
        self.progress.setFormat(f"Reading {source_label(source)}\u2026")
        self.progress_row.show()
        self.state.set_run_state(f"reading {source_label(source)}")
        self._attempt = (source, options or LoadOptions())
        self.load_jobs.start(LoadWorker(*self._attempt))

    def reload(self) -> None:
        """Read the current source (or the image folder that just failed) again with the
        options in the form."""
        source = self._retry or self.state.source
        if source is not None:
            try:
                options = self.load_form.options()
            except DataError as exc:
                self.message_bar.show_error(str(exc))
                return
            self.load_source(source, options)

    def cancel_load(self) -> None:
        if self.load_jobs.worker is not None:
            self.load_jobs.cancel()
            self._on_load_ended()

    def _on_load_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.progress.setFormat(f"{message} (%p%)")

    def _on_loaded(self, loaded: LoadedData) -> None:
        self.progress_row.hide()
        pending, self._pending_split, self._retry = self._pending_split, None, None
        try:
            self.state.set_dataset(loaded.dataset, loaded.source, loaded.options)
        except DataError as exc:
            self._fail(f"{source_label(loaded.source)}: {exc}")
            return
        self.message_bar.clear()
        if pending is not None:  # the split column chosen is now the one loaded
            self._apply_split(pending)
        self.state.set_run_state("idle")
        self.load_finished.emit(True)

    def _on_load_failed(self, error: object) -> None:
        from core.data.images import UnreadableImageError

        self.progress_row.hide()
        self._pending_split = None
        if isinstance(error, UnreadableImageError) and self._attempt is not None:
            self._fail(error_text(error) + SKIP_ADVICE, retry=self._attempt)
        else:
            self._fail(error_text(error))

    def _fail(self, message: str, retry: tuple[str, LoadOptions] | None = None) -> None:
        """Say why the read failed; the forms show what is really loaded, except that an
        image folder stopped by an unreadable file (``retry``) shows its image options."""
        keep = (f" \u2014 still using {source_label(self.state.source)}"
                if self.state.dataset is not None else "")
        self.message_bar.show_error(message + keep)
        self.state.set_run_state("idle")
        self._show_options()
        self._retry = retry[0] if retry is not None else None
        if retry is not None:
            self.load_form.show_failed_images(retry[1], retry[0])
            self._show_group_rows()
        self.load_finished.emit(False)

    def _on_load_ended(self) -> None:
        self.progress_row.hide()
        self.state.set_run_state("idle")
        if self._pending_split is not None:  # the split column's read was cancelled
            self._pending_split = None
            self._show_split()

    def shutdown(self) -> None:
        self._reload_timer.stop()
        self._summary_timer.stop()
        self.load_jobs.shutdown()
        self.summary_jobs.shutdown()

    # -- forms -> state ----------------------------------------------------------------------
    def _on_read_option_edited(self) -> None:
        self._show_group_rows()  # a group pattern's row shows once that rule is chosen
        if self.state.dataset is None and self._retry is None:
            return
        try:
            options = self.load_form.options()
        except DataError as exc:
            self.message_bar.show_error(str(exc))
            return
        if self._retry is not None or options != self.state.load_options:
            self._reload_timer.start()

    def _remove_duplicates(self) -> None:
        """The warning's advice, followed: read the data again without repeated records."""
        box = self.load_form.drop_duplicates_box
        with signals_blocked(box):
            box.setChecked(True)
        self.reload()

    def _on_encoding_edited(self) -> None:
        encoding = self.encoding_form.options()
        if encoding != self.state.encoding:
            self.state.set_encoding(encoding)

    def _on_split_edited(self) -> None:
        options, column = self.split_form.options(), self.split_form.split_column()
        ds = self.state.dataset
        if column and ds is not None and column != ds.info.get("split_column"):
            self._pending_split = options  # another column: read the table with it first
            self.load_source(self.state.source or "",
                             replace(self.state.load_options, split_column=column))
            return
        if options != self.state.split_options:
            self._apply_split(options)

    def _apply_split(self, options: SplitOptions) -> None:
        try:
            self.state.set_split_options(options)
        except DataError as exc:
            self.message_bar.show_error(str(exc))
            self._show_split()  # the refused split springs back to the one in use
        else:
            self.message_bar.clear()

    # -- state -> views ----------------------------------------------------------------------
    def _show_options(self) -> None:
        """Show how the dataset was read, encoded and split; only the boxes that apply."""
        ds, source = self.state.dataset, self.state.source
        self.load_form.show_options(self.state.load_options, ds,
                                    source_loader(ds, source), source or "")
        self.encoding_form.setVisible(ds is not None and ds.modality in ("sequence",
                                                                         "tabular"))
        self.split_form.setVisible(ds is not None)
        if ds is not None:
            self.encoding_form.show_options(self.state.encoding, ds)
            self._show_split()

    def _show_split(self) -> None:
        ds, options = self.state.dataset, self.state.split_options
        choices: list[str] = []
        chosen = None
        if ds is not None:
            choices = list(ds.info.get("split_candidates") or [])
            chosen = str(ds.info.get("split_column") or "")
            if ds.split_labels is not None and chosen not in choices:
                choices.append(chosen)  # split files (IDX), or a column given by name
        self.split_form.show_options(options, self.state.split, choices, chosen)
        self._show_group_rows()

    def _show_group_rows(self) -> None:
        for field, visible in self.load_form.group_rows().items():
            self.split_form.set_row_visible(field, visible)

    def _on_dataset_changed(self) -> None:
        ds, source = self.state.dataset, self.state.source or ""
        self.source_label.setText(f"<b>{html.escape(source_label(source))}</b>" if ds else "")
        self.source_label.setToolTip(source)
        demo = source[5:] if source.startswith("demo:") else ""
        self.demo_combo.setCurrentIndex(max(self.demo_combo.findData(demo), 0))
        self._show_options()
        self.facts.setVisible(ds is not None)
        self.charts.setVisible(ds is not None)
        self.preview.show_dataset(ds)
        if ds is not None:
            self.charts.show_dataset(ds)
            self.facts.show_facts(ds, None)
            self._schedule_summary()

    def _on_split_changed(self) -> None:
        self._show_split()
        self._schedule_summary()

    def _on_encoding_changed(self) -> None:
        self.encoding_form.show_options(self.state.encoding, self.state.dataset)
        self._schedule_summary()

    # -- summary -----------------------------------------------------------------------------
    def _schedule_summary(self) -> None:
        """Summarize soon; a summary still running describes an older split, encoding or
        dataset, so it is dropped now (its result must not land after this change)."""
        self.summary_jobs.cancel()
        if self.state.dataset is not None:
            self._summary_timer.start()

    def _start_summary(self) -> None:
        ds = self.state.dataset
        if ds is not None:
            self.summary_jobs.run(functools.partial(compute_summary, ds, self.state.split,
                                                    self.state.encoding))

    def _on_summary(self, summary: dict[str, Any]) -> None:
        self.state.set_summary(summary)
        if self.state.dataset is not None:
            self.facts.show_facts(self.state.dataset, summary)
        self.summary_ready.emit()

    def _on_summary_failed(self, error: object) -> None:
        self.message_bar.show_error(error_text(error))
