"""Showing a value in a form without the form reporting it back as an edit.

Views bind to the session state both ways: an edit calls the state's setter, and a state
change updates the form. The second direction must not fire the first, so every such
update runs inside ``signals_blocked`` (Qt's ``QSignalBlocker`` on each widget), the one
replacement for hand-written ``_populating = True; try: ... finally: ...`` guards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QSignalBlocker


@contextmanager
def signals_blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of ``objects`` for the duration (restored even on error)."""
    blockers = [QSignalBlocker(o) for o in objects]
    try:
        yield
    finally:
        for b in blockers:
            b.unblock()
