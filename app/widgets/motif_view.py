"""Motifs as the network learns them: the first Conv1D layer's filters as logos.

While a sequence model trains, each epoch's weights (a state dict copied on the
training thread) reach ``update_model``; at most every few seconds, and never for more
than ``TIME_SHARE`` of the time the run has trained since the last picture, a worker
turns the filters into position weight matrices on a fixed sample of training sequences
(``core.explain.motifs``) and the view draws the most informative ones. At the end of
the run the finished model's filters are drawn, ranked by their influence on the output.
Motifs of a finished run can be matched against a MEME or JASPAR file.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.jobs import JobRunner, error_text
from app.plots.base import new_plot
from app.plots.logos import information_logo
from app.widgets.live_model import Throttle
from app.widgets.plot_export import PlotPanel

SAMPLE = 500  # training sequences the live motifs are counted on
TOP = 6  # logos shown
TIME_SHARE = 0.03  # of the training time, at most, spent on the live motifs
MIN_INTERVAL_S = 1.0
EMPTY = ("Motifs appear here while a sequence model whose first layer is a Conv1D "
         "trains: each filter as the logo of the subsequences that excite it most.")


def motif_title(motif: Any, letters: str) -> str:
    """'filter 3 · TATAAT · 8.1 bits · 412 sites', plus the best match when known."""
    parts = [f"filter {motif.index + 1}", motif.consensus(letters),
             f"{motif.information_content:.1f} bits", f"{motif.n_sites} sites"]
    match = getattr(motif, "match", None)
    if match is not None:
        parts.append(f"best match {getattr(match, 'motif', '?')} "
                     f"({getattr(match, 'score', float('nan')):.2f})")
    return " \u00b7 ".join(parts)


class MotifView(QWidget):
    """A grid of the top filters' logos; live during training, ranked at the end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.available = False
        self.prepared: Any = None
        self.X = np.zeros((0,), np.float32)
        self.y: np.ndarray | None = None
        self.letters = ""
        self.motifs: Any = None  # the last FilterMotifs drawn
        self.epoch: int | None = None
        self.cost_s = 0.0  # the last computation's time
        self._next_at = 0.0  # monotonic time before which no new live computation starts
        self._waiting: tuple[Any, int] | None = None
        self.label = QLabel(EMPTY)
        self.label.setWordWrap(True)
        self.plots = [new_plot(None, "position", "bits", legend=False) for _ in range(TOP)]
        self.panels = [PlotPanel(p, f"Filter {i + 1}") for i, p in enumerate(self.plots)]
        for panel in self.panels:  # a long title is cut (its tooltip holds it), never
            panel.title_label.setSizePolicy(QSizePolicy.Policy.Ignored,  # widens the page
                                            QSizePolicy.Policy.Preferred)
        grid = QGridLayout()
        for i, panel in enumerate(self.panels):
            grid.addWidget(panel, i // 2, i % 2)
            panel.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addLayout(grid, 1)
        self.job = JobRunner(self)
        self.job.succeeded.connect(self._on_computed)
        self.job.failed.connect(self._on_failed)
        self._throttle = Throttle(self, self._start_live, 2.0)

    # -- feeding -------------------------------------------------------------------------------
    def set_prepared(self, prepared: Any) -> None:
        """A new run: sample its training sequences once, or say why there are no motifs."""
        from core.explain.ism import layout_letters

        self._throttle.cancel()
        self.job.cancel()
        self.prepared, self.motifs, self.epoch, self._waiting = prepared, None, None, None
        data = prepared.data
        self.letters = layout_letters(getattr(data, "layout", ""))
        spec = prepared.spec
        self.available = bool(self.letters and spec.layers
                              and spec.layers[0].kind == "Conv1D")
        rows = np.arange(len(data.X_train))
        if len(rows) > SAMPLE:
            rows = np.linspace(0, len(rows) - 1, SAMPLE).astype(np.int64)
        self.X = np.ascontiguousarray(data.X_train[rows], dtype=np.float32)
        self.y = data.y_train[rows] if len(data.y_train) == len(data.X_train) else None
        self._next_at = 0.0
        for panel in self.panels:
            panel.setVisible(False)
        self.label.setText("The first motifs appear after the first epochs."
                           if self.available else EMPTY)

    def update_model(self, state_dict: Any, epoch: int) -> None:
        if self.available:
            self._throttle.push((state_dict, epoch))

    def set_outcome(self, outcome: Any) -> None:
        """The finished model's motifs, ranked by their influence on the output."""
        model = getattr(getattr(outcome, "result", None), "model", None)
        if model is None:
            return
        if self.prepared is None or self.prepared.dataset is not outcome.dataset:
            self.set_prepared(outcome)
        if not self.available:
            return
        self._throttle.cancel()
        X, y, letters, spec = self.X, self.y, self.letters, outcome.spec
        task = outcome.data.task

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.motifs import filter_motifs

            start = time.perf_counter()
            motifs = filter_motifs(model, spec, X, letters, y, task=task,
                                   should_stop=should_stop)
            return motifs, None, time.perf_counter() - start

        self.job.cancel(wait=True)
        self.job.run(job)

    # -- the worker ------------------------------------------------------------------------
    def _start_live(self, payload: tuple[Any, int]) -> None:
        if self.job.running or time.monotonic() < self._next_at:
            self._waiting = payload  # the newest weights wait for their turn
            return
        state, epoch = payload
        X, letters, spec = self.X, self.letters, self.prepared.spec

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.motifs import live_motifs

            start = time.perf_counter()
            motifs = live_motifs(state, spec, X, letters)  # ranked by information
            return motifs, epoch, time.perf_counter() - start

        self.job.run(job)

    def _on_computed(self, result: tuple[Any, int | None, float]) -> None:
        motifs, epoch, cost = result
        self.motifs, self.epoch, self.cost_s = motifs, epoch, cost
        self._next_at = time.monotonic() + max(MIN_INTERVAL_S, cost / TIME_SHARE)
        self.draw()
        if self._waiting is not None and epoch is not None:
            waiting, self._waiting = self._waiting, None
            self._throttle.push(waiting)

    def _on_failed(self, error: object) -> None:
        self.label.setText(f"No motifs: {error_text(error)}")

    # -- drawing -------------------------------------------------------------------------------
    def draw(self) -> None:
        motifs = self.motifs
        if motifs is None:
            return
        # a filter that no sequence excites has no letters to draw
        shown = [m for m in motifs.filters if m.n_sites > 0][:TOP]
        for i, panel in enumerate(self.panels):
            panel.setVisible(i < len(shown))
            if i < len(shown):
                m = shown[i]
                information_logo(self.plots[i], m.probabilities, list(motifs.letters))
                title = motif_title(m, motifs.letters)
                panel.title_label.setText(f"<b>{title}</b>")
                panel.title_label.setToolTip(title)
        when = ("after epoch " + str(self.epoch)) if self.epoch is not None else \
            "of the finished model, ranked by influence on the output"
        self.label.setText(f"Top {len(shown)} of {len(motifs.filters)} filters {when} "
                           f"(counted on {motifs.n_sequences} training sequences in "
                           f"{self.cost_s * 1000:.0f} ms).")

    def shutdown(self) -> None:
        self._throttle.cancel()
        self.job.shutdown()
