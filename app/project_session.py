"""The session as a project: File ▸ New / Open / Save / Save As, recent projects, the
unsaved mark in the title, autosave and the offer to restore it after a crash.

What a project holds is exactly ``AppState.to_document()`` (``core.project`` writes it
as project.json with the data's place and hash) plus one run folder per finished run in
``runs/``. The session is "changed" when any document field changes; autosave writes a
side file after each run and every minute while changed, and a save removes it, so an
autosave that is still there at start-up means the last session did not end cleanly.

Dialogs go through the ``ask_*`` attributes so tests can answer them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.file_guard import refuse_special
from app.state import AppState
from core.data.options import LoadOptions
from core.errors import MendelError
from core.project.autosave import autosave_path, discard_autosave, read_autosave, write_autosave
from core.project.project import (
    open_project,
    project_folder,
    project_name,
    relocate,
    save_project,
)
from core.project.schema import PROJECT_FILE

AUTOSAVE_MS = 60_000
MAX_RECENT_PROJECTS = 8
_RECENT_KEY = "projects/recent"


class ProjectSession(QObject):
    """The project behind the window (None until the first save) and its unsaved mark."""

    changed = Signal()  # the title or the dirty mark changed
    message = Signal(str, str)  # text, level ("info", "warning", "error")
    recent_changed = Signal()

    def __init__(self, state: AppState, parent: QWidget, settings: QSettings,
                 load_source: Any) -> None:
        super().__init__(parent)
        self.state = state
        self.window = parent
        self.settings = settings
        self.load_source = load_source  # (source, LoadOptions) -> None, the Data page's load
        self.folder: Path | None = None
        self.dirty = False
        self._applying = False
        self._clean_doc: dict[str, Any] | None = None  # the document as last saved/opened
        self.ask_save_path = self._ask_save_path
        self.ask_open_path = self._ask_open_path
        self.ask_locate = self._ask_locate
        self.ask_yes_no = self._ask_yes_no
        self.ask_save_changes = self._ask_save_changes
        for signal in (state.loadOptionsChanged, state.splitChanged, state.encodingChanged,
                       state.networkChanged, state.presetChanged, state.trainConfigChanged,
                       state.baselinesChanged, state.datasetChanged):
            signal.connect(self._mark_dirty)
        state.runFinished.connect(self._on_run_finished)
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)  # started by ``start_autosave``

    # -- what the window shows -------------------------------------------------------------
    @property
    def name(self) -> str:
        if self.folder is not None:
            return project_name(self.folder)
        ds = self.state.dataset
        return ds.name if ds is not None else "Untitled"

    def title(self) -> str:
        return f"{self.name}{' *' if self.dirty else ''} \u2014 Mendel"

    def recent_projects(self) -> list[str]:
        value = self.settings.value(_RECENT_KEY, [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [str(p) for p in items if p]

    # -- commands ----------------------------------------------------------------------------
    def new(self) -> bool:
        """Forget the project: the next save asks where. The loaded data stays, with every
        option back at its default, so a new piece of work starts from the same file."""
        if not self.confirm_discard():
            return False
        self._apply({k: v for k, v in AppState().to_document().items()
                     if k not in ("source", "load_options", "recent_sources")})
        self._set_folder(None)
        self._set_dirty(False)
        return True

    def save(self) -> bool:
        if self.folder is None:
            return self.save_as()
        return self._write(self.folder)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        return self._write(project_folder(path))

    def open(self, path: str | None = None) -> bool:
        """Open a project folder (asking which when ``path`` is None)."""
        if not self.confirm_discard():
            return False
        path = path or self.ask_open_path()
        if not path:
            return False
        try:
            refuse_special(path)  # read on this thread: a FIFO would freeze the window
            refuse_special(Path(path) / PROJECT_FILE)
            opened = open_project(path)
        except MendelError as exc:
            self.message.emit(f"Cannot open the project: {exc}", "error")
            return False
        if opened.data_status == "missing":
            located = self.ask_locate(opened.data_message)
            if not located:
                self.message.emit(f"{opened.data_message}; the project opened without its "
                                  "data", "warning")
            else:
                opened = relocate(opened, located)
        autosave = _read_autosave(autosave_path(opened.folder, self.fallback_dir()))
        session = opened.session
        if autosave is not None and self.ask_yes_no(
                "Restore unsaved changes?",
                f"{opened.name} has changes from {autosave.saved_at} that were never saved "
                "(Mendel did not close normally). Restore them?"):
            session = {**autosave.session, "source": opened.session.get("source")}
        self._set_folder(opened.folder)
        self._apply(session)
        self._remember(opened.folder)
        if opened.data_status == "changed":
            self.message.emit(opened.data_message, "warning")
        self._set_dirty(False)
        if session is not opened.session:  # restored from the autosave: not saved yet
            self._set_dirty(True)
        return True

    def offer_restore(self) -> bool:
        """At start-up: an unsaved session's autosave means the last one crashed."""
        autosave = _read_autosave(autosave_path(None, self.fallback_dir()))
        if autosave is None:
            return False
        if not self.ask_yes_no("Restore the last session?",
                               f"Mendel did not close normally; a session autosaved at "
                               f"{autosave.saved_at} can be restored. Restore it?"):
            discard_autosave(autosave.path)
            return False
        self._apply(autosave.session)
        self._set_dirty(True)
        return True

    def autosave(self) -> Path | None:
        """Write the side file when there are unsaved changes (the timer and each run)."""
        if not self.dirty:
            return None
        try:
            return write_autosave(autosave_path(self.folder, self.fallback_dir()),
                                  self.state.to_document(), self.folder)
        except MendelError as exc:
            self.message.emit(f"Autosave failed: {exc}", "warning")
            return None

    def confirm_discard(self) -> bool:
        """True when nothing unsaved would be lost, or the user saved or chose to discard."""
        if not self.dirty or self.folder is None:
            return True  # an unsaved session without a project is today's behaviour
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def start_autosave(self) -> None:
        """Once the window is up (``MainWindow.finish_startup``): every minute from now."""
        self.timer.start()

    def closing(self) -> None:
        """The window closes normally: an unsaved session's autosave is not a crash."""
        self.timer.stop()
        if self.folder is None:
            discard_autosave(autosave_path(None, self.fallback_dir()))

    def fallback_dir(self) -> Path:
        path = Path(self.settings.fileName()).parent
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- internals ---------------------------------------------------------------------------
    def _write(self, folder: Path) -> bool:
        ds = self.state.dataset
        sha = ds.provenance.sha256 if ds is not None and ds.provenance is not None else None
        try:
            folder = save_project(folder, self.state.to_document(), self.state.source,
                                  sha256=sha or None)
        except MendelError as exc:
            self.message.emit(f"Cannot save the project: {exc}", "error")
            return False
        discard_autosave(autosave_path(folder, self.fallback_dir()))
        if self.folder is None:
            discard_autosave(autosave_path(None, self.fallback_dir()))
        self._set_folder(folder)
        self._remember(folder)
        self._set_dirty(False)
        self.message.emit(f"Saved the project {project_name(folder)}.", "info")
        return True

    def _apply(self, session: dict[str, Any]) -> None:
        """Put a document into the state and read its data again when it names one."""
        self._applying = True
        try:
            problems = self.state.apply_document(
                {**session, "version": session.get("version", 1)})
        finally:
            self._applying = False
        problems = [p for p in problems if not p.startswith("document version")]
        if problems:
            self.message.emit("Some saved options did not fit and were skipped: "
                              + "; ".join(problems), "warning")
        source = session.get("source")
        if source:  # read again even when it is the file shown: it may have changed
            self.load_source(str(source), self.state.load_options or LoadOptions())

    def _set_folder(self, folder: Path | None) -> None:
        self.folder = folder
        self.state.set_project_folder(folder)

    def runs_changed(self) -> None:
        """A run folder was written into the project (the window's export worker)."""
        if self.folder is not None:
            self.state.set_project_folder(self.folder)

    def _mark_dirty(self) -> None:
        """Changed means: the document differs from the one last saved or opened (reading
        the project's data back, or re-making the same split, is not a change)."""
        if not self._applying:
            self._set_dirty(self._clean_doc is None or self._document() != self._clean_doc)

    def _document(self) -> dict[str, Any]:
        return {k: v for k, v in self.state.to_document().items() if k != "recent_sources"}

    def _set_dirty(self, dirty: bool) -> None:
        if not dirty:
            self._clean_doc = self._document()
        self.dirty = dirty
        self.changed.emit()

    def _on_run_finished(self) -> None:
        """Each finished run goes into the project's runs/ (on the window's export worker);
        a run opened from its folder is already saved and changes nothing."""
        if self.state.run is not None and self.state.run.run_dir is not None:
            return
        self._set_dirty(True)
        if self.folder is not None and self.state.run is not None:
            from core.project.runs import new_run_folder

            try:
                self.window.save_run(str(new_run_folder(self.folder)))
            except (MendelError, OSError) as exc:
                self.message.emit(f"The run could not be kept in the project: {exc}",
                                  "warning")
        self.autosave()

    def _remember(self, folder: Path) -> None:
        recent = [str(folder), *(p for p in self.recent_projects() if p != str(folder))]
        self.settings.setValue(_RECENT_KEY, recent[:MAX_RECENT_PROJECTS])
        self.recent_changed.emit()

    def _ask_save_path(self) -> str:
        from app.settings import dialog_path, remember_dialog_dir

        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save project as", dialog_path("project", f"{self.name}.mendel"),
            "Mendel projects (*.mendel)")
        if path:
            remember_dialog_dir("project", path)
        return path

    def _ask_open_path(self) -> str:
        from app.settings import dialog_dir, remember_dialog_dir

        path = QFileDialog.getExistingDirectory(self.window, "Open project (a .mendel folder)",
                                                dialog_dir("project"))
        if path:
            remember_dialog_dir("project", path)
        return path

    def _ask_locate(self, why: str) -> str:
        return ask_locate(self.window, why, "Locate the project's data")

    def _ask_save_changes(self) -> str:
        """"save", "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Save the changes to {self.name}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")

    def _ask_yes_no(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.window, title, text)
        return answer == QMessageBox.StandardButton.Yes


def _read_autosave(path: Path) -> Any:
    """``read_autosave``, except that a side file that is not a regular file (a FIFO, which
    would block this thread) is no autosave."""
    try:
        refuse_special(path)
    except MendelError:
        return None
    return read_autosave(path)


def ask_locate(parent: Any, why: str, title: str) -> str:
    """Say why the data file is missing, then let the user point at it ("" if not)."""
    QMessageBox.warning(parent, "Data not found", f"{why}.")
    path, _ = QFileDialog.getOpenFileName(parent, title)
    return path


def install_project_menu(window: Any, file_menu: Any, session: ProjectSession) -> Any:
    """File ▸ New / Open / Open recent / Save / Save As project, before the data actions;
    returns the recent-projects menu."""
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMenu

    first = file_menu.actions()[0] if file_menu.actions() else None

    def add(text: str, key: str | None, slot: Any) -> QAction:
        action = QAction(text, window)
        if key:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(slot)
        file_menu.insertAction(first, action)
        return action

    add("&New project", "Ctrl+N", session.new)
    add("Open pro&ject\u2026", "Ctrl+Shift+J", lambda: session.open())
    recent = QMenu("Recent projects", window)

    def rebuild() -> None:
        recent.clear()
        for path in session.recent_projects():
            action = recent.addAction(project_name(Path(path)))
            action.setToolTip(path)
            action.setData(path)
        recent.setEnabled(bool(session.recent_projects()))

    recent.triggered.connect(lambda action: session.open(str(action.data())))
    session.recent_changed.connect(rebuild)
    rebuild()
    file_menu.insertMenu(first, recent)
    add("&Save project", "Ctrl+S", session.save)
    add("Save project &as\u2026", "Ctrl+Shift+S", session.save_as)
    file_menu.insertSeparator(first)
    return recent
