"""Python's cycle collector, run on the main thread only.

CPython collects cycles in whichever thread happens to allocate past the threshold. When
that is a worker (training, loading) and the garbage holds Qt objects, their C++
destructors run there while the main thread may be deleting widgets: each side then
waits for a lock the other holds (seen in the test suite: the worker in ``~QObject``
waiting for the GIL, the main thread holding it in ``~QWidget``). So automatic
collection is switched off and a main-thread timer collects instead, generation by
generation with CPython's own thresholds (pyqtgraph's ``GarbageCollector`` does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


def collect_if_due() -> int:
    """Collect the generations whose counts passed their thresholds; objects freed."""
    thresholds = gc.get_threshold()
    counts = gc.get_count()
    freed = 0
    for generation in range(3):
        if counts[generation] <= thresholds[generation]:
            break
        freed += gc.collect(generation)
    return freed


class MainThreadGC(QObject):
    """Owns the timer; ``stop`` gives collection back to CPython."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        gc.disable()
        self.timer.start(interval_ms)

    def collect(self) -> None:
        collect_if_due()

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
