"""Hyperparameter search with Optuna, honest about its test rows.

Each trial trains the user's design varied by sampled settings (``core.select.space``,
``core.select.design``) on the training rows and is scored on the validation rows; the
test rows are not in any trial's data (``core.select.trial``). Samplers: "tpe" (Optuna's
Tree-structured Parzen Estimator), "random" and "grid"; with ``prune`` Optuna's median
pruner stops a trial whose validation loss at an epoch is worse than the median of the
earlier trials at that epoch (after 5 trials and 2 epochs). The first trial is the
user's own settings whenever they lie in the space, so the best found is never worse (on
validation) than what the user had.

When the search ends (its trials done, its time up, or the caller stopped it), the best
trial's model, kept in memory, is scored once on every split: that test figure is the
one to report. The same seed gives the same trials with ``n_jobs=1``; with more, trials
run in threads at once (each with a share of torch's threads) and their order, and so
the sampler's choices, depend on timing. The study lives in memory and Optuna's own log
lines are silenced: progress goes to the caller's ``on_event`` / ``progress``.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from core.errors import TrainError
from core.nn.shapes import check
from core.progress import ProgressFn, StopFn, report
from core.select.events import Clock, SelectEvent
from core.select.space import SearchSpace, default_space, own_values
from core.select.step import blind
from core.select.trial import (
    PRUNE_STARTUP_TRIALS,
    PRUNE_WARMUP_EPOCHS,
    Best,
    Objective,
    TrialFailed,
    TrialRecord,
)
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.run import (
    PreparedRun,
    TrainingOutcome,
    baseline_choice,
    fit_outcome_baselines,
    run_record,
)

SAMPLERS = ("tpe", "random", "grid")


@dataclass
class SearchResult:
    trials: list[TrialRecord]
    best: TrialRecord | None
    outcome: TrainingOutcome | None  # the best trial's model, scored on every split
    sampler: str
    seed: int
    space: dict[str, Any]
    stopped_because: str  # "completed", "timeout", "stopped"
    notes: list[str] = field(default_factory=list)

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best.params) if self.best is not None else {}

    @property
    def best_value(self) -> float | None:
        return self.best.value if self.best is not None else None

    @property
    def test(self) -> dict[str, Any]:
        return dict(self.outcome.metrics.get("test", {})) if self.outcome else {}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (``mendel search --json``)."""
        outcome = self.outcome
        return {
            "best_params": self.best_params, "best_value": self.best_value,
            "best_trial": self.best.number if self.best is not None else None,
            "objective": "validation loss (lower is better)",
            "trials": [t.to_dict() for t in self.trials],
            "test": self.test,
            "val": dict(outcome.metrics.get("val", {})) if outcome else {},
            "baseline": {name: entry.get("test", {})
                         for name, entry in (outcome.baseline if outcome else {}).items()},
            "sampler": self.sampler, "seed": self.seed, "space": self.space,
            "stopped_because": self.stopped_because, "notes": list(self.notes),
        }


def search(
    prepared: PreparedRun,
    config: TrainConfig,
    n_trials: int | None = 20,
    *,
    space: SearchSpace | None = None,
    sampler: str = "tpe",
    seed: int = 0,
    timeout: float | None = None,
    prune: bool = True,
    n_jobs: int = 1,
    baselines: bool | Sequence[str] = False,
    control: RunControl | None = None,
    should_stop: StopFn | None = None,
    on_event: Callable[[SelectEvent], None] | None = None,
    progress: ProgressFn | None = None,
) -> SearchResult:
    """Search ``space`` (default: ``default_space`` of the design and ``config``) for the
    settings whose trained network has the lowest validation loss on ``prepared``.

    ``n_trials`` and/or ``timeout`` (seconds; the trial running then still finishes)
    bound the search; a grid search ends when its grid is done. ``baselines`` (as in
    ``train_prepared``) are fitted once, at the end, beside the best trial's test score.
    Stopping (``control`` or ``should_stop``) ends the running trial after its batch and
    returns the best trial so far. Raises ``TrainError`` / ``SpecError`` for settings
    that cannot run at all, before any trial.
    """
    config.validate()
    data = prepared.data
    _check_arguments(sampler, n_trials, timeout, n_jobs, data.sizes()["val"])
    which = baseline_choice(baselines)
    n_train = len(data.X_train)
    if space is None:
        space = default_space(prepared.spec, config, data.input_shape, data.n_outputs,
                              n_train)
    space.check(prepared.spec, config, data.input_shape, data.n_outputs)
    notes: list[str] = []
    if n_jobs > 1 and config.deterministic:
        config = replace(config, deterministic=False)  # a process-wide switch, not per thread
        notes.append("parallel trials run without deterministic algorithms; the same seed "
                     "gives the same trials only with one job")

    import optuna

    grid = [p.grid() for p in space.params.values()]
    total = n_trials
    if sampler == "grid":
        size = math.prod(len(g) for g in grid)
        total = size if n_trials is None else min(n_trials, size)
    clock = Clock(total, timeout, n_jobs)
    objective = Objective(blind(prepared), config, space, clock, prune, control,
                          should_stop, on_event, progress)
    with _quiet_optuna(), _torch_threads(n_jobs):
        study = optuna.create_study(direction="minimize",
                                    sampler=_sampler(sampler, space, seed),
                                    pruner=_pruner(prune))
        own = own_values(space, prepared.spec, config, n_train) if sampler != "grid" else None
        if own is not None:
            study.enqueue_trial(own)
            notes.append("trial 1 is the configuration's own settings")

        def between_trials(study: Any, trial: Any) -> None:
            if objective.user_stopped():
                study.stop()

        study.optimize(objective, n_trials=total, timeout=timeout, n_jobs=n_jobs,
                       catch=(TrialFailed,), callbacks=[between_trials])
    trials = [objective.records[n] for n in sorted(objective.records)]
    stopped = ("stopped" if objective.user_stopped() else
               "timeout" if timeout is not None and clock.elapsed() >= timeout
               and (total is None or len(trials) < total) else "completed")
    best = objective.best
    outcome = None
    if best is not None:
        report(progress, 1.0, f"scoring trial {best.record.number} on the test rows")
        outcome = final_outcome(prepared, best, which)
    report(progress, 1.0, "search done")
    return SearchResult(trials=trials, best=best.record if best else None, outcome=outcome,
                        sampler=sampler, seed=seed, space=space.to_dict(),
                        stopped_because=stopped, notes=notes)


