"""k-fold cross-validation of one network and training configuration, with its baselines.

The folds cover the training and validation rows only (``core.select.folds``); the test
rows are not read, scored or kept, so a later final test still means something. Each
fold is a full run (``prepare_run`` with the fold's split, then ``train_prepared``): the
network and the classic baselines train on the fold's training rows and are scored on
its held-out rows, so they are compared on the same folds. The result holds each fold's
metrics, their mean and standard deviation (the sample one, ddof=1) and each fold's
curves. Stopping ends the running fold after its batch; the folds finished before count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.progress import Cancelled, ProgressFn, StopFn, report
from core.select.events import Clock, SelectEvent, StepEpoch, StepFinished, StepStarted
from core.select.folds import cv_splits, pool_rows
from core.select.step import StepControl, job_stopped
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.events import EpochFinished, Event
from core.train.report import MAIN_METRIC
from core.train.run import (
    PreparedRun,
    TrainingOutcome,
    baseline_choice,
    fit_outcome_baselines,
    prepare_run,
    train_prepared,
)

Metrics = dict[str, Any]


@dataclass
class FoldResult:
    """One fold: the network's and each baseline's metrics on the fold's held-out rows."""

    fold: int  # 1-based
    n_train: int
    n_val: int
    state: str  # "complete", "diverged", "failed", "stopped"
    metrics: Metrics  # the network on the held-out rows ({} unless complete)
    baseline: dict[str, Metrics]  # name -> metrics on the held-out rows
    history: list[dict[str, Any]]  # the fold's curves (history.csv rows)
    epochs_run: int = 0
    best_epoch: int = 0
    seconds: float = 0.0
    message: str = ""
    outcome: TrainingOutcome | None = None  # kept with ``keep_outcomes`` (a run to save)


