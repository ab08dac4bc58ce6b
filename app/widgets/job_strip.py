"""A progress bar with a Cancel button that runs one core job at a time on a worker.

Pages that compute (PCA, k-means, a tree, an evaluation) hand it a function
``fn(progress, should_stop)``; its ``app.jobs.JobRunner`` runs it on a worker, the strip
shows the progress messages, and the page is called back on the main thread with the
result or the one-line error. Starting a new job stops and joins the previous one, so a
late result can never overwrite a newer one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from app.jobs import Job, JobRunner, error_text
from app.workers import Worker


class JobStrip(QWidget):
    """Runs jobs; ``on_success(result)`` / ``on_failure(message)`` call back the page."""

    started = Signal()
    stopped = Signal()  # after success, failure or cancellation

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop the computation (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.runner = JobRunner(self)
        self.runner.progressed.connect(self._progressed)
        self.runner.succeeded.connect(self._succeeded)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[str], None] | None = None
        self.last_message = ""
        self.setVisible(False)

    @property
    def worker(self) -> Worker | None:
        return self.runner.worker

    @property
    def running(self) -> bool:
        return self.runner.running

    def start(self, fn: Job, on_success: Callable[[Any], None],
              on_failure: Callable[[str], None], message: str = "Working\u2026") -> None:
        """Run ``fn`` on a worker; ``on_success`` / ``on_failure`` must be methods of
        main-thread objects (they are called from this widget's slots)."""
        self.stop_and_join()
        self._on_success, self._on_failure = on_success, on_failure
        self.bar.setValue(0)
        self.bar.setFormat(message)
        self.setVisible(True)
        self.started.emit()
        self.runner.run(fn)

    def cancel(self) -> None:
        if self.runner.worker is not None:
            self.runner.worker.request_stop()
            self.bar.setFormat("Cancelling\u2026")

    def stop_and_join(self) -> None:
        """Stop the running job, if any, and wait for its thread; its result is dropped."""
        if self.runner.worker is None:
            return
        self.runner.shutdown()
        self._on_success = self._on_failure = None
        self.setVisible(False)

    def _progressed(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        if message:
            self.last_message = message
            self.bar.setFormat(f"{message} \u2013 %p%")

    def _done(self) -> tuple[Callable[[Any], None] | None, Callable[[str], None] | None]:
        """End the job; returns its callbacks and forgets them (they are methods of the
        page that owns this strip: keeping them would tie the two in a reference cycle)."""
        callbacks = self._on_success, self._on_failure
        self._on_success = self._on_failure = None
        self.setVisible(False)
        self.stopped.emit()
        return callbacks

    def _succeeded(self, result: Any) -> None:
        on_success, _ = self._done()
        if on_success is not None:
            on_success(result)

    def _failed(self, error: object) -> None:
        _, on_failure = self._done()
        if on_failure is not None:
            on_failure(error_text(error))

    def _cancelled(self) -> None:
        self._done()
