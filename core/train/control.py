"""Cooperative control of a run from another thread: pause, resume, stop, step."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class RunControl:
    """Thread-safe flags the trainer checks between batches.

    ``step_batch()`` / ``step_epoch()`` let a paused run do one more batch or epoch and
    pause again. ``stop()`` ends the run after the current batch (also when paused).
    ``on_epoch_model``, when set before the run starts, is called by the trainer on the
    training thread after each epoch as ``on_epoch_model(epoch, model)``: views that
    follow the weights (the decision surface, hidden-layer embeddings) copy what they need
    there and must not keep or touch the model itself.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._stopped = False
        self._step: str | None = None  # "batch" or "epoch" while a step is pending
        self.on_epoch_model: Callable[[int, Any], None] | None = None

    # -- called from the controlling thread -------------------------------------------
    def pause(self) -> None:
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._step = None
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def step_batch(self) -> None:
        with self._cond:
            self._paused = True
            self._step = "batch"
            self._cond.notify_all()

    def step_epoch(self) -> None:
        with self._cond:
            self._paused = True
            self._step = "epoch"
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stopped

    # -- called from the training thread ----------------------------------------------
    def wait_before_batch(self) -> bool:
        """Block while paused. Returns False when the run must stop.

        A pending batch step lets exactly one batch through; a pending epoch step lets
        batches through until the epoch ends (the trainer calls ``epoch_done``).
        """
        with self._cond:
            while True:
                if self._stopped:
                    return False
                if not self._paused:
                    return True
                if self._step == "batch":
                    self._step = None  # consume: the next call pauses again
                    return True
                if self._step == "epoch" or self._step == "epoch-running":
                    self._step = "epoch-running"
                    return True
                self._cond.wait(timeout=0.1)

    def epoch_done(self) -> None:
        with self._cond:
            if self._step == "epoch-running":
                self._step = None