@dataclass
class CVResult:
    k: int
    seed: int
    task: str
    grouped: bool
    n_rows: int  # training + validation rows the folds cover
    n_test_untouched: int  # test rows never read
    folds: list[FoldResult]
    stopped: bool = False
    notes: list[str] = field(default_factory=list)

    def scored(self) -> list[FoldResult]:
        return [f for f in self.folds if f.state == "complete"]

    @property
    def mean(self) -> Metrics:
        return summarize([f.metrics for f in self.scored()])[0]

    @property
    def std(self) -> Metrics:
        return summarize([f.metrics for f in self.scored()])[1]

    def baselines(self) -> dict[str, dict[str, Any]]:
        """name -> {"folds": [metrics per fold], "mean": ..., "std": ...}."""
        names = dict.fromkeys(n for f in self.scored() for n in f.baseline)
        out = {}
        for name in names:
            per_fold = [f.baseline.get(name, {}) for f in self.scored()]
            mean, std = summarize(per_fold)
            out[name] = {"folds": per_fold, "mean": mean, "std": std}
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (``mendel cv --json``)."""
        return {
            "k": self.k, "seed": self.seed, "task": self.task, "grouped": self.grouped,
            "n_rows": self.n_rows, "n_test_untouched": self.n_test_untouched,
            "folds": [f.metrics for f in self.folds], "mean": self.mean, "std": self.std,
            "baselines": self.baselines(),
            "curves": [f.history for f in self.folds],
            "fold_runs": [{"fold": f.fold, "state": f.state, "n_train": f.n_train,
                           "n_val": f.n_val, "epochs_run": f.epochs_run,
                           "best_epoch": f.best_epoch, "seconds": f.seconds,
                           "message": f.message} for f in self.folds],
            "stopped": self.stopped, "notes": list(self.notes),
        }


def summarize(per_fold: Sequence[Metrics]) -> tuple[Metrics, Metrics]:
    """(mean, std) of every number the folds share; std is ddof=1 (0 for one fold). A
    metric undefined in some fold (None, e.g. ROC AUC of a fold with one class) is left
    out rather than averaged over fewer folds."""
    keys = [k for k in (per_fold[0] if per_fold else {}) if k != "n"]
    mean: Metrics = {}
    std: Metrics = {}
    for key in keys:
        values = [m.get(key) for m in per_fold]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            continue
        mu = sum(values) / len(values)
        mean[key] = mu
        var = sum((v - mu) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0
        std[key] = math.sqrt(var)
    return mean, std


def cross_validate(
    prepared: PreparedRun,
    config: TrainConfig,
    folds: int = 5,
    *,
    seed: int | None = None,
    baselines: bool | Sequence[str] = True,
    keep_outcomes: bool = False,
    control: RunControl | None = None,
    should_stop: StopFn | None = None,
    on_event: Callable[[SelectEvent], None] | None = None,
    progress: ProgressFn | None = None,
) -> CVResult:
    """Cross-validate ``prepared``'s network (its spec, as designed) with ``config`` over
    ``folds`` folds of ``prepared.split``'s training and validation rows.

    ``seed`` draws the folds (default: the split's seed). ``baselines`` as in
    ``train_prepared``. Raises ``DataError`` for an impossible number of folds and
    ``TrainError`` / ``SpecError`` for a configuration or network that cannot run; a
    fold that fails or diverges is recorded as such and the others still run.
    """
    config.validate()
    baseline_choice(baselines)  # an unknown name fails now, not after the first fold
    seed = prepared.split.seed if seed is None else seed
    splits = cv_splits(prepared.dataset, prepared.split, folds, seed)
    result = CVResult(k=folds, seed=seed, task=prepared.data.task,
                      grouped=prepared.dataset.groups is not None,
                      n_rows=len(pool_rows(prepared.split)),
                      n_test_untouched=len(prepared.split.test), folds=[])
    if config.early_stopping is not None:
        result.notes.append("early stopping chose each fold's epoch on that fold's held-out"
                            " rows, so the fold scores are a little optimistic")
    clock = Clock(folds)
    for number, split in enumerate(splits, 1):
        if job_stopped(control, should_stop):
            result.stopped = True
            break
        _emit(on_event, StepStarted("fold", number, folds, eta=clock.eta(number - 1)))
        fold = _run_fold(prepared, split, config, number, folds, baselines, clock, control,
                         should_stop, on_event, progress)
        clock.finished(fold.seconds)
        if not keep_outcomes:
            fold.outcome = None
        result.folds.append(fold)
        _emit(on_event, StepFinished("fold", number, folds, fold.state,
                                     fold.metrics.get(MAIN_METRIC[result.task][0]),
                                     fold.metrics, fold.seconds, fold.message,
                                     eta=clock.eta(number)))
        if fold.state == "stopped":
            result.stopped = True
            break
    report(progress, 1.0, "cross-validation done")
    return result


def _run_fold(prepared: PreparedRun, split: Any, config: TrainConfig, number: int,
              total: int, baselines: bool | Sequence[str], clock: Clock,
              control: RunControl | None, should_stop: StopFn | None,
              on_event: Callable[[SelectEvent], None] | None,
              progress: ProgressFn | None) -> FoldResult:
    t0 = time.perf_counter()
    fold = prepare_run(prepared.dataset, prepared.load_options, prepared.encoding_options,
                       network=prepared.spec, split=split)
    fold.network_source = prepared.network_source

    def forward(ev: Event) -> None:
        if isinstance(ev, EpochFinished):
            done = number - 1 + ev.epoch / config.epochs
            report(progress, done / total, f"fold {number} of {total}, epoch {ev.epoch}")
            _emit(on_event, StepEpoch("fold", number, ev, config.epochs,
                                      eta=clock.eta(number - 1, ev.epoch / config.epochs)))

    step = StepControl(control, should_stop)
    which = baseline_choice(baselines)
    outcome = train_prepared(fold, config, step, forward, baselines=False)
    run = outcome.result
    assert run is not None  # train_prepared always leaves a result
    state = ("complete" if outcome.succeeded and run.stopped_because != "stopped" else
             "stopped" if run.stopped_because == "stopped" else
             "diverged" if run.stopped_because == "nan" else "failed")
    if state == "complete" and (which is None or which):  # only for folds that count
        try:
            fit_outcome_baselines(outcome, which, lambda: step.user_stopped)
        except Cancelled:
            state = "stopped"
    baseline = {name: entry.get("val", {}) for name, entry in outcome.baseline.items()}
    return FoldResult(
        fold=number, n_train=len(split.train), n_val=len(split.val), state=state,
        metrics=dict(outcome.metrics.get("val", {})) if state == "complete" else {},
        baseline=baseline if state == "complete" else {},
        history=[dict(r) for r in run.history.rows], epochs_run=run.epochs_run,
        best_epoch=run.best_epoch, seconds=time.perf_counter() - t0, message=run.message,
        outcome=outcome)


def _emit(on_event: Callable[[SelectEvent], None] | None, ev: SelectEvent) -> None:
    if on_event is not None:
        on_event(ev)
