"""Progress reporting and cancellation for long core operations (no Qt here).

Every long operation takes ``progress: ProgressFn | None`` and ``should_stop: StopFn | None``.
``progress(fraction, message)`` gets a fraction in [0, 1]. ``wrap_progress`` maps a
sub-step onto part of the range, as Orange's ``wrap_callback`` does.
"""

from __future__ import annotations

from collections.abc import Callable

from core.errors import MendelError

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]


class Cancelled(MendelError):
    """The user asked the operation to stop; nothing was changed."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


def report(progress: ProgressFn | None, fraction: float, message: str = "") -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def check_stop(should_stop: StopFn | None) -> None:
    """Raise ``Cancelled`` when the caller asked to stop."""
    if should_stop is not None and should_stop():
        raise Cancelled()


def wrap_progress(progress: ProgressFn | None, start: float, end: float) -> ProgressFn | None:
    """A callback that maps [0, 1] of a sub-step onto [start, end] of ``progress``."""
    if progress is None:
        return None

    def wrapped(fraction: float, message: str = "") -> None:
        progress(start + (end - start) * fraction, message)

    return wrapped
