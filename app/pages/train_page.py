"""The Train page: every training option, Start / Pause / Stop / Step, live curves, results.

The page lays out and wires its parts: the network chooser and the options form
(``app.widgets.network_chooser``, ``app.widgets.train_config_form``) write to the session
state; Start reads the state (configuration, network, the split the Data page made) and
hands a ``TrainRequest`` to ``app.training.TrainingRun``, which owns the worker and its
controls. The run's events go to the run monitor (curves, progress), the live views and,
at the end, the results panel; the page adds the plain-language signals (overfitting,
divergence, early stopping) and keeps the buttons honest.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.pages.page import Page
from app.state import AppState
from app.training import TrainingRun
from app.widgets.binding import signals_blocked
from app.widgets.live_views import LiveViews
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.run_monitor import RunMonitor, start_blocked_reason
from app.widgets.run_queue import RunQueue
from app.widgets.run_results import RunResults
from app.widgets.shortcut_button import shortcut_button
from app.widgets.train_options_panel import TrainOptionsPanel
from app.workers import TrainRequest, TrainWorker
from core.classic.baseline_info import DEFAULT_CHOICES
from core.train.config import TrainConfig
from core.train.events import BatchFinished, EpochFinished, RunFailed, RunFinished, RunStarted
from core.train.report import finished_message, overfitting_hint


class TrainPage(Page):
    """Configure, run and watch a training run."""

    title = "Train"
    # Every trainer event, re-emitted on the main thread after the page has shown it.
    run_event = Signal(object)
    # (epoch, state dict): weights copied on the training thread for the live views
    epoch_weights = Signal(int, object)
    epoch_embedding = Signal(int, object, object)  # epoch, Embedding, layer path

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.training = TrainingRun(self)
        self._starting = False  # joining the old run inside a start
        self._shortcuts: list[tuple[str, str]] = []
        self._build()
        self._connect()
        self._on_state_config()
        self._on_state_baselines()
        self._on_dataset_changed()
        self._on_network_changed()
        self._publish_preset()
        self._update_buttons()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        options = TrainOptionsPanel()
        options.reset_requested.connect(self.reset_options)
        self.network, self.form = options.network, options.form
        self.baseline_chooser = options.baselines

        self.message_bar = MessageBar()
        self.signal_bar = MessageBar()
        self.start_button = self._button("Start", "Ctrl+Return",
                                         "Train the network from scratch", self.start)
        self.pause_button = self._button("Pause", "Space", "Pause or resume the run",
                                         self.toggle_pause)
        self.stop_button = self._button("Stop", "Esc",
                                        "End the run after this batch and keep its results",
                                        self.stop)
        self.step_button = self._button("Step", "Ctrl+.",
                                        "Run exactly one batch, then pause", self.step)
        self.continue_button = self._button(
            "Continue", "Ctrl+Shift+Return", "Continue the last run from its last epoch: to "
            "its planned epochs when it was stopped, else for the Epochs set here",
            self.continue_run)
        self.start_button.setObjectName("primaryButton")
        self.monitor = RunMonitor(self.message_bar.show_error)
        self.progress = self.monitor.progress
        self.loss_plot, self.metric_plot, self.lr_plot = self.monitor.plots()
        self.metric_panel = self.monitor.metric_panel
        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button, self.step_button):
            controls.addWidget(b)
        self.queue = RunQueue()
        self.queue.queue_requested.connect(self.queue_run)
        controls.addWidget(self.progress, 1)
        more = QHBoxLayout()  # a second row: the first must fit a 1280-pixel screen
        more.addWidget(self.continue_button)
        more.addWidget(self.queue)
        more.addStretch(1)
        self.tune_buttons: dict[str, QPushButton] = {}
        for kind, text, tip in (
                ("cv", "Cross-validate", "Train the design on k folds of the training and "
                 "validation rows, beside the baselines (Tune page)"),
                ("search", "Search…", "Search learning rate, batch size, optimizer and "
                 "the design's width and depth (Tune page)"),
                ("lr", "Find learning rate", "A short run with a rising learning rate "
                 "suggests one (Tune page)")):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setProperty("tune", kind)
            button.clicked.connect(self._on_tune_button)
            more.addWidget(button)
            self.tune_buttons[kind] = button
        self.start_reason = self.monitor.start_reason
        self.start_reason.linkActivated.connect(self.open_page)

        self.results = RunResults()
        self.results_model, self.results_label = self.results.model, self.results.label
        self.live_views = LiveViews(self.state)
        self.surface_view = self.live_views.surface_view
        self.embedding_view = self.live_views.embedding_view
        row = QSplitter(Qt.Orientation.Horizontal)
        row.addWidget(self.monitor)
        row.addWidget(self.live_views)
        row.setChildrenCollapsible(False)
        row.setSizes([1100, 800])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(row)
        split.addWidget(self.results)
        split.setChildrenCollapsible(False)
        split.setSizes([620, 240])

        right = QVBoxLayout()
        right.addWidget(self.message_bar)
        right.addLayout(controls)
        right.addLayout(more)
        right.addWidget(self.start_reason)
        right.addWidget(self.monitor.run_label)
        right.addWidget(self.signal_bar)
        right.addWidget(split, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(options)
        layout.addLayout(right, 1)

    def _on_tune_button(self) -> None:
        kind = self.sender().property("tune") if self.sender() is not None else None
        if kind:
            self.tune(str(kind))

    def tune(self, kind: str) -> None:
        """Open the Tune page and start ``kind`` there ("search" only opens its tab: the
        user ticks what to search first)."""
        show_page = getattr(self.window(), "show_page", None)
        if show_page is None:
            return
        page = show_page("tune")
        if kind == "cv":
            page.start_cv()
        elif kind == "lr":
            page.start_lr()
        else:
            page.tabs.setCurrentIndex(1)

    def _button(self, text: str, key: str, tip: str, slot: Any) -> QPushButton:
        button, native = shortcut_button(self, text, key, tip, slot)
        self._shortcuts.append((f"{text} (Train page)", native))
        return button

    def _connect(self) -> None:
        s = self.state
        s.datasetChanged.connect(self._on_dataset_changed)
        s.encodingChanged.connect(self._on_dataset_changed)
        s.summaryChanged.connect(self._on_dataset_changed)
        s.networkChanged.connect(self._on_network_changed)
        s.presetChanged.connect(self._show_fitted)
        s.trainConfigChanged.connect(self._on_state_config)
        s.baselinesChanged.connect(self._on_state_baselines)
        s.runFinished.connect(self._on_views_finished)
        self.form.changed.connect(self._on_form_changed)
        self.baseline_chooser.changed.connect(self._on_baselines_chosen)
        self.network.use_preset_requested.connect(self._on_use_preset)
        self.network.changed.connect(self._publish_preset)
        t = self.training
        t.prepared.connect(self._on_prepared)
        t.progressed.connect(self._on_progress)
        t.event.connect(self._on_event)
        t.succeeded.connect(self._on_succeeded)
        t.failed.connect(self._on_failed)
        t.cancelled.connect(self._on_cancelled)
        t.ended.connect(self._update_buttons)
        t.ended.connect(self._start_queued)
        t.weights.connect(self._on_epoch_weights)
        t.embedding.connect(self._on_epoch_embedding)
        self.live_views.request_changed.connect(self.training.set_embedding_request)

    def plot_panels(self) -> list[PlotPanel]:
        return self.monitor.plot_panels()

    def shortcuts(self) -> list[tuple[str, str]]:
        """(what, key) of the run controls, for Help ▸ Keyboard shortcuts."""
        return list(self._shortcuts)

    # -- state -------------------------------------------------------------------------------
    def _on_dataset_changed(self) -> None:
        ds = self.state.dataset
        task = ds.training_task if ds is not None else None  # "reconstruct" too
        self.form.set_task(task)
        self.baseline_chooser.set_task(task)
        self._fit_augmentation(ds)
        self.network.set_modality(ds.modality if ds is not None else None,
                                  self.state.suggested_preset())
        if ds is not None and not self.running:
            self.monitor.set_task(ds.training_task)  # "R²" before a regression run
        run = self.state.run
        if run is not None and ds is not run.dataset and not self.running:
            self.results.clear(f"The last run was trained on {run.dataset.name}; press Start "
                               "to train on the data now loaded.")
        self._show_fitted()
        self._update_buttons()

    def _fit_augmentation(self, ds: Any) -> None:
        """Show the augmentation rows that fit the data; turn off the options that do not
        (a flip chosen for images means nothing to DNA), saying so."""
        from dataclasses import replace

        from core.data.tensors import input_layout
        from core.train.augment_options import describe_layout, drop_unfitting

        layout = None if ds is None else input_layout(ds.modality, ds.alphabet,
                                                      self.state.encoding.encoding)
        self.form.set_layout(layout)
        config = self.state.train_config
        if layout is None or not config.augment:
            return
        kept, dropped = drop_unfitting(config.augment, layout)
        if dropped:
            self.state.set_train_config(replace(config, augment=kept))
            self.message_bar.show_message(f"Augmentation {', '.join(dropped)} turned off: it"
                                          f" does not fit {describe_layout(layout)}.")

    def _show_fitted(self) -> None:
        """Beside a preset option, what the preset makes of it for this data."""
        from core.nn.presets import fitted_options

        shape, n_out, preset = self.state.input_shape, self.state.n_outputs, self.state.preset
        notes = {} if not (shape and n_out and preset) else fitted_options(
            preset[0], shape, n_out, preset[1])
        self.network.set_notes(notes)

    def _on_network_changed(self) -> None:
        self.network.show_custom(self.state.network_spec, self.state.network_source)
        self._update_buttons()

    def network_problem(self) -> str | None:
        """Why the Network page's design cannot train on the loaded data, or None."""
        return self.state.network_problem()

    def _on_use_preset(self) -> None:
        self.state.set_network(None)

    def _publish_preset(self) -> None:
        """The preset and options Start would train, for the Network page to show."""
        try:
            options = self.network.preset_options()
        except ValueError:  # sizes half typed ("64,"): the validator lets them through
            return
        self.state.set_preset(self.network.preset_name, options)

    def _on_form_changed(self) -> None:
        self.state.set_train_config(self.form.config())

    def _on_state_config(self) -> None:
        if self.state.train_config != self.form.config():
            with signals_blocked(self.form):
                self.form.set_config(self.state.train_config)

    def reset_options(self) -> None:
        self.state.set_train_config(TrainConfig())
        self.state.set_baselines(DEFAULT_CHOICES)

    def _on_state_baselines(self) -> None:
        self.baseline_chooser.set_names(self.state.baselines)

    def _on_baselines_chosen(self) -> None:
        self.state.set_baselines(self.baseline_chooser.names())

    # -- controls ----------------------------------------------------------------------------
    @property
    def worker(self) -> TrainWorker | None:
        return self.training.worker

    @property
    def running(self) -> bool:
        return self.training.running

    def request(self) -> TrainRequest | None:
        """What Start trains, read from the session state (None without data)."""
        s = self.state
        if s.dataset is None or s.split is None:
            return None
        network: Any = s.network_spec
        options: dict[str, Any] = {}
        if network is None:
            network, options = s.preset or (self.network.preset_name, {})
        return TrainRequest(dataset=s.dataset, load_options=s.load_options,
                            encoding=s.encoding, network=network, preset_options=options,
                            config=s.train_config, split=s.split, baselines=s.baselines)

    def queue_run(self) -> None:
        """Queue a run with the options as they are now; it starts at once when idle."""
        request = self._checked_request()
        if request is None:
            return
        self.queue.add(request)
        if not self.running:
            self._start_queued()

    def _start_queued(self) -> None:
        """The next queued run, once nothing trains (not while a start or a shutdown is
        joining the previous run: its ending is not a turn of the queue)."""
        if self._starting or self.running:
            return
        if (request := self.queue.take()) is not None:
            self._start_request(request)

    def start(self, paused: bool = False) -> None:
        """Start a new run (stopping and joining one still going)."""
        request = self._checked_request()
        if request is not None:
            self._start_request(request, paused)

    def continue_request(self) -> TrainRequest | None:
        """The last run again from its checkpoint, with its own data, split, network and
        options (the trainer refuses a change that would make it another run)."""
        run = self.state.run
        ckpt = getattr(getattr(run, "result", None), "checkpoint", None)
        if run is None or ckpt is None:
            return None
        done = ckpt.epoch
        total = ckpt.planned_epochs if done < ckpt.planned_epochs else (
            done + self.state.train_config.epochs)
        config = copy.deepcopy(run.config)
        config.epochs = total
        return TrainRequest(dataset=run.dataset, load_options=run.load_options,
                            encoding=run.encoding_options, network=run.spec,
                            preset_options={}, config=config, split=run.split,
                            baselines=self.state.baselines, resume=ckpt)

    def continue_run(self) -> None:
        request = self.continue_request()
        if request is None:
            self.message_bar.show_message("Train a run first: Continue picks up the last "
                                          "run where it ended.", "warning")
            return
        self._start_request(request)
        self.monitor.show_message(f"continuing from epoch {request.resume.epoch} to "
                                  f"{request.config.epochs}")

    def _checked_request(self) -> TrainRequest | None:
        """The request Start would train, or None after saying why it cannot."""
        request = self.request()
        if request is None:
            self.message_bar.show_message("Load data on the Data page first (or pick a demo "
                                          "from File \u25b8 Demo datasets).", "warning")
            return None
        problem = self.network_problem()
        try:
            request.config.validate()
            if problem is not None:
                raise ValueError(f"the network does not fit the data: {problem}")
        except Exception as exc:  # TrainError: a contradictory combination of options
            self.message_bar.show_error(str(exc))
            return None
        return request

    def _start_request(self, request: TrainRequest, paused: bool = False) -> None:
        self._starting = True
        try:
            self.training.stop_and_join()
        finally:
            self._starting = False
        self.message_bar.clear()
        self.signal_bar.clear()
        task = request.dataset.training_task
        self.monitor.reset(request.config.epochs, task)
        self.results.clear("The run is in progress.")
        self.training.start(request, paused=paused)
        self.state.set_training(True)
        self.state.set_run_state("preparing the data")
        self._update_buttons()

    def toggle_pause(self) -> None:
        if not self.running:
            return
        if self.training.paused:
            self.training.resume()
            self.state.set_run_state("training")
        else:
            self.training.pause()
            self.state.set_run_state("paused")
            self.monitor.mark_paused()
        self._update_buttons()

    def stop(self) -> None:
        if self.running:
            self.training.stop()
            self.state.set_run_state("stopping")

    def step(self) -> None:
        """One batch, then pause; from idle, a new run that starts paused."""
        if not self.running:
            self.start(paused=True)
            return
        self.training.step()
        self.state.set_run_state("paused")
        self._update_buttons()

    def stop_and_join(self) -> None:
        """Stop the current run and wait for its thread (its results are dropped); the
        queue is dropped too, so nothing starts behind the user's back."""
        self.queue.clear()
        self.training.stop_and_join()
        self.state.set_training(False)

    def shutdown(self) -> None:
        """Called by the main window before it closes."""
        self.stop_and_join()
        self.live_views.shutdown()

    def _update_buttons(self) -> None:
        running = self.running
        problem = self.network_problem()
        ready = self.state.dataset is not None and problem is None
        self.start_button.setEnabled(ready)
        self.start_button.setToolTip(
            f"Fix the network first: {problem}" if problem else "Start training (Ctrl+Return)")
        self.start_button.setText("Restart" if running else "Start")
        self.queue.queue_button.setEnabled(ready)
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if self.training.paused else "Pause")
        self.stop_button.setEnabled(running)
        self.step_button.setEnabled(running or ready)
        self.continue_button.setEnabled(not running and self.continue_request() is not None)
        reason = start_blocked_reason(self.state.dataset is not None, problem)
        self.start_reason.setText(reason)
        self.start_reason.setVisible(bool(reason))

    # -- the run's signals (main thread; TrainingRun drops those of a replaced run) ----------
    def _on_prepared(self, prepared: Any) -> None:
        self.monitor.show_prepared(prepared)
        self.live_views.set_prepared(prepared)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.monitor.show_message(message)

    def _on_epoch_weights(self, epoch: int, state_dict: Any) -> None:
        self.live_views.update_weights(epoch, state_dict)
        self.epoch_weights.emit(epoch, state_dict)

    def _on_epoch_embedding(self, epoch: int, emb: Any, path: Any) -> None:
        self.live_views.show_embedding(epoch, emb, path)
        self.epoch_embedding.emit(epoch, emb, path)

    def _on_views_finished(self) -> None:
        self.live_views.set_outcome(self.state.run)

    def _on_event(self, ev: object) -> None:
        if isinstance(ev, BatchFinished):
            if self.monitor.on_batch(ev, self.training.paused) and self.training.paused:
                self._update_buttons()
        elif isinstance(ev, EpochFinished):
            self._on_epoch(ev)
        elif isinstance(ev, RunStarted):
            self.monitor.on_run_started(ev)
            self.state.set_run_state(f"training on {ev.device}")
        elif isinstance(ev, RunFinished):
            self._on_run_finished(ev)
        elif isinstance(ev, RunFailed):
            self.message_bar.show_error(f"Training failed: {ev.message}")
        self.run_event.emit(ev)

    def _on_epoch(self, ev: EpochFinished) -> None:
        self.state.set_run_state(f"training: epoch {ev.epoch}/{self.monitor.epochs}")
        if self.monitor.on_epoch(ev):
            self.signal_bar.show_message(overfitting_hint(), "warning")
        elif ev.is_best and self.signal_bar.level == "warning":
            self.signal_bar.clear()

    def _on_run_finished(self, ev: RunFinished) -> None:
        self.monitor.on_run_finished(ev)
        said = finished_message(ev.stopped_because, ev.message)
        if said is not None:
            self.signal_bar.show_message(*said)
        self.results.say("No results: the run diverged." if ev.stopped_because == "nan"
                         else "Measuring the network on every split\u2026")
        self.state.set_run_state("measuring the results")

    def _on_succeeded(self, outcome: Any) -> None:
        self.monitor.finish()
        result = outcome.result
        if result is None or result.failed or not outcome.succeeded:
            self.state.set_training(False)
            self.state.set_run_state("failed" if result is None or result.failed
                                     else "diverged")
            if result is not None and result.failed:
                self.message_bar.show_error(f"Training failed: {result.message}")
                self.results.say("No results: the run failed.")
            return
        self.results.show_outcome(outcome)
        self.state.set_run(outcome)
        self.state.set_run_state(f"finished: {result.epochs_run} epochs in "
                                 f"{result.train_seconds:.1f} s")

    def _on_failed(self, error: object) -> None:
        self.state.set_training(False)
        self.state.set_run_state("failed")
        self.monitor.show_failed()
        self.results.say("No results: the run did not start.")
        self.message_bar.show_error(str(error))

    def _on_cancelled(self) -> None:
        self.state.set_training(False)
        self.state.set_run_state("idle")
