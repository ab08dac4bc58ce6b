"""What a cross-validation, a search or a learning-rate finder reports while it runs.

Plain dataclasses, like the trainer's events (``core.train.events``): a GUI worker
forwards them as signals, the command line prints them, tests collect them. A *step* is
one fold of a cross-validation or one trial of a search; ``kind`` says which, and every
event carries ``eta``, the seconds the whole job still needs (estimated; None until one
step has finished or when a search is bounded by nothing but the user).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from core.train.events import EpochFinished


@dataclass
class StepStarted:
    kind: str  # "fold" or "trial"
    number: int  # 1-based
    total: int | None  # folds, or the trials asked for (None: a search bounded by time)
    params: dict[str, Any] = field(default_factory=dict)  # a trial's sampled settings
    eta: float | None = None


@dataclass
class StepEpoch:
    """One epoch of the step's training run (the trainer's own event inside)."""

    kind: str
    number: int
    epoch: EpochFinished
    epochs: int  # planned epochs of this step
    eta: float | None = None


@dataclass
class StepFinished:
    kind: str
    number: int
    total: int | None
    state: str  # "complete", "pruned", "diverged", "failed", "stopped"
    value: float | None  # a trial's validation loss; a fold's main held-out metric
    metrics: dict[str, Any] = field(default_factory=dict)  # held-out (validation) metrics
    seconds: float = 0.0
    message: str = ""
    best_value: float | None = None  # a search's best value so far
    eta: float | None = None


@dataclass
class LRStep:
    """One mini-batch of the learning-rate finder (sent about every 5% of the steps)."""

    step: int  # 1-based
    steps: int
    lr: float
    loss: float
    smoothed: float


SelectEvent = StepStarted | StepEpoch | StepFinished | LRStep


class Clock:
    """Estimates the seconds a job of steps still needs from the steps done so far.

    ``eta(done, fraction)``: ``done`` steps have finished and the running one is
    ``fraction`` through. With ``total`` steps the rest is the mean step time times the
    steps left (``parallel`` run at once); with a ``timeout`` it is at most what is left
    of it; with neither it is unknown (None).
    """

    def __init__(self, total: int | None, timeout: float | None = None,
                 parallel: int = 1) -> None:
        self.total, self.timeout, self.parallel = total, timeout, max(1, parallel)
        self.start = time.perf_counter()
        self.durations: list[float] = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def finished(self, seconds: float) -> None:
        self.durations.append(seconds)

    def eta(self, done: int, fraction: float = 0.0) -> float | None:
        left = None
        if self.total is not None and self.durations:
            mean = sum(self.durations) / len(self.durations)
            left = max(0.0, (self.total - done - fraction) * mean / self.parallel)
        if self.timeout is not None:
            rest = max(0.0, self.timeout - self.elapsed())
            left = rest if left is None else min(left, rest)
        return left
