"""One trial of a search: sample its settings, train on the blind run, tell the pruner.

A trial trains the template's network varied by its settings (``core.select.space``) on
the training rows, watched and scored on the validation rows; the test rows are not in
its data at all (``core.select.step.blind``). Its value is the validation loss of the
weights it keeps (the best epoch's with early stopping and restore-best, else the last
epoch's). A diverged trial is worth +inf, so the sampler learns to avoid its region.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from core.errors import MendelError
from core.nn.shapes import check
from core.nn.spec import NetworkSpec
from core.progress import ProgressFn, StopFn, report
from core.select.events import Clock, SelectEvent, StepEpoch, StepFinished, StepStarted
from core.select.space import SearchSpace, apply
from core.select.step import StepControl
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.events import EpochFinished, Event
from core.train.run import PreparedRun, TrainingOutcome, train_prepared

PRUNE_STARTUP_TRIALS = 5  # the median needs a few complete curves to mean anything
PRUNE_WARMUP_EPOCHS = 2  # every trial gets this many epochs before it can be pruned


@dataclass
class TrialRecord:
    number: int  # 1-based
    params: dict[str, Any]
    state: str  # "complete", "pruned", "diverged", "failed", "stopped"
    value: float | None  # validation loss of the kept weights (complete trials)
    val_metrics: dict[str, Any] = field(default_factory=dict)
    curve: list[float | None] = field(default_factory=list)  # validation loss per epoch
    seconds: float = 0.0
    epochs_run: int = 0
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        value = self.value if self.value is None or math.isfinite(self.value) else None
        return {"number": self.number, "params": dict(self.params), "value": value,
                "state": self.state, "duration": self.seconds, "epochs_run": self.epochs_run,
                "val_loss_curve": list(self.curve), "val_metrics": dict(self.val_metrics),
                "message": self.message}


@dataclass
class Best:
    record: TrialRecord
    outcome: TrainingOutcome
    config: TrainConfig
    spec: NetworkSpec


class TrialFailed(Exception):
    """Internal: a trial that could not run or was stopped (Optuna marks it failed)."""


class Objective:
    """The function Optuna calls once per trial (from several threads with n_jobs > 1)."""

    def __init__(self, run: PreparedRun, config: TrainConfig, space: SearchSpace,
                 clock: Clock, prune: bool, control: RunControl | None,
                 should_stop: StopFn | None, on_event: Callable[[SelectEvent], None] | None,
                 progress: ProgressFn | None) -> None:
        self.run, self.config, self.space, self.clock = run, config, space, clock
        self.prune, self.control, self.should_stop = prune, control, should_stop
        self.on_event, self.progress = on_event, progress
        self.lock = threading.Lock()
        self.records: dict[int, TrialRecord] = {}
        self.best: Best | None = None

    def user_stopped(self) -> bool:
        return StepControl(self.control, self.should_stop).user_stopped

    def __call__(self, trial: Any) -> float:
        import optuna

        number = trial.number + 1
        if self.user_stopped():
            trial.study.stop()
            raise TrialFailed("stopped before it started")
        params = sample(trial, self.space)
        total = self.clock.total
        self._emit(StepStarted("trial", number, total, dict(params),
                               eta=self.clock.eta(len(self.records))))
        t0 = time.perf_counter()
        record = TrialRecord(number, params, "failed", None)
        try:
            value = self._train(trial, record)
        finally:
            record.seconds = time.perf_counter() - t0
            with self.lock:
                self.records[number] = record
                self.clock.finished(record.seconds)
                best = self.best.record.value if self.best is not None else None
                done = len(self.records)
            self._emit(StepFinished("trial", number, total, record.state, record.value,
                                    record.val_metrics, record.seconds, record.message,
                                    best_value=best, eta=self.clock.eta(done)))
        if record.state == "pruned":
            raise optuna.TrialPruned()
        if value is None:
            if record.state == "stopped":
                trial.study.stop()
            raise TrialFailed(record.message)
        return value

    def _train(self, trial: Any, record: TrialRecord) -> float | None:
        data = self.run.data
        try:
            spec, config = apply(self.run.spec, self.config,
                                 {**self.space.fixed, **record.params})
            summary = check(spec, data.input_shape, data.n_outputs)
        except MendelError as exc:
            record.message = str(exc)
            return None
        step = StepControl(self.control, self.should_stop)
        pruned = False

        def forward(ev: Event) -> None:
            nonlocal pruned
            if not isinstance(ev, EpochFinished):
                return
            record.curve.append(ev.val_loss)
            fraction = ev.epoch / config.epochs
            self._emit(StepEpoch("trial", record.number, ev, config.epochs,
                                 eta=self.clock.eta(len(self.records), fraction)))
            self._progress(fraction, f"trial {record.number}, epoch {ev.epoch}")
            if self.prune and ev.val_loss is not None and math.isfinite(ev.val_loss):
                trial.report(ev.val_loss, ev.epoch)
                if trial.should_prune():
                    pruned = True
                    step.stop()

        outcome = train_prepared(replace(self.run, spec=spec, summary=summary), config, step,
                                 forward, baselines=False)
        result = outcome.result
        assert result is not None
        record.epochs_run, record.message = result.epochs_run, result.message
        if result.failed:
            return None
        if result.stopped_because == "nan":
            record.state, record.value = "diverged", math.inf
            return math.inf
        if result.stopped_because == "stopped":
            record.state = "pruned" if pruned and not step.user_stopped else "stopped"
            if record.state == "pruned":
                record.message = (f"pruned after epoch {len(record.curve)}: its validation "
                                  "loss was worse than the median of earlier trials there")
            return None
        kept = result.best_epoch if config.early_stopping is not None and \
            config.restore_best else result.epochs_run
        value = next((r.get("val_loss") for r in result.history.rows
                      if r.get("epoch") == kept), None)
        if value is None or not math.isfinite(value):
            record.message = "no validation loss to score the trial with"
            return None
        record.state, record.value = "complete", float(value)
        record.val_metrics = dict(outcome.metrics.get("val", {}))
        with self.lock:
            if self.best is None or value < (self.best.record.value or math.inf):
                self.best = Best(record, outcome, config, spec)
        return float(value)

    def _emit(self, ev: SelectEvent) -> None:
        if self.on_event is not None:
            self.on_event(ev)

    def _progress(self, fraction: float, message: str) -> None:
        if self.progress is None:
            return
        clock = self.clock
        if clock.total:
            done = (len(self.records) + fraction) / clock.total
        else:
            done = clock.elapsed() / clock.timeout if clock.timeout else 0.0
        report(self.progress, done, message)


def sample(trial: Any, space: SearchSpace) -> dict[str, Any]:
    """The trial's value of every searched setting (Optuna's suggest calls)."""
    values: dict[str, Any] = {}
    for name, p in space.params.items():
        if p.choices is not None:
            values[name] = trial.suggest_categorical(name, list(p.choices))
        elif p.whole:
            values[name] = trial.suggest_int(name, int(p.low or 0), int(p.high or 0),
                                             log=p.log)
        else:
            values[name] = trial.suggest_float(name, float(p.low or 0), float(p.high or 0),
                                               log=p.log)
    return values
