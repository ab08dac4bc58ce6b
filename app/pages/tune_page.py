"""The Tune page: choosing a model honestly. Cross-validation of the design, a
hyperparameter search over settings the user ticks, and the learning-rate finder.

Each runs on one worker (``app.select_worker``) with the session's data, split, design
and training options, as Start on the Train page would train them; none of them reads
the test rows, except the search's best trial, scored on them once at the end. With a
project open, each fold and the best trial are kept as runs (the Runs page lists them).
The views are fed the worker's events; the search's best trial becomes the current run
(Evaluate shows it) and its settings can be put into the form.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.jobs import JobRunner, error_text
from app.pages.page import Page
from app.select_worker import Importance, SelectRequest, SelectWorker
from app.state import AppState
from app.widgets.cv_view import CVView
from app.widgets.lr_view import LRView
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.search_space_form import SearchSpaceForm
from app.widgets.search_view import SearchView
from core.select.events import StepFinished, StepStarted
from core.train.report import MAIN_METRIC

TABS = ("cv", "search", "lr")
SAMPLERS = (("TPE (Bayesian)", "tpe"), ("random", "random"), ("grid", "grid"))


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    return f"about {int(seconds // 60)} min {int(seconds % 60):02d} s left"


class TunePage(Page):
    """Cross-validate, search, find the learning rate."""

    title = "Tune"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.request: SelectRequest | None = None
        self.result: Any = None
        self.job = JobRunner(self)
        self.job.progressed.connect(self._on_progress)
        self.job.succeeded.connect(self._on_succeeded)
        self.job.failed.connect(self._on_failed)
        self.job.cancelled.connect(self._on_cancelled)
        self._build()
        self._update_buttons()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message_bar = MessageBar()
        self.tabs = QTabWidget()
        self.cv_view, self.search_view, self.lr_view = CVView(), SearchView(), LRView()
        self.lr_view.apply_requested.connect(self.apply_lr)

        self.folds = QSpinBox()
        self.folds.setRange(2, 20)
        self.folds.setValue(5)
        self.folds.setToolTip("Stratified by class; grouped when the Data page sets groups")
        self.cv_button = QPushButton("Cross-validate")
        self.cv_button.setObjectName("primaryButton")
        self.cv_button.clicked.connect(self.start_cv)
        cv_row = QHBoxLayout()
        cv_row.addWidget(QLabel("Folds"))
        cv_row.addWidget(self.folds)
        cv_row.addWidget(self.cv_button)
        cv_row.addStretch(1)
        self.tabs.addTab(self._tab(cv_row, self.cv_view), "Cross-validation")

        self.space_form = SearchSpaceForm()
        self.trials = QSpinBox()
        self.trials.setRange(1, 1000)
        self.trials.setValue(20)
        self.sampler = QComboBox()
        for text, name in SAMPLERS:
            self.sampler.addItem(text, name)
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 24 * 60)
        self.minutes.setSpecialValueText("none")
        self.minutes.setSuffix(" min")
        self.jobs = QSpinBox()
        self.jobs.setRange(1, max(1, os.cpu_count() or 1))
        self.jobs.setToolTip("Small models train faster side by side; with more than one, "
                             "the same seed may give other trials")
        self.prune = QCheckBox("Stop poor trials early (median pruner)")
        self.prune.setChecked(True)
        self.search_button = QPushButton("Search")
        self.search_button.setObjectName("primaryButton")
        self.search_button.clicked.connect(self.start_search)
        self.apply_button = QPushButton("Use the best settings")
        self.apply_button.setToolTip("Put the best trial's settings into the Train page's "
                                     "form and the Network page's design")
        self.apply_button.clicked.connect(self.apply_best)
        form = QFormLayout()
        form.addRow("Trials", self.trials)
        form.addRow("Sampler", self.sampler)
        form.addRow("Time limit", self.minutes)
        form.addRow("Trials at once", self.jobs)
        side = QVBoxLayout()
        side.addWidget(self.space_form)
        side.addLayout(form)
        side.addWidget(self.prune)
        side.addWidget(self.search_button)
        side.addWidget(self.apply_button)
        side.addStretch(1)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setMaximumWidth(380)
        search_tab = QWidget()
        row = QHBoxLayout(search_tab)
        row.addWidget(side_box)
        row.addWidget(self.search_view, 1)
        self.tabs.addTab(search_tab, "Hyperparameter search")

        self.lr_button = QPushButton("Find learning rate")
        self.lr_button.setObjectName("primaryButton")
        self.lr_button.clicked.connect(self.start_lr)
        lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_button)
        lr_row.addStretch(1)
        self.tabs.addTab(self._tab(lr_row, self.lr_view), "Learning rate")

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End after the running batch; a search keeps its best "
                                    "trial so far")
        self.stop_button.clicked.connect(self.stop)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

    @staticmethod
    def _tab(row: QHBoxLayout, view: QWidget) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(view, 1)
        return tab

    def plot_panels(self) -> list[PlotPanel]:
        return [self.cv_view.panel, *self.search_view.panels, self.lr_view.panel]

    # -- starting ----------------------------------------------------------------------------
    def start_cv(self) -> None:
        self._start("cv", folds=self.folds.value())

    def start_search(self) -> None:
        problem = self.space_form.problem()
        if problem is not None:
            self.message_bar.show_error(problem)
            return
        minutes = self.minutes.value()
        self._start("search", trials=self.trials.value(),
                    sampler=self.sampler.currentData(), chosen=self.space_form.chosen(),
                    timeout=minutes * 60.0 if minutes else None, prune=self.prune.isChecked(),
                    n_jobs=self.jobs.value())

    def start_lr(self) -> None:
        self._start("lr")

    def _start(self, kind: str, **options: Any) -> None:
        train = self._train_request()
        if train is None:
            return
        self.job.cancel(wait=True)
        self.request = SelectRequest(kind=kind, train=train,
                                     project=self.state.project_folder, **options)
        self.result = None
        self.tabs.setCurrentIndex(TABS.index(kind))
        self.message_bar.clear()
        if kind == "cv":
            self.cv_view.reset(options["folds"], train.dataset.training_task)
        elif kind == "search":
            self.search_view.reset(list(options["chosen"]))
        else:
            self.lr_view.reset()
        worker = SelectWorker(self.request)
        worker.event.connect(self._on_event)
        worker.saved.connect(self._on_saved)
        self.progress.setValue(0)
        self.progress.setFormat("Encoding the data\u2026")
        self.job.start(worker)
        self._update_buttons()

    def _train_request(self) -> Any:
        """What Start on the Train page would train now, or None after saying why not."""
        if self.state.training:
            self.message_bar.show_message("A run is training; wait for it or stop it on "
                                          "the Train page first.", "warning")
            return None
        window = self.window()
        train_page = getattr(window, "pages", {}).get("train")
        request = train_page.request() if train_page is not None else None
        if request is None:
            self.message_bar.show_message("Load data on the Data page first (or pick a demo "
                                          "from File \u25b8 Demo datasets).", "warning")
            return None
        problem = self.state.network_problem()
        try:
            request.config.validate()
        except Exception as exc:  # TrainError: a contradictory combination of options
            self.message_bar.show_error(str(exc))
            return None
        if problem is not None:
            self.message_bar.show_error(f"the network does not fit the data: {problem}")
            return None
        return request

    def stop(self) -> None:
        worker = self.job.worker
        if worker is not None:
            worker.request_stop()
            self.progress.setFormat("Stopping after this batch\u2026")

    @property
    def running(self) -> bool:
        return self.job.running

    def _update_buttons(self) -> None:
        busy = self.job.worker is not None
        for button in (self.cv_button, self.search_button, self.lr_button):
            button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.apply_button.setEnabled(not busy and self._best_outcome() is not None)

    # -- the worker's signals ------------------------------------------------------------------
    def _on_event(self, ev: Any) -> None:
        kind = self.request.kind if self.request else ""
        if kind == "cv":
            self.cv_view.on_event(ev)
        elif kind == "search":
            if isinstance(ev, Importance):
                self.search_view.set_importance(ev.shares)
            else:
                self.search_view.on_event(ev)
        else:
            self.lr_view.on_event(ev)
        if isinstance(ev, StepStarted | StepFinished):
            total = f" of {ev.total}" if ev.total else ""
            name = "fold" if ev.kind == "fold" else "trial"
            best = getattr(ev, "best_value", None)
            parts = [f"{name} {ev.number}{total}"]
            if best is not None:
                parts.append(f"best {best:.4g}")
            if ev.eta is not None:
                parts.append(eta_text(ev.eta))
            self.progress.setFormat(" \u00b7 ".join(parts))
            if ev.total:
                done = ev.number - (1 if isinstance(ev, StepStarted) else 0)
                self.progress.setValue(int(1000 * done / ev.total))

    def _on_progress(self, fraction: float, message: str) -> None:
        if self.request is not None and self.request.kind == "lr":
            self.progress.setValue(int(fraction * 1000))
            if message:
                self.progress.setFormat(message)
        elif message and not message.startswith(("trial", "fold")):
            self.progress.setFormat(message)

    def _on_saved(self, folder: Any) -> None:
        self.state.set_project_folder(self.state.project_folder)  # the Runs page lists it

    def _on_succeeded(self, result: Any) -> None:
        self.result = result
        kind = self.request.kind if self.request else ""
        self.progress.setValue(1000)
        self.progress.setFormat("done")
        if kind == "cv":
            self.cv_view.show_result(result)
            self.message_bar.show_message(self._cv_summary(result), "success")
        elif kind == "search":
            self._show_search(result)
        else:
            self.lr_view.show_result(result)
        self._update_buttons()

    def _on_failed(self, error: object) -> None:
        self.progress.setFormat("failed")
        self.message_bar.show_error(error_text(error))
        self._update_buttons()

    def _on_cancelled(self) -> None:
        self.progress.setFormat("stopped")
        self._update_buttons()

    # -- results -----------------------------------------------------------------------------
    def _cv_summary(self, result: Any) -> str:
        key, label = MAIN_METRIC[result.task]
        mean, std = result.mean.get(key), result.std.get(key)
        if mean is None:
            return "No fold finished; nothing to summarize."
        parts = [f"{result.k}-fold cross-validation: network {label} {mean:.3f} \u00b1 "
                 f"{std:.3f}"]
        best = max(((n, e["mean"].get(key)) for n, e in result.baselines().items()
                    if e["mean"].get(key) is not None), key=lambda t: t[1], default=None)
        if best is not None:
            from core.classic.baseline_info import display_name

            parts.append(f"best baseline ({display_name(best[0])}) {best[1]:.3f}")
        return "; ".join(parts) + ". The test rows were not used."

    def _show_search(self, result: Any) -> None:
        self.search_view.show_trials([t.to_dict() for t in result.trials])
        outcome = result.outcome
        if result.best is None or outcome is None:
            self.message_bar.show_message("No trial finished: " + (
                "; ".join(result.notes) or "every trial failed or was stopped."), "warning")
            return
        self.search_view.select_trial(result.best.number)
        key, label = MAIN_METRIC[outcome.data.task]
        test = outcome.metrics.get("test", {}).get(key)
        text = (f"Best: trial {result.best.number} of {len(result.trials)}, validation "
                f"loss {result.best_value:.4g}")
        if test is not None:
            text += f"; scored once on the test rows: {label} {test:.3f}"
        self.message_bar.show_message(text + ". Evaluate shows it.", "success")
        self.state.set_run(outcome)

    def _best_outcome(self) -> Any:
        if self.request is None or self.request.kind != "search" or self.result is None:
            return None
        return self.result.outcome

    def apply_best(self) -> None:
        """The best trial's options into the form, its network into the design."""
        outcome = self._best_outcome()
        if outcome is None:
            return
        params = self.result.best_params
        self.state.set_train_config(replace(outcome.config))
        if any(name in params for name in ("width", "depth", "dropout")):
            self.state.set_network(outcome.spec, f"search trial {self.result.best.number}")
        shown = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in params.items())
        self.message_bar.show_message(f"The Train page now uses the best settings: {shown}.",
                                      "success")

    def apply_lr(self, rate: float) -> None:
        self.state.set_train_config(replace(self.state.train_config, lr=float(rate)))
        self.message_bar.show_message(f"The Train page's learning rate is now {rate:.2g}.",
                                      "success")

    def shutdown(self) -> None:
        self.job.shutdown()
        for view in (self.cv_view, self.search_view, self.lr_view):
            view.shutdown()
