"""A training run as the window sees it: one owner for the worker and its controls.

``TrainingRun`` starts a ``TrainWorker`` through a ``JobRunner`` (so the signals of a run
that was stopped and replaced never reach the views), owns the ``RunControl`` (pause,
resume, step, stop) and re-emits typed signals on the main thread: ``prepared``,
``event`` (every trainer event), ``succeeded(outcome)``, ``failed(exception)``,
``cancelled()``, then ``ended()``. Each epoch's weights and hidden-layer projection come
from an ``EpochSnapshotter`` on the training thread (``weights``, ``embedding``), made from
the immutable request the embedding view last handed over (``set_embedding_request``):
no page or widget code ever runs on the training thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from app.jobs import JOIN_TIMEOUT_MS, JobRunner
from app.workers import TrainRequest, TrainWorker
from core.train.control import RunControl
from core.train.snapshot import EmbeddingRequest, EpochSnapshotter


class TrainingRun(QObject):
    """Start, pause, step and stop one run at a time; forward what it reports."""

    started = Signal()
    prepared = Signal(object)  # PreparedRun
    progressed = Signal(float, str)
    event = Signal(object)  # RunStarted, BatchFinished, EpochFinished, RunFinished...
    succeeded = Signal(object)  # TrainingOutcome (also for a run that diverged)
    failed = Signal(object)  # the exception: the run did not start or crashed
    cancelled = Signal()
    ended = Signal()  # after any of the three endings
    weights = Signal(int, object)  # epoch, state dict copied on the training thread
    embedding = Signal(int, object, object)  # epoch, Embedding, layer path

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = JobRunner(self)
        self.runner.progressed.connect(self.progressed)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.worker: TrainWorker | None = None
        self.control = RunControl()
        self._embedding_request: EmbeddingRequest | None = None
        self._snapshotter: EpochSnapshotter | None = None

    @property
    def running(self) -> bool:
        return self.runner.running

    @property
    def paused(self) -> bool:
        return self.running and self.control.paused

    def start(self, request: TrainRequest, paused: bool = False) -> None:
        """Start a new run; one still going is stopped and joined first (its late
        signals are dropped)."""
        self.stop_and_join()
        control = RunControl()
        if paused:
            control.step_batch()
        snapshotter = EpochSnapshotter(self.weights.emit, self.embedding.emit)
        # No request yet: the last one holds the previous run's inputs, and this run's
        # first epoch may end before its own (sent once the data are prepared) arrives.
        self._embedding_request = None
        control.on_epoch_model = snapshotter
        worker = TrainWorker(request, control)
        worker.prepared.connect(self._on_prepared)
        worker.event.connect(self._on_event)
        self.control, self.worker, self._snapshotter = control, worker, snapshotter
        self.runner.start(worker)
        self.started.emit()

    def set_embedding_request(self, request: EmbeddingRequest | None) -> None:
        """Which hidden layer the next epochs project (None: the view is hidden)."""
        self._embedding_request = request
        if self._snapshotter is not None:
            self._snapshotter.set_request(request)

    def pause(self) -> None:
        if self.running:
            self.control.pause()

    def resume(self) -> None:
        if self.running:
            self.control.resume()

    def step(self) -> None:
        """One batch, then pause."""
        if self.running:
            self.control.step_batch()

    def stop(self) -> None:
        """End after this batch; the results so far are measured and kept."""
        if self.running:
            self.control.stop()

    def stop_and_join(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Stop the run and wait for its thread, at most ``timeout_ms``; its results are
        dropped. False if it did not end in time (it still ends on its own)."""
        if self.worker is None:
            return True
        self._forget()
        return self.runner.cancel(wait=True, timeout_ms=timeout_ms)

    def _forget(self) -> None:
        self.worker, self._snapshotter = None, None

    # -- the worker's signals, only from the current run ------------------------------------
    def _current(self) -> bool:
        sender = self.sender()
        return sender is not None and sender is self.worker

    def _on_prepared(self, prepared: Any) -> None:
        if self._current():
            self.prepared.emit(prepared)

    def _on_event(self, ev: object) -> None:
        if self._current():
            self.event.emit(ev)

    def _on_succeeded(self, outcome: Any) -> None:
        self._forget()
        self.succeeded.emit(outcome)
        self.ended.emit()

    def _on_failed(self, error: object) -> None:
        self._forget()
        self.failed.emit(error)
        self.ended.emit()

    def _on_cancelled(self) -> None:
        self._forget()
        self.cancelled.emit()
        self.ended.emit()
