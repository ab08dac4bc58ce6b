"""The Explain page: what the current run's network learned.

- Sequence: one sequence's attribution logo and mutagenesis heat map, or a class's mean.
- Motifs: the first Conv1D layer's filters as logos ranked by influence, matched against
  a MEME or JASPAR file the user loads.
- Image: saliency / integrated gradients over a test image.
- Features: permutation importance of a table's columns, the network beside the
  baselines.

The tabs a run cannot use are disabled with a tooltip that says why. The current run is
``AppState.run`` (trained now, chosen on the Runs page or opened from a folder); its
test rows are encoded once on a worker and ordered worst prediction first.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.file_guard import refuse_not_file
from app.jobs import JobRunner, error_text
from app.pages.page import Page
from app.state import AppState
from app.widgets.image_explainer import ImageExplainer
from app.widgets.importance_view import ImportanceView
from app.widgets.message_bar import MessageBar
from app.widgets.motif_view import MotifView
from app.widgets.plot_export import PlotPanel
from app.widgets.sequence_explainer import SequenceExplainer, worst_first
from core.data.files import display
from core.errors import DataError, MendelError

EMPTY = ("Train a run (or open one) to see what its network learned: which letters of a "
         "sequence drive a prediction, the motifs its filters found, where an image model "
         "looks and which columns of a table matter.")
TABS = ("sequence", "motifs", "image", "features")


class ExplainPage(Page):
    title = "Explain"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.message_bar = MessageBar()
        self.header = QLabel(EMPTY)
        self.header.setWordWrap(True)
        self.tabs = QTabWidget()
        self.sequence = SequenceExplainer()
        self.motifs = MotifView()
        self.image = ImageExplainer()
        self.features = ImportanceView()
        for w in (self.sequence, self.image, self.features):
            w.message.connect(self._on_message)
        self.motif_file_button = QPushButton("Compare with a motif file\u2026")
        self.motif_file_button.setToolTip("A MEME or JASPAR file (e.g. from JASPAR's "
                                          "download page); read here, nothing is fetched")
        self.motif_file_button.clicked.connect(self.load_motif_file)
        motif_tab = QWidget()
        ml = QVBoxLayout(motif_tab)
        row = QHBoxLayout()
        row.addWidget(self.motif_file_button)
        row.addStretch(1)
        ml.addLayout(row)
        ml.addWidget(self.motifs, 1)
        self.tabs.addTab(self.sequence, "Sequence")
        self.tabs.addTab(motif_tab, "Motifs")
        self.tabs.addTab(self.image, "Image")
        self.tabs.addTab(self.features, "Features")
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        self.ask_motif_file = self._ask_motif_file
        self.job = JobRunner(self)
        self.job.succeeded.connect(self._on_inputs)
        self.job.failed.connect(self._on_failed)
        self.motif_job = JobRunner(self)
        self.motif_job.succeeded.connect(self._on_matched)
        self.motif_job.failed.connect(self._on_failed)
        state.runFinished.connect(self._on_run)
        self._on_run()

    def plot_panels(self) -> list[PlotPanel]:
        return [self.sequence.logo_panel, self.sequence.ism_panel, *self.motifs.panels,
                self.image.panel, self.features.panel]

    # -- the current run -------------------------------------------------------------------
    def _on_run(self) -> None:
        outcome = self.state.run
        model = getattr(getattr(outcome, "result", None), "model", None)
        self.message_bar.clear()  # what was said was about the previous run
        self.tabs.setEnabled(model is not None)
        if model is None:
            self.header.setText(EMPTY)
            return
        layout = outcome.data.layout or ""
        sequence = layout.startswith("onehot:")
        conv = bool(outcome.spec.layers) and outcome.spec.layers[0].kind == "Conv1D"
        usable = {
            "sequence": (sequence, "for one-hot encoded sequences"),
            "motifs": (sequence and conv, "for sequence models whose first layer is a "
                       "Conv1D"),
            "image": (layout == "image", "for image models"),
            "features": (outcome.data.task != "reconstruct" and len(outcome.data.X_test) > 0,
                         "for runs with labelled test rows"),
        }
        for i, name in enumerate(TABS):
            ok, why = usable[name]
            self.tabs.setTabEnabled(i, ok)
            self.tabs.setTabToolTip(i, "" if ok else f"Only {why}.")
        first = next((i for i, name in enumerate(TABS) if usable[name][0]), 0)
        if not self.tabs.isTabEnabled(self.tabs.currentIndex()):
            self.tabs.setCurrentIndex(first)
        self.header.setText(f"What the network of <b>{_run_name(outcome)}</b> learned, on "
                            f"its {len(outcome.split.test)} test samples.")
        self.features.set_outcome(outcome, self.state.baselines)
        if usable["motifs"][0]:
            self.motifs.set_outcome(outcome)

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.inputs import outcome_inputs

            inputs = outcome_inputs(outcome, "test")
            order = worst_first(inputs.model, inputs.X, inputs.y, inputs.task) \
                if len(inputs.X) and inputs.y is not None else []
            return outcome, inputs, order

        if sequence or layout == "image":
            self.job.run(job)

    def _on_inputs(self, result: tuple[Any, Any, Any]) -> None:
        import numpy as np

        outcome, inputs, order = result
        if outcome is not self.state.run:
            return
        order = np.asarray(order, dtype=np.int64)
        if inputs.layout.startswith("onehot:"):
            self.sequence.set_outcome(outcome, inputs, order)
        elif inputs.layout == "image":
            self.image.set_outcome(outcome, inputs, order)

    # -- motif files ---------------------------------------------------------------------------
    def load_motif_file(self, path: str | None = None) -> None:
        if not isinstance(path, str):
            path = self.ask_motif_file()
        if not path or self.motifs.motifs is None:
            if path:
                self.message_bar.show_message("Wait for the motifs to appear first.",
                                              "warning")
            return
        motifs = self.motifs.motifs
        try:  # a FIFO would block the worker's read for good
            refuse_not_file(path, "a MEME or JASPAR motif file")
        except MendelError as exc:
            self.message_bar.show_error(str(exc))
            return

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.match import match_filters
            from core.explain.motif_files import read_motifs

            kind = "meme" if _looks_like_meme(path) else "jaspar"
            try:
                library = read_motifs(path, kind)
            except OSError as exc:  # unreadable (permissions), not missing: said by core
                raise DataError(f"cannot read it ({exc.strerror or exc})", display(path)) from None
            return match_filters(motifs, library), len(library), path

        self.motif_job.run(job)

    def _on_matched(self, result: tuple[Any, int, str]) -> None:
        motifs, n, path = result
        self.motifs.motifs = motifs
        self.motifs.draw()
        self.message_bar.show_message(f"Compared the filters with the {n} motifs of "
                                      f"{path}.", "success")

    def _ask_motif_file(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Motif file (MEME or JASPAR)", "",
                                              "Motif files (*.meme *.txt *.jaspar *.pfm);;"
                                              "All files (*)")
        return path

    def _on_message(self, text: str, level: str) -> None:
        self.message_bar.show_message(text, level)

    def _on_failed(self, error: object) -> None:
        self.message_bar.show_error(error_text(error))

    def shutdown(self) -> None:
        for job in (self.job, self.motif_job):
            job.shutdown()
        for view in (self.sequence, self.motifs, self.image, self.features):
            view.shutdown()


def _run_name(outcome: Any) -> str:
    folder = getattr(outcome, "run_dir", None)
    return folder.name if folder is not None else f"the last run ({outcome.dataset.name})"


def _looks_like_meme(path: str) -> bool:
    """MEME files start with their version line; JASPAR files with '>'."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
    except OSError:
        return path.lower().endswith(".meme")
    return "MEME version" in head
