"""Seconds from interpreter start to the main window's first paint, as ``mendel`` opens it.

Run as ``python -m tests.benchmarks.first_paint`` (a fresh process: imports count); it
prints one line and exits at the first paint: the seconds, the class of the widget that
painted, and the heavy libraries already imported then ("-" for none; the window must not
wait for them). ``bench_gui`` runs it a few times and reads the first field.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402

HEAVY = ("pandas", "torch", "sklearn")


class _FirstPaint(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            seconds = time.perf_counter() - T0
            heavy = [m for m in HEAVY if m in sys.modules]
            print(f"{seconds:.3f} {type(obj).__name__} {','.join(heavy) or '-'}", flush=True)
            QTimer.singleShot(0, lambda: os._exit(0))  # skip the engine warm-up
        return False


def main() -> None:
    import app.main_window as main_window

    probe = _FirstPaint()
    show = main_window.MainWindow.show

    def show_and_watch(window: main_window.MainWindow) -> None:
        window.installEventFilter(probe)
        show(window)

    main_window.MainWindow.show = show_and_watch  # type: ignore[method-assign]
    sys.argv = ["mendel"]
    main_window.run_gui([])


if __name__ == "__main__":
    main()
