"""pytest-qt set-up for the GUI tests: offscreen Qt, settings in a temporary folder, and a
guard that fails any test leaving a QThread or a QTimer running (napari's
``_dangling_qthreads`` / ``_dangling_qtimers`` fixtures)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import gc  # noqa: E402
import time  # noqa: E402
import weakref  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QThread, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_thread_gc import collect_if_due  # noqa: E402

GRACE_S = 2.0  # a thread or single-shot timer may need a moment to finish on its own


@pytest.fixture(scope="session", autouse=True)
def _settings_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never read or write the user's own Mendel settings."""
    path = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, path)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    """Tiny test networks train fastest on one thread, and the test machine is shared."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread() -> Iterator[None]:
    """As in the app (``app.main_thread_gc``): no cycle collection while a test's workers
    run (a worker collecting Qt objects deadlocked the suite); collect after the test,
    once its threads have ended."""
    gc.disable()
    yield
    collect_if_due()
    gc.enable()


@pytest.fixture(autouse=True)
def _dangling_qthreads_and_qtimers(qapp: QApplication,
                                   monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    threads: weakref.WeakSet[QThread] = weakref.WeakSet()
    timers: weakref.WeakSet[QTimer] = weakref.WeakSet()
    thread_start, timer_start = QThread.start, QTimer.start

    def start_thread(self: QThread, *args: object) -> None:
        threads.add(self)
        thread_start(self, *args)

    def start_timer(self: QTimer, *args: object) -> None:
        timers.add(self)
        timer_start(self, *args)

    monkeypatch.setattr(QThread, "start", start_thread)
    monkeypatch.setattr(QTimer, "start", start_timer)
    yield
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline and (
        any(_alive(t.isRunning) for t in threads)
        or any(_alive(t.isActive) and t.isSingleShot() for t in timers)
    ):
        qapp.processEvents()
        time.sleep(0.01)
    running = [t for t in threads if _alive(t.isRunning)]
    active = [t for t in timers if _alive(t.isActive)]
    for t in running:  # do not let Qt destroy a running thread later (it would abort)
        t.requestInterruption()
        t.wait(10_000)
    for t in active:
        t.stop()
    problems = [f"QThread {type(t).__name__} still running" for t in running]
    problems += [f"QTimer (parent {type(t.parent()).__name__}, {t.interval()} ms) still active"
                 for t in active]
    if problems:
        pytest.fail("test left work running: " + "; ".join(problems))


def _alive(check: object) -> bool:
    """``check()`` unless the C++ object is already deleted."""
    try:
        return bool(check())  # type: ignore[operator]
    except RuntimeError:
        return False


@pytest.fixture
def window(qtbot: object) -> Iterator[object]:
    """A shown main window whose "save changes?" box never blocks a test (a module may
    define its own ``window``)."""
    from app.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)  # type: ignore[attr-defined]
    win.project.ask_save_changes = lambda: "discard"
    win.show()
    yield win
    win.project.dirty = False
    win.close()