def final_outcome(prepared: PreparedRun, best: Best,
                  which: list[str] | None) -> TrainingOutcome:
    """The best trial's model scored once on every split of ``prepared`` (the test rows
    for the first and only time), with the baselines when ``which`` asks for them."""
    from core.train.predict import evaluate_model

    data = prepared.data
    full = replace(prepared, spec=best.spec,
                   summary=check(best.spec, data.input_shape, data.n_outputs))
    result = copy.copy(best.outcome.result)
    assert result is not None and result.model is not None
    if result.checkpoint is not None:  # continued later, it must know the whole split
        result.checkpoint = replace(result.checkpoint, record=run_record(full))
    outcome = TrainingOutcome(**vars(full), config=copy.deepcopy(best.config), result=result)
    # the trial measured train and validation already; only the test rows are new
    test_only = replace(data, X_train=data.X_train[:0], y_train=data.y_train[:0],
                        X_val=data.X_val[:0], y_val=data.y_val[:0])
    outcome.metrics = {**best.outcome.metrics,
                       "test": evaluate_model(result.model, test_only)["test"]}
    outcome.notes = list(best.outcome.notes)
    if which is None or which:
        fit_outcome_baselines(outcome, which)
    return outcome


def _check_arguments(sampler: str, n_trials: int | None, timeout: float | None,
                     n_jobs: int, n_val: int) -> None:
    if sampler not in SAMPLERS:
        raise TrainError(f"unknown sampler {sampler!r}; use {', '.join(SAMPLERS)}")
    if n_trials is not None and n_trials < 1:
        raise TrainError(f"a search needs at least 1 trial, got {n_trials}")
    if n_trials is None and timeout is None and sampler != "grid":
        raise TrainError("give a number of trials or a time limit")
    if timeout is not None and not timeout > 0:
        raise TrainError(f"the time limit must be above 0 seconds, got {timeout:g}")
    if n_jobs < 1:
        raise TrainError(f"parallel trials must be at least 1, got {n_jobs}")
    if n_val == 0:
        raise TrainError("a search scores each trial on the validation rows and this split "
                         "has none; raise the validation fraction")


def _sampler(name: str, space: SearchSpace, seed: int) -> Any:
    import optuna

    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        return optuna.samplers.GridSampler({n: p.grid() for n, p in space.params.items()},
                                           seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _pruner(prune: bool) -> Any:
    import optuna

    if not prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=PRUNE_STARTUP_TRIALS,
                                       n_warmup_steps=PRUNE_WARMUP_EPOCHS)


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Optuna's log lines off for the search (its caught trial failures included): the
    caller hears of each trial through its own callbacks."""
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


@contextmanager
def _torch_threads(n_jobs: int) -> Iterator[None]:
    """With parallel trials, each gets a share of torch's threads (small models gain more
    from running side by side than from splitting one matrix product)."""
    if n_jobs <= 1:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, before // n_jobs))
    try:
        yield
    finally:
        torch.set_num_threads(before)
