"""One live-view redraw per turn of the event loop, so a run's updates never pile up.

At the end of an epoch the loss, metric and learning-rate curves and the hidden-layer
picture all have something new. Redrawn together, their Python work and paints (5-12 ms
each) run as one block in which the window answers nothing. The pacer takes redraw
requests from every live view and runs the one that has waited longest each ``TICK_MS``,
each no sooner than its own ``due`` time, so clicks and repaints fit in between.

Requests hold weak references: a closed view is simply dropped.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

TICK_MS = 30


class Pacer(QObject):
    def __init__(self, tick_ms: int = TICK_MS) -> None:
        super().__init__()
        self._waiting: dict[int, tuple[float, weakref.WeakMethod]] = {}  # oldest first
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)  # re-armed while requests wait
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)

    def request(self, redraw: Callable[[], object], due: float = 0.0) -> None:
        """Call ``redraw`` (a bound method) on a later tick, not before ``due``
        (``time.monotonic``). A request already waiting for its object is kept."""
        key = id(redraw.__self__)  # type: ignore[attr-defined]
        if key not in self._waiting:
            self._waiting[key] = (due, weakref.WeakMethod(redraw))  # type: ignore[arg-type]
        if not self._timer.isActive():
            self._timer.start()

    def cancel(self, owner: object) -> None:
        self._waiting.pop(id(owner), None)

    def pending(self, owner: object) -> bool:
        return id(owner) in self._waiting

    def _tick(self) -> None:
        now = time.monotonic()
        for key, (due, ref) in list(self._waiting.items()):
            method = ref()
            if method is None:
                del self._waiting[key]
                continue
            if due <= now:
                del self._waiting[key]
                try:
                    method()
                except RuntimeError:  # its C++ widget was deleted while it waited
                    pass
                break
        if self._waiting:
            self._timer.start()


_pacer: Pacer | None = None


def pacer() -> Pacer:
    """The application's pacer (made on first use, on the main thread)."""
    global _pacer
    if _pacer is None:
        _pacer = Pacer()
    return _pacer
