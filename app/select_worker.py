"""The worker of the Tune page: cross-validation, a hyperparameter search or the
learning-rate finder (``core.select``), on the data and design of the session.

Like ``app.workers.TrainWorker`` it prepares the run from a ``TrainRequest`` on its own
thread, then calls core and forwards every ``core.select.events`` event through
``event(obj)``; ``succeeded`` carries the result (``CVResult``, ``SearchResult`` or
``LRFinding``). Stop goes through ``control`` (the trainer checks it between batches), so
a stopped search still returns its best trial.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.workers import TrainRequest, Worker, prepare_request
from core.train.control import RunControl

KINDS = ("cv", "search", "lr")
IMPORTANCE_EVERY = 5  # finished trials between two importance updates (~0.3 s each)


@dataclass
class Importance:
    """The search's parameter importance so far (``core.select.importance``)."""

    shares: dict[str, float]


@dataclass(frozen=True)
class SelectRequest:
    """What to run: ``kind`` "cv", "search" or "lr"; the session's run in ``train``."""

    kind: str
    train: TrainRequest
    folds: int = 5
    trials: int | None = 20
    timeout: float | None = None
    sampler: str = "tpe"
    # the ticked settings and their texts (``core.select.choose``); None: the default space
    chosen: dict[str, str] | None = None
    prune: bool = True
    n_jobs: int = 1
    project: Path | None = None  # where each fold / the best trial is kept as a run
    options: dict[str, Any] = field(default_factory=dict)


class SelectWorker(Worker):
    """Runs one ``SelectRequest``; ``event(obj)`` forwards core.select's events."""

    event = Signal(object)
    saved = Signal(object)  # a run folder written into the project

    def __init__(self, request: SelectRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.control = RunControl()
        self._user_stop = threading.Event()

    def request_stop(self) -> None:
        """End after the running batch. Unlike other workers a stopped one still succeeds:
        the folds done and the best trial so far are its result."""
        self._user_stop.set()
        self.control.stop()

    def user_stopped(self) -> bool:
        """core.select's ``should_stop`` (the base class's would turn the result into a
        cancellation)."""
        return self._user_stop.is_set()

    def work(self) -> Any:
        r, t = self.request, self.request.train
        prepared = prepare_request(t, self.report, self.user_stopped)
        if r.kind == "cv":
            return self._cv(prepared)
        if r.kind == "search":
            return self._search(prepared)
        from core.select.lrfind import find_lr

        return find_lr(prepared, t.config, on_event=self.event.emit, progress=self.report,
                       should_stop=self.user_stopped)

    def _cv(self, prepared: Any) -> Any:
        from core.select.cv import cross_validate

        r = self.request
        result = cross_validate(prepared, r.train.config, r.folds,
                                baselines=r.train.baselines, keep_outcomes=r.project
                                is not None, control=self.control,
                                should_stop=self.user_stopped, on_event=self.event.emit,
                                progress=self.report)
        if r.project is not None:
            for fold in result.folds:
                if fold.outcome is not None and fold.outcome.succeeded:
                    self._keep(fold.outcome, f"cv fold {fold.fold}/{result.k}")
                fold.outcome = None  # the models are on disk; the result stays small
        return result

    def _search(self, prepared: Any) -> Any:
        from core.select.choose import chosen_space
        from core.select.search import search
        from core.select.space import default_space

        r = self.request
        data = prepared.data
        space = default_space(prepared.spec, r.train.config, data.input_shape,
                              data.n_outputs, len(data.X_train))
        notes: list[str] = []
        if r.chosen is not None:
            space, notes = chosen_space(space, r.chosen)
        watch = _ImportanceWatch(space, self.event.emit)
        result = search(prepared, r.train.config, r.trials, space=space, sampler=r.sampler,
                        seed=r.train.config.seed, timeout=r.timeout, prune=r.prune,
                        n_jobs=r.n_jobs, baselines=r.train.baselines, control=self.control,
                        should_stop=self.user_stopped, on_event=watch,
                        progress=self.report)
        result.notes[:0] = notes
        watch.final(result)
        if r.project is not None and result.outcome is not None:
            number = result.best.number if result.best is not None else 0
            self._keep(result.outcome, f"search best trial {number}")
        return result

    def _keep(self, outcome: Any, name: str) -> None:
        """Save one run into the project's runs/ under ``name`` (on this thread)."""
        from core.export.bundle import save_bundle
        from core.project.runs import new_run_folder, rename_run

        assert self.request.project is not None
        folder = new_run_folder(self.request.project)
        self.report(1.0, f"Keeping {name} in the project\u2026")
        save_bundle(folder, outcome)
        rename_run(folder, name)
        outcome.run_dir = folder
        self.saved.emit(folder)


class _ImportanceWatch:
    """Forwards a search's events and, every few finished trials, its importance so far
    (computed on the worker thread, where the trials run, not in the window)."""

    def __init__(self, space: Any, emit: Any) -> None:
        self.space, self.emit = space, emit
        self.records: dict[int, Any] = {}
        self.finished = 0

    def __call__(self, ev: Any) -> None:
        from core.select.events import StepFinished, StepStarted
        from core.select.trial import TrialRecord

        self.emit(ev)
        if isinstance(ev, StepStarted) and ev.kind == "trial":
            self.records[ev.number] = TrialRecord(ev.number, dict(ev.params), "running", None)
        elif isinstance(ev, StepFinished) and ev.kind == "trial":
            record = self.records.get(ev.number)
            if record is not None:
                record.state, record.value = ev.state, ev.value
            self.finished += 1
            if self.finished % IMPORTANCE_EVERY == 0:
                self._importance(list(self.records.values()))

    def final(self, result: Any) -> None:
        self._importance(result.trials)

    def _importance(self, trials: list[Any]) -> None:
        from core.select.importance import param_importance

        try:
            shares = param_importance(trials, self.space)
        except Exception:  # noqa: BLE001 - a picture must not end the search
            return
        if shares:
            self.emit(Importance(shares))
