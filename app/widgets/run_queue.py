"""Runs waiting their turn: queue the design and options as they are now, change a
learning rate, queue again; the Train page starts each when the one before it ends.

A queued request is a snapshot: its configuration, network and options are copied when
the user queues it, so later edits on the page change only later runs.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.workers import TrainRequest


def snapshot(request: TrainRequest) -> TrainRequest:
    """A copy that later edits of the session cannot reach (the dataset and split are
    shared: they are not edited in place, a new load replaces them)."""
    return replace(request, config=copy.deepcopy(request.config),
                   network=copy.deepcopy(request.network),
                   preset_options=copy.deepcopy(request.preset_options),
                   load_options=copy.deepcopy(request.load_options),
                   encoding=copy.deepcopy(request.encoding))


def describe(request: TrainRequest) -> str:
    """One line for the queue's tooltip: the network and the options that differ most."""
    c = request.config
    network = request.network if isinstance(request.network, str) else (
        request.network.name or "custom network")
    batch = "auto" if c.batch_size == 0 else "full" if c.batch_size is None else c.batch_size
    return f"{network} · {c.optimizer} lr {c.lr:g} · batch {batch} · {c.epochs} epochs"


class RunQueue(QWidget):
    """A "Queue" button, how many runs wait (their list as tooltip) and "Clear queue"."""

    queue_requested = Signal()
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.requests: list[TrainRequest] = []
        self.queue_button = QPushButton("Queue")
        self.queue_button.setToolTip("Add a run with the options as they are now; it starts "
                                     "when the runs before it have ended")
        self.queue_button.clicked.connect(self.queue_requested)
        self.label = QLabel()
        self.clear_button = QPushButton("Clear queue")
        self.clear_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.queue_button, self.label, self.clear_button):
            layout.addWidget(w)
        self._refresh()

    def add(self, request: TrainRequest) -> None:
        self.requests.append(snapshot(request))
        self._refresh()

    def take(self) -> TrainRequest | None:
        """The next request, removed from the queue (None when empty)."""
        if not self.requests:
            return None
        request = self.requests.pop(0)
        self._refresh()
        return request

    def clear(self) -> None:
        self.requests.clear()
        self._refresh()

    def _refresh(self) -> None:
        n = len(self.requests)
        self.label.setText(f"{n} queued" if n else "")
        self.label.setToolTip("\n".join(f"{i + 1}. {describe(r)}"
                                        for i, r in enumerate(self.requests)))
        self.clear_button.setVisible(n > 0)
        self.changed.emit()
