"""One training run inside a cross-validation or a search: its control and its blind data.

``StepControl`` is the run's ``RunControl``. The trainer checks it before every batch, so
three things end the run after the current batch: the search's pruner (``stop()``), the
caller's own ``RunControl`` being stopped, and the caller's ``should_stop`` returning
True. Pause and single steps follow the caller's control, so one Pause button holds a
whole search.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from core.progress import StopFn
from core.train.control import RunControl
from core.train.run import PreparedRun


class StepControl(RunControl):
    """A step's control, tied to the caller's ``outer`` control and ``should_stop``."""

    def __init__(self, outer: RunControl | None = None,
                 should_stop: StopFn | None = None) -> None:
        super().__init__()
        self.outer, self.should_stop = outer, should_stop
        if outer is not None:
            self.on_epoch_model = outer.on_epoch_model

    @property
    def user_stopped(self) -> bool:
        """The caller asked the whole job to stop (not the pruner)."""
        outer = self.outer is not None and self.outer.stopped
        return outer or (self.should_stop is not None and bool(self.should_stop()))

    def wait_before_batch(self) -> bool:
        if self.stopped or self.user_stopped:
            return False
        return self.outer.wait_before_batch() if self.outer is not None else True

    def epoch_done(self) -> None:
        if self.outer is not None:
            self.outer.epoch_done()


def job_stopped(control: RunControl | None, should_stop: StopFn | None) -> bool:
    """Whether the caller asked the job to stop (checked between steps)."""
    return StepControl(control, should_stop).user_stopped


def blind(prepared: PreparedRun) -> PreparedRun:
    """``prepared`` without its test rows, for every run that helps choose: neither the
    network nor the baselines of a trial can see, score or keep a test row. The data and
    preprocessing are shared (read only), so this costs no encoding."""
    data = prepared.data
    empty_x = np.zeros((0, *data.X_test.shape[1:]), dtype=data.X_test.dtype)
    empty_y = np.zeros((0, *data.y_test.shape[1:]), dtype=data.y_test.dtype)
    labels = None if data.labels_test is None else data.labels_test[:0]
    blind_data = dataclasses.replace(data, X_test=empty_x, y_test=empty_y, ids_test=[],
                                     labels_test=labels)
    split = dataclasses.replace(prepared.split, test=prepared.split.test[:0])
    return dataclasses.replace(prepared, data=blind_data, split=split)
