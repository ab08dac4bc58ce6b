"""File ▸ Open run and File ▸ Predict a file: a saved run becomes the current run.

Opening reads the run folder (its model, preprocessing and the record of its data and
split) and the data again on a worker (``core.export.reopen.open_run``), then makes it
``AppState.run``: Evaluate, the Network page's weights and Continue show and go on from
it, as for a run just trained. A run whose data moved asks where the file is now.
Predict writes one row per sample of a new file with the current run, on a worker, as
``mendel predict`` does. Dialogs go through the ``ask_*`` attributes, so tests answer them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from app.file_guard import refuse_special, refuse_special_inside, write_problem
from app.jobs import JobRunner, error_text
from app.state import AppState
from core.data.files import display
from core.errors import DataError, ExportError, MendelError


class RunFiles(QObject):
    """Opens run folders into the session and writes predictions of the current run."""

    opened = Signal(object)  # the TrainingOutcome now current
    predicted = Signal(str)  # the CSV written

    def __init__(self, state: AppState, window: Any) -> None:
        super().__init__(window)
        self.state = state
        self.window = window
        self.ask_run_folder = self._ask_run_folder
        self.ask_locate = self._ask_locate
        self.ask_predict_paths = self._ask_predict_paths
        self.open_job = JobRunner(self)
        self.open_job.succeeded.connect(self._on_opened)
        self.open_job.failed.connect(self._on_open_failed)
        self.predict_job = JobRunner(self)
        self.predict_job.succeeded.connect(self._on_predicted)
        self.predict_job.failed.connect(self._on_failed)
        self._opening: Path | None = None

    def shutdown(self) -> None:
        """Stop and join both workers (the window is closing)."""
        self.open_job.shutdown()
        self.predict_job.shutdown()

    # -- open -----------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path = self.ask_run_folder()
        if path:
            self.open(path)

    def open(self, run_dir: str | Path, source: str | None = None) -> None:
        """Read ``run_dir`` on a worker; ``opened`` when it is the current run."""
        if self.state.training:
            self._say("Stop the training first: opening a run replaces the current run.",
                      "warning")
            return
        run = Path(run_dir)
        try:  # the worker reads the folder file by file: a FIFO there would block it
            refuse_special_inside(run)
            if source is not None:
                refuse_special(source)
        except MendelError as exc:
            self._on_failed(exc)
            return
        self._opening = run

        def job(progress: Any, should_stop: Any) -> Any:
            from core.export.reopen import open_run

            progress(0.0, f"Opening the run {run.name}")
            return open_run(run, source=source, progress=progress, should_stop=should_stop)

        self.window.statusBar().showMessage(f"Opening the run {run}\u2026")
        self.open_job.run(job)

    def _on_opened(self, outcome: Any) -> None:
        self.window.statusBar().clearMessage()
        name = outcome.run_dir.name
        # The Network page draws the weights on the design it shows, so the run's design
        # comes with it when it fits the data loaded now; other data keep their design.
        fits = _same_data(self.state.dataset, outcome.dataset) or (
            self.state.input_shape == tuple(outcome.data.input_shape)
            and self.state.n_outputs == outcome.data.n_outputs)
        if fits:
            self.state.set_network(outcome.spec, f"run {name}")
        self.state.set_run(outcome)
        text = (f"Opened the run {name}: Evaluate and the Network page show it." if fits else
                f"Opened the run {name}: Evaluate shows it (it was trained on other data "
                "than those loaded, so the Network page keeps its design).")
        changed = [n for n in outcome.notes if n.startswith("the data changed")]
        self._say(f"{text} Warning: {changed[0]}." if changed else text,
                  "warning" if changed else "success")
        self.opened.emit(outcome)

    def _on_open_failed(self, error: object) -> None:
        self.window.statusBar().clearMessage()
        run = self._opening
        if isinstance(error, DataError) and "not there any more" in str(error) and run:
            located = self.ask_locate(str(error))
            if located:
                self.open(run, source=located)
            return
        self._on_failed(error)

    # -- predict --------------------------------------------------------------------------------
    def predict_dialog(self) -> None:
        if self._current() is None:
            return
        data, out = self.ask_predict_paths()
        if data and out:
            self.predict(data, out)

    def predict(self, data: str, out: str) -> None:
        """Write the current run's predictions for ``data`` to the CSV ``out``."""
        outcome = self._current()
        if outcome is None:
            return
        try:
            refuse_special(data)  # the loader refuses it too; here before any work starts
            if Path(out).is_dir():
                raise ExportError("this is a folder; name the CSV file to write",
                                  display(out))
        except MendelError as exc:
            self._on_failed(exc)
            return

        def job(progress: Any, should_stop: Any) -> Any:
            from core.atomic import write_text_atomic
            from core.export.reopen import outcome_bundle

            bundle = outcome_bundle(outcome)
            progress(0.0, f"Reading {Path(data).name}")
            ds = bundle.load_data(data)
            progress(0.5, f"Predicting {len(ds)} samples")
            table = bundle.predictions_table(ds).to_csv(index=False)
            try:
                write_text_atomic(Path(out), table)
            except OSError as exc:
                raise ExportError(write_problem(out, exc), display(out)) from None
            return f"Wrote {len(ds)} predictions of the current run to {out}."

        self.window.statusBar().showMessage(f"Predicting {data}\u2026")
        self.predict_job.run(job)

    def _on_predicted(self, text: str) -> None:
        self.window.statusBar().clearMessage()
        self._say(text, "success")
        self.predicted.emit(text)

    def _current(self) -> Any:
        outcome = self.state.run
        if outcome is None or outcome.result is None or outcome.result.model is None:
            self._say("Train a run or open one (File \u25b8 Open run) to predict with it.",
                      "warning")
            return None
        return outcome

    # -- messages and dialogs ---------------------------------------------------------------
    def _on_failed(self, error: object) -> None:
        self.window.statusBar().clearMessage()
        self.window.message_bar.show_error(error_text(error))

    def _say(self, text: str, level: str) -> None:
        self.window.message_bar.show_message(text, level)

    def _ask_run_folder(self) -> str:
        from app.settings import dialog_dir, remember_dialog_dir

        start = self.state.project_folder or dialog_dir("run")
        path = QFileDialog.getExistingDirectory(self.window, "Open a run folder", str(start))
        if path:
            remember_dialog_dir("run", path)
        return path

    def _ask_locate(self, why: str) -> str:
        from app.project_session import ask_locate

        return ask_locate(self.window, why, "Locate the run's data")

    def _ask_predict_paths(self) -> tuple[str, str]:
        from app.settings import dialog_dir, dialog_path, remember_dialog_dir

        data, _ = QFileDialog.getOpenFileName(self.window, "Predict: the new data",
                                              dialog_dir("data", self.state.source))
        if not data:
            return "", ""
        out, _ = QFileDialog.getSaveFileName(
            self.window, "Save the predictions as",
            dialog_path("predictions", f"{Path(data).stem}-predictions.csv"), "CSV (*.csv)")
        if out:
            remember_dialog_dir("predictions", out)
        return data, out


def _same_data(a: Any, b: Any) -> bool:
    """Whether two datasets were read from the same content (their sha256)."""
    pa, pb = getattr(a, "provenance", None), getattr(b, "provenance", None)
    return bool(pa and pb and pa.sha256 and pa.sha256 == pb.sha256)


def install_run_menu(window: Any, file_menu: Any, files: RunFiles) -> None:
    """File ▸ Open run… and Predict a file…, after the data actions."""
    from PySide6.QtGui import QAction, QKeySequence

    for text, key, slot, tip in (
            ("Open r&un\u2026", "Ctrl+Shift+R", files.open_dialog,
             "Open a saved run folder (a project's run or 'mendel train --out')"),
            ("Pre&dict a file\u2026", "Ctrl+Shift+P", files.predict_dialog,
             "Write the current run's predictions for a new file to CSV")):
        action = QAction(text, window)
        action.setShortcut(QKeySequence(key))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        file_menu.addAction(action)
