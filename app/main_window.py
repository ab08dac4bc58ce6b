"""The main window: workflow navigation on the left, one page per step, menus, status bar.

It must appear within about a second, so importing this module loads Qt, pyqtgraph and
the light parts of core only. PyTorch and scikit-learn (several seconds, and the first
optimizer pulls in ``torch._dynamo``) are imported by ``warm_up_engine`` on the main
thread right after the window shows; doing it in a worker would hold the GIL and freeze
the window anyway, and a run started later then begins at once.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.icon import app_icon
from app.jobs import JobRunner, error_text
from app.pages import page_class, page_names
from app.pages.page import Page
from app.settings import (
    APPLICATION,
    ORGANIZATION,
    app_settings,
    dialog_path,
    remember_dialog_dir,
)
from app.state import DOCUMENT_VERSION, AppState
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import FORMATS, PlotPanel, export_plot
from app.widgets.preferences import PreferencesDialog, default_threads
from app.widgets.recent_menu import RecentMenu
from app.widgets.wheel_guard import guard_wheel
from app.workers import Worker, join_deadline, live_workers, request_stop_all, stop_all_workers
from core import __version__
from core.data.demos import list_demos
from core.errors import MendelError
from core.train.config import TrainConfig

DEMO_SOURCE = "demo:spiral"  # `mendel --demo`: Playground's spiral, trains in seconds
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DESKTOP_ID = "org.mendel.Mendel"  # packaging/linux/org.mendel.Mendel.desktop
PREFERRED_SIZE = (1360, 860)
CLOSE_JOIN_MS = 1500  # closing waits this long in all for the workers to end
SCREEN_MARGIN = 16  # room around the window on a small screen
TITLE_BAR = 32  # the window manager's frame above the window's own area
# What a fresh start keeps of the last session (the rest belongs to a saved project).
SETTINGS_FIELDS = ("train_config", "split_options", "encoding")


def bundle_export_available() -> bool:
    """Export model needs ``core.export.bundle``; without it the action is not shown."""
    return importlib.util.find_spec("core.export.bundle") is not None


class MainWindow(QMainWindow):
    """Holds the one ``AppState`` and every page that exists (see ``app.pages``)."""

    def __init__(self, settings: QSettings | None = None, lazy_pages: bool = False) -> None:
        """``lazy_pages``: build only the Data page now and the others in ``build_pages``
        (``run_gui`` calls it right after the window shows, so it shows sooner)."""
        super().__init__()
        self.settings = settings or app_settings()
        self.state = AppState(self)
        self.engine_ready = False
        self.export_job = JobRunner(self)  # writing a run folder
        self.export_job.succeeded.connect(self._on_model_saved)
        self.export_job.failed.connect(self._on_export_failed)
        self.setWindowTitle("Mendel")
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())

        self.pages: dict[str, Page] = {}
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(150)
        self.stack = QStackedWidget()
        self._page_names = page_names()
        for name in self._page_names:
            self.stack.addWidget(QWidget())  # replaced by the page when it is built
            item = QListWidgetItem(name.capitalize())
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._on_nav_changed)
        self.message_bar = MessageBar()
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.message_bar)
        right.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

        from app.project_session import ProjectSession

        self.project = ProjectSession(self.state, self, self.settings, self._load_for_project)
        self.project.changed.connect(self._update_title)
        self.project.message.connect(self._on_project_message)
        self.export_job.succeeded.connect(self.project.runs_changed)
        from app.run_files import RunFiles

        self.run_files = RunFiles(self.state, self)
        self._build_status_bar()
        self._build_menus()
        self.state.datasetChanged.connect(self._on_dataset_changed)
        self.state.runStateChanged.connect(self._on_run_state)
        self.state.deviceChanged.connect(self._on_device)
        self.state.runFinished.connect(self._update_actions)
        self._restore_settings()
        if lazy_pages:
            self._build_page(self._page_names[0])
        else:
            self.build_pages()
        self.nav.setCurrentRow(0)
        self._update_actions()

    # -- building ------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.dataset_label = QLabel("No data")
        self.run_label = QLabel("idle")
        self.device_label = QLabel("engine loading\u2026")
        self.device_label.setToolTip("Where training runs: the device is set on the Train page, "
                                     "the CPU threads in File \u25b8 Preferences")
        for w in (self.dataset_label, self.run_label, self.device_label):
            w.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(w)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file = menu.addMenu("&File")
        self.open_action = self._action(file, "&Open data\u2026", "Ctrl+O", self.open_data)
        self._action(file, "Open &folder\u2026", "Ctrl+Shift+O", self.open_folder)
        self.recent_menu = RecentMenu(self.state, "Open &recent", numbered=True, parent=self)
        self.recent_menu.chosen.connect(self.open_source)
        file.addMenu(self.recent_menu)
        from app.project_session import install_project_menu

        self.recent_projects_menu = install_project_menu(self, file, self.project)
        self.demo_menu = file.addMenu("&Demo datasets")
        for demo in list_demos():
            action = QAction(demo.title, self)
            action.setStatusTip(demo.description)
            action.setToolTip(demo.description)
            action.setData(f"demo:{demo.name}")
            action.triggered.connect(self._on_demo_action)
            self.demo_menu.addAction(action)
        file.addSeparator()
        self.export_plot_action = self._action(file, "Export &plot\u2026", "Ctrl+E",
                                               self.export_plot)
        self.export_model_action: QAction | None = None
        if bundle_export_available():
            self.export_model_action = self._action(file, "Export &model\u2026",
                                                    "Ctrl+Shift+E", self.export_model)
        from app.run_files import install_run_menu

        install_run_menu(self, file, self.run_files)
        file.addSeparator()
        self._action(file, "P&references\u2026", "Ctrl+,", self.show_preferences)
        file.addSeparator()
        self._action(file, "&Quit", "Ctrl+Q", self.close)

        view = menu.addMenu("&View")
        self.page_actions = QActionGroup(self)
        for i in range(self.nav.count()):
            item = self.nav.item(i)
            action = QAction(item.text(), self, checkable=True)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.setData(i)
            action.triggered.connect(self._on_page_action)
            self.page_actions.addAction(action)
            view.addAction(action)
        view.addSeparator()
        self._action(view, "&Full screen", "F11", self._toggle_full_screen)

        help_menu = menu.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", "F1", self.show_shortcuts)
        self._action(help_menu, "&About Mendel", None, self.show_about)

    def _action(self, menu: Any, text: str, shortcut: str | None, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # -- pages ---------------------------------------------------------------------------------
    def build_pages(self) -> None:
        """Build every page not built yet (each reads the session state as it starts)."""
        for name in self._page_names:
            self._build_page(name)

    def _build_page(self, name: str) -> Page:
        if name not in self.pages:
            cls = page_class(name)
            page = cls(self.state, self)
            row = self._page_names.index(name)
            placeholder = self.stack.widget(row)
            self.stack.insertWidget(row, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.nav.item(row).setText(cls.title)
            page.open_page.connect(self.show_page)
            guard_wheel(page)  # the wheel scrolls; a field takes it once focused
            self.pages[name] = page
        return self.pages[name]

    def show_page(self, name: str) -> Any:
        page = self._build_page(name)
        self.nav.setCurrentRow(self._page_names.index(name))
        return page

    def current_page_name(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def _on_nav_changed(self, row: int) -> None:
        if row < 0:
            return
        self._build_page(self._page_names[row])
        self.stack.setCurrentIndex(row)
        actions = self.page_actions.actions() if hasattr(self, "page_actions") else []
        if row < len(actions):
            actions[row].setChecked(True)
        self.pages[self._page_names[row]].page_shown()

    def _on_page_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.nav.setCurrentRow(int(action.data()))

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # -- data ----------------------------------------------------------------------------------
    def open_source(self, source: str) -> None:
        """Load a file, folder or demo (``mendel PATH``, drops, menus)."""
        self.pages["data"].load_source(source)

    def open_data(self) -> None:
        self.show_page("data").open_file_dialog()

    def open_folder(self) -> None:
        self.show_page("data").open_folder_dialog()

    def _on_demo_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.open_source(str(action.data()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.show_page("data")
            self.open_source(paths[0])

    def _on_dataset_changed(self) -> None:
        ds = self.state.dataset
        if ds is None:
            self.dataset_label.setText("No data")
            return
        kind = f"{len(ds.class_names)} classes" if ds.class_names else ds.task
        self.dataset_label.setText(f"{ds.name}: {len(ds):,} samples, {kind}")
        self.dataset_label.setToolTip(self.state.source or "")
        self._update_title()

    def _update_title(self) -> None:
        """The project's name (or the data's), with " *" while there are unsaved changes."""
        self.setWindowTitle(self.project.title())

    def _load_for_project(self, source: str, options: Any) -> None:
        self.pages["data"].load_source(source, options)

    def _on_project_message(self, text: str, level: str) -> None:
        if level == "info":
            self.statusBar().showMessage(text, 5000)
        else:
            self.message_bar.show_message(text, level)

    def _on_run_state(self, text: str) -> None:
        self.run_label.setText(text)

    def _on_device(self, text: str) -> None:
        self.device_label.setText(text)

    # -- start-up ------------------------------------------------------------------------------
    def finish_startup(self, source: str | None = None) -> None:
        """After the first paint: the other pages, then the engine; ``--demo`` opens on the
        Train page with a learning rate that solves the spiral in the default 30 epochs."""
        self.statusBar().showMessage("Preparing the pages\u2026")
        self.statusBar().repaint()
        self.build_pages()
        self.project.start_autosave()
        if source is None:
            self.project.offer_restore()
        if source == DEMO_SOURCE:
            self.state.set_train_config(TrainConfig(lr=0.01))
            self.show_page("train")
        self.warm_up_engine()

    def warm_up_engine(self) -> None:
        """Import torch and scikit-learn now, on the main thread, after the window shows."""
        if self.engine_ready:
            return
        self.statusBar().showMessage("Loading the training engine (PyTorch, scikit-learn)\u2026")
        self.statusBar().repaint()
        import torch

        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # imports torch._dynamo
        share_cpu_with_the_window(torch, self.training_threads())
        import core.classic.baselines  # noqa: F401  scikit-learn models
        import core.train.predict  # noqa: F401
        import core.train.run  # noqa: F401
        from core.train.device import describe_device, resolve_device

        device = resolve_device("auto")
        self.state.set_device_text(describe_device(device) if device.type != "cpu"
                                   else cpu_text(torch.get_num_threads()))
        self.engine_ready = True
        self.statusBar().showMessage("Ready", 3000)

    # -- export --------------------------------------------------------------------------------
    def export_plot(self) -> None:
        page = self.pages.get(self.current_page_name())
        panels: list[PlotPanel] = page.plot_panels() if page is not None else []
        panels = [p for p in panels if p.isVisible()] or panels
        if not panels:
            self.statusBar().showMessage("This page has no plot to export", 4000)
            return
        panel = panels[0]
        if len(panels) > 1:
            titles = [p.title for p in panels]
            title, ok = QInputDialog.getItem(self, "Export plot", "Plot:", titles, 0, False)
            if not ok:
                return
            panel = panels[titles.index(title)]
        name = panel.title.lower().replace(" ", "-")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {panel.title}", dialog_path("export", f"{name}.png", self.state.source),
            ";;".join(FORMATS.values()))
        if not path:
            return
        remember_dialog_dir("export", path)
        try:
            export_plot(panel.plot, path)
        except MendelError as exc:
            self.message_bar.show_error(str(exc))
        else:
            self.statusBar().showMessage(f"Saved {path}", 5000)

    def export_model(self) -> None:
        outcome = self.state.run
        if outcome is None:
            return
        default = dialog_path("export", f"{outcome.dataset.name}-run", self.state.source)
        path, _ = QFileDialog.getSaveFileName(self, "Export the model as a run folder",
                                              default, "Run folder (*)")
        if path:
            remember_dialog_dir("export", path)
            self.save_run(path)

    def save_run(self, out_dir: str) -> Worker:
        """Write the run bundle on a worker (ONNX and TorchScript checks take a moment)."""
        from core.export.bundle import save_bundle

        outcome = self.state.run

        def save(progress: Any, should_stop: Any) -> Any:
            report = save_bundle(out_dir, outcome)
            if outcome.run_dir is None:  # the run now has a folder: the Runs page marks it
                outcome.run_dir = report.out_dir
            return report

        self.statusBar().showMessage(f"Saving the run to {out_dir}\u2026")
        return self.export_job.run(save)

    def _on_export_failed(self, error: object) -> None:
        self.statusBar().clearMessage()
        self.message_bar.show_error(error_text(error))

    def _on_model_saved(self, report: Any) -> None:
        self.message_bar.show_message(
            f"Saved the run to {report.out_dir} ({len(report.files)} files; ONNX agrees "
            f"with PyTorch to {report.onnx_max_abs_diff:.1e}).", "success")
        self.statusBar().clearMessage()

    def training_threads(self) -> int:
        """The Preferences' training threads (the default when never set)."""
        try:
            value = int(self.settings.value("engine/threads", 0))
        except (TypeError, ValueError):
            value = 0
        return value if 0 < value <= (os.cpu_count() or 1) else default_threads()

    def show_preferences(self) -> None:
        dialog = PreferencesDialog(self.training_threads(), self)
        if dialog.exec():
            self.set_training_threads(dialog.threads.value())

    def set_training_threads(self, threads: int) -> None:
        self.settings.setValue("engine/threads", threads)
        if self.engine_ready:
            import torch

            torch.set_num_threads(threads)
            self.state.set_device_text(cpu_text(threads) if self.state.device_text.startswith(
                "CPU") else self.state.device_text)

    def _update_actions(self) -> None:
        if self.export_model_action is not None:
            self.export_model_action.setEnabled(self.state.run is not None)

    # -- help ----------------------------------------------------------------------------------
    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About Mendel", about_html(),
                          QMessageBox.StandardButton.Ok, self)
        box.setIconPixmap(app_icon().pixmap(64))
        box.exec()

    def show_shortcuts(self) -> None:
        html = "".join(f"<tr><td>{name}</td><td style='padding-left:16px'><b>{key}</b></td>"
                       "</tr>" for name, key in self.shortcut_rows())
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{html}</table>")

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(what it does, key) for every menu action and page shortcut."""
        rows = []
        for action in self.findChildren(QAction):
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if key and action.text():
                rows.append((action.text().replace("&", "").rstrip("\u2026"), key))
        for page in self.pages.values():
            rows += page.shortcuts()
        return rows

    # -- settings ------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if not (isinstance(geometry, QByteArray) and not geometry.isEmpty()
                and self.restoreGeometry(geometry) and self._fits_screen()):
            self.fit_to_screen()  # the first start, or a screen smaller than last time
        recent = s.value("recent", [])
        if isinstance(recent, str):
            recent = [recent]
        document = _load_json(s.value("session")) or {}
        document["recent_sources"] = [r for r in recent or [] if Path(r).exists()]
        # Options saved by another version are skipped one by one; the rest still apply.
        self.state.apply_document({**document, "version": DOCUMENT_VERSION})

    def available_geometry(self) -> QRect:
        """Where a window may go on the screen it opens on (less task bars and docks)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _fits_screen(self) -> bool:
        return self.available_geometry().contains(self.frameGeometry())

    def fit_to_screen(self) -> None:
        """Open at the preferred size, shrunk to fit the available screen, centred."""
        area = self.available_geometry()
        width = min(PREFERRED_SIZE[0], area.width() - SCREEN_MARGIN)
        height = min(PREFERRED_SIZE[1], area.height() - SCREEN_MARGIN - TITLE_BAR)
        self.resize(width, height)
        self.move(area.x() + (area.width() - width) // 2,
                  area.y() + max(0, (area.height() - height - TITLE_BAR) // 2))

    def save_settings(self) -> None:
        """The window and the session's choices that a fresh start keeps (the training
        options, split and encoding; not the data or a designed network: those belong to a
        project)."""
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("recent", self.state.recent_sources)
        document = self.state.to_document()
        s.setValue("session", json.dumps({k: document[k] for k in SETTINGS_FIELDS}))
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the settings, then stop and join every worker before Qt deletes anything.

        The window hides first: a worker in the middle of a step it cannot interrupt
        (one baseline model's fit) may take a moment to end, and the person who closed
        the window should not watch it wait. While a run trains, the user is asked first:
        quitting loses the run, stopping it keeps its results (and the window)."""
        if self.state.training:
            choice = ask_close_while_training(self)
            if choice != "quit":
                event.ignore()
                if choice == "stop":
                    self.pages["train"].stop()  # it ends like Stop: results measured, kept
                return
        if not self.project.confirm_discard():
            event.ignore()
            return
        self.project.closing()
        self.save_settings()
        self.hide()
        request_stop_all()  # every worker starts ending now, not when its owner's turn comes
        with join_deadline(CLOSE_JOIN_MS):  # the joins below share one time limit
            for page in self.pages.values():
                page.shutdown()
            self.export_job.shutdown()
            self.run_files.shutdown()
            stop_all_workers()
        super().closeEvent(event)


def ask_close_while_training(parent: QWidget) -> str:
    """"stop" (stop the run, keep its results, stay), "quit" (lose the run) or "cancel"."""
    box = QMessageBox(QMessageBox.Icon.Question, "A run is in progress",
                      "A run is in progress: stop it and quit?", parent=parent)
    box.setInformativeText("Quitting now loses the run. Stop it instead to keep its results "
                           "(then export or evaluate it, and quit when you are done).")
    stop = box.addButton("Stop the run, keep its results", QMessageBox.ButtonRole.AcceptRole)
    quit_button = box.addButton("Quit without the run", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Keep training", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stop)
    box.exec()
    clicked = box.clickedButton()
    return "stop" if clicked is stop else "quit" if clicked is quit_button else "cancel"


def cpu_text(threads: int) -> str:
    """The status bar's 'CPU: 1 training thread of 2 cores'."""
    cores = os.cpu_count() or 1
    return (f"CPU: {threads} training thread{'s' if threads != 1 else ''} of {cores} "
            f"core{'s' if cores != 1 else ''}")


def share_cpu_with_the_window(torch: Any, threads: int | None = None) -> None:
    """Keep the window responsive while a worker thread trains (called once, at warm-up).

    Training threads fill every core by default, and PyTorch's waiting threads then
    starve the window (and each other); one core is left to the GUI. The worker also
    holds the GIL in short bursts between PyTorch calls, and the main thread waits up to
    the switch interval (5 ms) for each of its many small Python steps in a repaint; a
    1 ms interval keeps those waits short.
    """
    torch.set_num_threads(threads or default_threads())
    sys.setswitchinterval(0.001)
    # The millions of objects torch, scikit-learn and Qt created at import never become
    # garbage; moving them out of the collector's view shortens each full collection
    # (which pauses every thread) from hundreds of milliseconds to a few.
    gc.collect()
    gc.freeze()


def _load_json(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        data = json.loads(value)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def about_html() -> str:
    from importlib import metadata  # 50 ms: not while the window is starting

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    rows = [("Mendel", __version__), ("Python", platform.python_version()),
            ("Qt", qVersion()), ("PySide6", pyside_version), ("PyTorch", version("torch")),
            ("scikit-learn", version("scikit-learn")), ("NumPy", version("numpy")),
            ("pyqtgraph", version("pyqtgraph"))]
    table = "".join(f"<tr><td>{k}</td><td style='padding-left:12px'>{v}</td></tr>"
                    for k, v in rows)
    return ("<h3>Mendel</h3><p>Build, train, watch and export neural networks on your own "
            f"FASTA, CSV and image data.</p><table>{table}</table>")


def parse_argv(argv: list[str]) -> str | None:
    """The source to open: ``--demo`` gives the demo, a path gives itself, else nothing."""
    args = [a for a in argv if a != "gui"]
    if "--demo" in args:
        return DEMO_SOURCE
    paths = [a for a in args if not a.startswith("-")]
    return paths[0] if paths else None


def run_gui(argv: list[str]) -> int:
    """``mendel``, ``mendel --demo`` and ``mendel PATH`` (called by ``app.cli``)."""
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(DESKTOP_ID)  # Wayland matches the window to its .desktop entry
    from app.settings import apply_memory_budget_setting

    apply_memory_budget_setting()  # the budget saved in Preferences, once the names are set
    style = RESOURCES / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    from app.main_thread_gc import MainThreadGC

    collector = MainThreadGC(app)  # cycles are collected here, never on a worker thread
    window = MainWindow(lazy_pages=True)
    window.show()
    source = parse_argv(argv)
    if source is not None:
        # pandas imported here first: a loader thread and the pages importing it at the
        # same moment met a half-initialised pandas ("cannot import name 'GroupByApply'")
        import pandas  # noqa: F401
        import pandas.api.types  # noqa: F401

        window.open_source(source)
    QTimer.singleShot(50, lambda: window.finish_startup(source))  # after the first paint
    quit_after = os.environ.get("MENDEL_QUIT_AFTER_MS", "")
    if quit_after.isdigit():  # `make package-test`: open, wait, close as a user would
        QTimer.singleShot(int(quit_after), window.close)
    code = int(app.exec())
    collector.stop()
    return leave(code)


def leave(code: int) -> int:
    """``code``, or end the process now if a worker is still running after the window
    closed (``CLOSE_JOIN_MS``): a thread in a step it cannot leave (one pandas call on a
    huge column) cannot be killed, and Python and Qt would wait for it, or abort, on the
    way out. The settings and the project were saved before the window closed."""
    if not live_workers():
        return code
    for stream in (sys.stdout, sys.stderr):  # None in a windowed app without a console
        if stream is not None:
            if stream is sys.stderr:
                stream.write("mendel: a background task was still running; quit without "
                             "waiting for it\n")
            stream.flush()
    os._exit(code)
