"""One owner for a worker's lifecycle: start, drop late signals, cancel, join.

Every page that computes (loading a file, a summary, PCA, a tree, saving a run) and the
training run itself go through a ``JobRunner``: it runs one worker at a time, forwards
that worker's signals as its own (re-emitted on the main thread, from a QObject that
lives there), and drops every signal of a worker it has replaced or cancelled, so a late
result can never overwrite a newer one. Orange's ``ConcurrentWidgetMixin`` and superqt's
``_qthreading`` have the same shape: a restart does not wait for the old job, a shutdown
joins with a time limit (shared by every join inside ``app.workers.join_deadline``, as
when the window closes), and a failure travels as the exception object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.workers import FunctionWorker, Worker, bounded_ms
from core.progress import ProgressFn, StopFn

JOIN_TIMEOUT_MS = 10_000
FINISH_TIMEOUT_MS = 5_000  # a worker that sent its last signal is returning from run()

Job = Callable[[ProgressFn, StopFn], Any]


class JobRunner(QObject):
    """Runs one worker at a time for its owner and re-emits its signals.

    ``progressed(fraction, message)``, then exactly one of ``succeeded(result)``,
    ``failed(exception)`` or ``cancelled()``, then ``done()``. Connect them to methods of
    main-thread objects (never bare lambdas: PySide may run those on the worker thread).
    """

    started = Signal()
    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception (a MendelError's str() is the one-line message)
    cancelled = Signal()
    done = Signal()  # after any of the three endings

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker: Worker | None = None

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def start(self, worker: Worker, wait_for_previous: bool = False) -> Worker:
        """Run ``worker``; the previous one is cancelled (joined first if asked), and
        whatever it still sends is dropped. Connect the worker's own extra signals
        before calling this."""
        self.cancel(wait=wait_for_previous)
        worker.progressed.connect(self._on_progressed)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = worker
        self.started.emit()
        worker.start()
        return worker

    def run(self, fn: Job, wait_for_previous: bool = False) -> FunctionWorker:
        """Run ``fn(progress, should_stop)`` on a worker thread."""
        # No Qt parent: the worker must outlive its owner until ``app.workers`` has
        # forgotten it (a parent deleting it earlier would leave a dead thread object in
        # the list that ``stop_all_workers`` walks when the window closes).
        worker = FunctionWorker(fn)
        self.start(worker, wait_for_previous)
        return worker

    def cancel(self, wait: bool = False, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Ask the current worker to stop and forget it (its late signals are dropped);
        with ``wait``, join it for at most ``timeout_ms``. False if it is still running."""
        worker, self.worker = self.worker, None
        if worker is None:
            return True
        worker.request_stop()
        if wait:
            return worker.wait(bounded_ms(timeout_ms))
        return True

    def shutdown(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Stop and join the current worker (the window is closing)."""
        return self.cancel(wait=True, timeout_ms=timeout_ms)

    # -- the worker's signals, kept only from the current worker ----------------------------
    def _current(self) -> bool:
        sender = self.sender()
        return sender is not None and sender is self.worker

    def _finish(self) -> None:
        if self.worker is not None:  # it emitted its last signal: the thread is ending
            self.worker.wait(FINISH_TIMEOUT_MS)
        self.worker = None

    def _on_progressed(self, fraction: float, message: str) -> None:
        if self._current():
            self.progressed.emit(fraction, message)

    def _on_succeeded(self, result: Any) -> None:
        if self._current():
            self._finish()
            self.succeeded.emit(result)
            self.done.emit()

    def _on_failed(self, error: object) -> None:
        if self._current():
            self._finish()
            self.failed.emit(error)
            self.done.emit()

    def _on_cancelled(self) -> None:
        if self._current():
            self._finish()
            self.cancelled.emit()
            self.done.emit()


def error_text(error: object) -> str:
    """The one line a message bar shows for a worker's failure (never empty: an exception
    without a message is named by its kind)."""
    text = " ".join(str(error).split())
    return text or f"{type(error).__name__} (no details given)"
