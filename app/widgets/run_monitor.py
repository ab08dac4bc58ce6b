"""A run as it happens: the loss, metric and learning-rate curves, progress and ETA.

``RunMonitor`` turns trainer events into points on three live plots and a progress bar
(placed by the page beside its buttons, with the one-line description of the run). It
keeps the losses so it can tell when validation loss rises while training loss falls
(``core.train.report.overfitting``). Redraw rates: each redraw's Python holds the GIL the
training thread needs, so the per-batch trace redraws 5 times a second and per-epoch
curves twice; the progress bar repaints at most every ``PROGRESS_INTERVAL_S``.
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from app.widgets.live_plot import LivePlot
from app.widgets.plot_export import PlotPanel
from core.train.events import BatchFinished, EpochFinished, RunFinished, RunStarted
from core.train.report import MAIN_METRIC, format_seconds, overfitting

PROGRESS_INTERVAL_S = 0.2
LOSS_REDRAW_HZ = 5.0
EPOCH_REDRAW_HZ = 2.0
FINISHED_TEXT = {"completed": "Finished", "early_stopping": "Stopped early",
                 "stopped": "Stopped", "nan": "Diverged"}


def start_blocked_reason(has_data: bool, problem: str | None) -> str:
    """Why Start is off, with a link to the page that fixes it ("" when it is on)."""
    if not has_data:
        return ("Load data first: <a href='data'>open the Data page</a> (or pick a demo from "
                "File \u25b8 Demo datasets).")
    if problem is not None:
        return (f"The network does not fit the data: {html.escape(problem)} "
                "<a href='network'>Fix it on the Network page</a> or use a preset.")
    return ""


class RunMonitor(QWidget):
    """The three live plots; ``progress``, ``run_label`` and ``start_reason`` are for the page
    to place."""

    def __init__(self, on_error: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.progress.setMinimumWidth(260)
        self.run_label = QLabel()
        self.run_label.setStyleSheet("color: #606060;")
        self.run_label.setWordWrap(True)
        # Why Start is off, said where the user looks, with a link to the fix.
        self.start_reason = QLabel()
        self.start_reason.setWordWrap(True)
        self.start_reason.setStyleSheet("color: #9a3412;")
        self.start_reason.setTextFormat(Qt.TextFormat.RichText)
        self.start_reason.setVisible(False)
        self.loss_plot = LivePlot("epoch", "loss", redraw_hz=LOSS_REDRAW_HZ,
                                  empty_text="Press Start (Ctrl+Enter): the training and "
                                             "validation loss appear here, epoch by epoch.")
        self.loss_plot.add_curve("batch", "batch loss", "#1f77b4", faint=True)
        self.loss_plot.add_curve("train", "training", "#1f77b4")
        self.loss_plot.add_curve("val", "validation", "#ff7f0e")
        self.metric_plot = LivePlot("epoch", "accuracy", legend="bottom-right",
                                    redraw_hz=EPOCH_REDRAW_HZ)
        self.metric_plot.add_curve("train", "training", "#1f77b4")
        self.metric_plot.add_curve("val", "validation", "#ff7f0e")
        self.lr_plot = LivePlot("epoch", "learning rate (log scale)", log_y=True,
                                redraw_hz=EPOCH_REDRAW_HZ)
        self.lr_plot.add_curve("lr", "learning rate", "#2ca02c")
        self.lr_plot.setYRange(-4, -1)  # 1e-4..1e-1 until a run starts (log axis)
        self.loss_panel = PlotPanel(self.loss_plot, "Loss", "lower is better", on_error)
        self.metric_panel = PlotPanel(self.metric_plot, "Accuracy", "higher is better",
                                      on_error)
        self.lr_panel = PlotPanel(self.lr_plot, "Learning rate", "", on_error)
        plots = QGridLayout(self)
        plots.addWidget(self.loss_panel, 0, 0, 1, 2)
        plots.addWidget(self.metric_panel, 1, 0)
        plots.addWidget(self.lr_panel, 1, 1)
        plots.setRowStretch(0, 3)
        plots.setRowStretch(1, 2)
        plots.setColumnStretch(0, 1)  # the metric and learning-rate plots share the width
        plots.setColumnStretch(1, 1)
        plots.setContentsMargins(0, 0, 0, 0)
        self.train_losses: list[float] = []
        self.val_losses: list[float] = []
        self.finished_text = ""
        self._task = "classification"
        self._epochs = 0
        self._batches = 1
        self._run_t0 = 0.0
        self._progress_shown = -math.inf

    def plot_panels(self) -> list[PlotPanel]:
        return [self.loss_panel, self.metric_panel, self.lr_panel]

    def plots(self) -> list[LivePlot]:
        return [self.loss_plot, self.metric_plot, self.lr_plot]

    def reset(self, epochs: int, task: str) -> None:
        """Empty curves for a new run of ``epochs`` on a ``task``."""
        for plot in self.plots():
            plot.clear_data()
        self.train_losses, self.val_losses = [], []
        self._epochs = epochs
        self._set_x_spans(epochs)  # now, while the data are prepared: not mid-run
        self._progress_shown = -math.inf
        self._batches = 1
        self._run_t0 = time.monotonic()
        self.progress.setRange(0, 0)  # busy until the first batch
        self.progress.setFormat("Preparing the data\u2026")
        self.run_label.setText("")
        self.set_task(task)

    def set_task(self, task: str) -> None:
        """Title, axis and hint of the metric plot for ``task`` (before a run, too)."""
        self._task = task
        key, label = MAIN_METRIC[task]
        self.metric_plot.getPlotItem().setLabel("left", label)
        self.metric_panel.set_title(label[0].upper() + label[1:])
        self.loss_plot.y_limits = (0.0, None)
        numbers = task in ("regression", "reconstruct")
        self.metric_plot.y_limits = (None, 1.0) if numbers else (0.0, 1.0)
        if task == "reconstruct":
            self.metric_panel.set_hint(
                "1 is perfect", "Reconstruction R\u00b2: the share of the inputs' variance "
                "the rebuilt inputs keep; 1 is a perfect copy, 0 is no better than the "
                "average input")
        elif task == "regression":
            self.metric_panel.set_hint(
                "1 is perfect", "R\u00b2: 1 is a perfect fit, 0 is no better than always "
                "predicting the mean")
        else:
            self.metric_panel.set_hint(
                "higher is better", "The fraction of samples classified correctly")

    def _set_x_spans(self, epochs: int) -> None:
        for plot in self.plots():
            plot.set_x_span(0 if plot is self.loss_plot else 1, max(epochs, 2))

    def show_prepared(self, prepared: Any) -> None:
        """One line: the network, its size, the input and the split sizes."""
        data = prepared.data
        sizes = data.sizes()
        self.run_label.setText(
            f"{prepared.spec.name or prepared.network_source}: {len(prepared.spec.layers)} "
            f"layers, {prepared.summary.total_params:,} parameters \u00b7 input "
            f"{tuple(data.input_shape)} \u00b7 train {sizes['train']} / val {sizes['val']}"
            f" / test {sizes['test']} samples")

    def show_message(self, message: str) -> None:
        if message:
            self.progress.setFormat(message)

    def mark_paused(self) -> None:
        self.progress.setFormat(self.progress.format() + " \u00b7 paused")

    def on_run_started(self, ev: RunStarted) -> None:
        if ev.epochs != self._epochs:
            self._set_x_spans(ev.epochs)
        self._batches, self._epochs = ev.batches_per_epoch, ev.epochs
        self.progress.setRange(0, ev.epochs * ev.batches_per_epoch)
        self.progress.setValue(0)
        self.progress.setFormat(f"Epoch 1/{ev.epochs}")
        self._run_t0 = time.monotonic()

    def on_batch(self, ev: BatchFinished, paused: bool) -> bool:
        """Plot a batch; True when the progress bar was updated (at most 5 times a s)."""
        self.loss_plot.append("batch", ev.epoch - 1 + ev.batch / ev.batches_per_epoch,
                              ev.loss)
        now = time.monotonic()
        if now - self._progress_shown < PROGRESS_INTERVAL_S and not paused:
            return False  # each progress bar change repaints it at once
        self._progress_shown = now
        done = (ev.epoch - 1) * ev.batches_per_epoch + ev.batch
        total = self._epochs * ev.batches_per_epoch
        elapsed = now - self._run_t0
        eta = elapsed / done * (total - done) if done else math.inf
        self.progress.setValue(min(done, total))
        self.progress.setFormat(
            f"Epoch {ev.epoch}/{self._epochs} \u00b7 batch {ev.batch}/{ev.batches_per_epoch}"
            f" \u00b7 ETA {format_seconds(eta)}" + (" \u00b7 paused" if paused else ""))
        return True

    def on_epoch(self, ev: EpochFinished) -> bool:
        """Plot an epoch; True when the network now looks like it is overfitting."""
        self.loss_plot.append("train", ev.epoch, ev.train_loss)
        self.train_losses.append(ev.train_loss)
        if ev.val_loss is not None:
            self.loss_plot.append("val", ev.epoch, ev.val_loss)
            self.val_losses.append(ev.val_loss)
        key = MAIN_METRIC[self._task][0]
        for split, metrics in (("train", ev.train_metrics), ("val", ev.val_metrics)):
            value = metrics.get(key)
            if value is not None:
                self.metric_plot.append(split, ev.epoch, value)
        self.lr_plot.append("lr", ev.epoch, ev.lr)
        self.progress.setValue(min(ev.epoch * self._batches, self.progress.maximum()))
        self.progress.setFormat(f"Epoch {ev.epoch}/{self._epochs} \u00b7 ETA "
                                f"{format_seconds(ev.eta)}")
        return overfitting(self.train_losses, self.val_losses)

    def on_run_finished(self, ev: RunFinished) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        text = FINISHED_TEXT.get(ev.stopped_because, ev.stopped_because)
        self.finished_text = (f"{text} after {ev.epochs_run} epochs "
                              f"({format_seconds(ev.train_seconds)})")
        self.progress.setFormat(self.finished_text)

    def finish(self) -> None:
        """The run's results are in: final text, and the last points drawn now."""
        self.progress.setFormat(self.finished_text)
        for plot in self.plots():
            plot.redraw()

    def show_failed(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Failed")

    @property
    def epochs(self) -> int:
        return self._epochs
