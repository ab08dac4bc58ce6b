"""The one bridge between core and Qt threads.

A worker is a ``QThread`` whose ``run`` calls core and reports through Qt signals only:
``progressed(fraction, message)``, ``event(obj)`` (trainer events), then exactly one of
``succeeded(result)``, ``failed(exception)`` or ``cancelled()`` (``str(exception)`` is the
one line to show). Owners do not connect to a worker directly: ``app.jobs.JobRunner``
starts it, drops the signals of a replaced one, and joins it. It never touches a widget,
a plot or page state; the page's slots (methods of main-thread QObjects, never bare
lambdas: PySide 6.12 runs those in the emitting thread) update the views.

Every started worker is remembered until it ends, so ``stop_all_workers`` can stop and
join them when the window closes, and Python never frees a running thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal

from core.data.dataset import Dataset, Split
from core.data.files import display
from core.data.load import LoadOptions
from core.data.preprocessing import EncodingOptions
from core.errors import DataError, MendelError
from core.nn.spec import NetworkSpec
from core.progress import Cancelled, ProgressFn, StopFn
from core.train.config import TrainConfig
from core.train.control import RunControl

log = logging.getLogger(__name__)

_deadline: list[float] = []  # the one time limit every join shares while the window closes


class Worker(QThread):
    """Base class: subclasses implement ``work()``, which runs on the worker thread."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)  # a MendelError; str() of it is the one-line message
    cancelled = Signal()

    _live: ClassVar[set[Worker]] = set()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()
        self.finished.connect(self._forget)

    def start(self, *args: Any) -> None:
        Worker._live.add(self)
        super().start(*args)

    def request_stop(self) -> None:
        """Ask the work to end at its next check (thread-safe, returns at once)."""
        self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def report(self, fraction: float, message: str = "") -> None:
        """A ``core.progress.ProgressFn`` that forwards to the ``progressed`` signal."""
        self.progressed.emit(float(fraction), message)

    def work(self) -> Any:
        raise NotImplementedError

    def run(self) -> None:
        try:
            result = self.work()
        except Cancelled:
            self.cancelled.emit()
        except MendelError as exc:
            self.failed.emit(exc)
        except MemoryError as exc:
            error = MendelError("not enough memory for this; close other programs or give "
                                "less data")
            error.__cause__ = exc
            self.failed.emit(error)
        except Exception as exc:  # a bug must not take the window down with it
            log.exception("worker failed")
            detail = " ".join(str(exc).split())
            error = MendelError(f"unexpected error ({type(exc).__name__})"
                                + (f": {detail}" if detail else ""))
            error.__cause__ = exc
            self.failed.emit(error)
        else:
            if self.should_stop():
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)

    def _forget(self) -> None:
        Worker._live.discard(self)


class FunctionWorker(Worker):
    """Runs ``fn(progress, should_stop)`` on the worker thread; its return is the result."""

    def __init__(self, fn: Callable[[ProgressFn, StopFn], Any],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn

    def work(self) -> Any:
        return self._fn(self.report, self.should_stop)


@dataclass
class LoadedData:
    """What a ``LoadWorker`` hands back."""

    dataset: Dataset
    source: str
    options: LoadOptions


class LoadWorker(Worker):
    """Reads a file, a folder or a demo with ``core.data.load.load_dataset``."""

    def __init__(self, source: str, options: LoadOptions,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.options = options

    def work(self) -> LoadedData:
        from core.data.load import load_dataset

        try:
            ds = load_dataset(self.source, self.options, self.report, self.should_stop)
        except MendelError:
            raise
        except MemoryError:
            raise DataError("not enough memory to read it; give a smaller file (a subset "
                            "of its rows or images)", display(self.source)) from None
        except Exception as exc:  # a loader's bug: still one line that names the file
            log.exception("reading %s failed", display(self.source))
            detail = " ".join(str(exc).split())
            raise DataError(f"cannot read it (Mendel failed on it: {type(exc).__name__}"
                            + (f", {detail}" if detail else "") + "); please report it with "
                            "the file", display(self.source)) from exc
        return LoadedData(ds, self.source, self.options)


@dataclass(frozen=True)
class TrainRequest:
    """Everything a run needs, read from the session state when Start is pressed.

    ``split`` is the split the session holds (the Data page's), not made again."""

    dataset: Dataset
    load_options: LoadOptions
    encoding: EncodingOptions
    network: NetworkSpec | str  # a custom spec, or a preset name
    preset_options: dict[str, Any]
    config: TrainConfig
    split: Split
    baselines: bool | tuple[str, ...] = True  # True: all; or names of BASELINES
    resume: Any = None  # a core.train.checkpoint.Checkpoint: Continue training from it


class TrainWorker(Worker):
    """Prepares tensors, trains, then measures the network and the classic baselines.

    ``prepared(PreparedRun)`` comes once the data is encoded and the network sized;
    ``event(obj)`` forwards every trainer event (RunStarted, BatchFinished, EpochFinished,
    RunFinished, RunFailed); ``succeeded(TrainingOutcome)`` ends it, also for a run that
    diverged or failed inside the trainer (``outcome.result`` says so). Pause, resume, step
    and stop go through ``control``, which the trainer checks between batches.
    """

    prepared = Signal(object)
    event = Signal(object)

    def __init__(self, request: TrainRequest, control: RunControl | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.control = control or RunControl()

    def request_stop(self) -> None:
        super().request_stop()
        self.control.stop()

    def work(self) -> Any:
        from core.train.run import baseline_choice, fit_outcome_baselines, train_prepared

        r = self.request
        which = baseline_choice(r.baselines)  # a bad name fails before any work
        prepared = prepare_request(r, self.report, self.should_stop)
        self.prepared.emit(prepared)
        outcome = train_prepared(prepared, r.config, self.control, self.event.emit,
                                 baselines=False, resume=r.resume)
        if (which is None or which) and outcome.succeeded and not self.should_stop():
            self.report(1.0, "Fitting the baseline models on the same data\u2026")
            fit_outcome_baselines(outcome, which, self.should_stop)
        return outcome


def prepare_request(r: TrainRequest, progress: ProgressFn, should_stop: StopFn) -> Any:
    """The request's data encoded and network sized (``core.train.run.prepare_run``), on
    the calling worker's thread; ``Cancelled`` when stopped meanwhile."""
    from core.train.run import prepare_run

    progress(0.0, "Encoding the data\u2026")
    prepared = prepare_run(r.dataset, r.load_options, r.encoding, network=r.network,
                           preset_options=r.preset_options, split=r.split,
                           progress=progress, should_stop=should_stop)
    if should_stop():
        raise Cancelled()
    return prepared


def _valid(w: Worker) -> bool:
    """False for a worker whose Qt object was deleted with its parent before ``_forget``
    ran (calling into it would raise inside the window's closeEvent and crash PySide)."""
    return shiboken6.isValid(w)


def live_workers() -> list[Worker]:
    """Workers started and not yet finished."""
    return [w for w in Worker._live if _valid(w) and w.isRunning()]


def request_stop_all() -> None:
    """Ask every live worker to stop, at once (returns at once): the window is closing,
    and the joins that follow then wait for workers that are all already ending."""
    Worker._live.difference_update([w for w in Worker._live if not _valid(w)])
    for w in list(Worker._live):
        w.request_stop()


def stop_all_workers(timeout_ms: int = 10_000) -> bool:
    """Stop every worker and wait for them, ``timeout_ms`` in all (not each); False if one
    did not end in time (it is left running: a thread cannot be killed)."""
    request_stop_all()
    end = time.monotonic() + bounded_ms(timeout_ms) / 1000
    ended = True
    for w in list(Worker._live):
        left = max(0, int((end - time.monotonic()) * 1000))
        ended = (not _valid(w) or w.wait(left)) and ended
    return ended


@contextmanager
def join_deadline(timeout_ms: int) -> Iterator[None]:
    """Every join inside (``JobRunner.cancel(wait=True)``, ``shutdown``,
    ``app.workers.stop_all_workers``) ends by one shared deadline ``timeout_ms`` from now:
    the window closing joins a dozen runners one after the other, and a worker stuck in a
    step it cannot leave must not make each of them wait its own full limit."""
    _deadline.append(time.monotonic() + timeout_ms / 1000)
    try:
        yield
    finally:
        _deadline.pop()


def bounded_ms(timeout_ms: int) -> int:
    """``timeout_ms``, cut to what is left of the current ``join_deadline`` (if any)."""
    if not _deadline:
        return timeout_ms
    left = int((_deadline[-1] - time.monotonic()) * 1000)
    return max(0, min(timeout_ms, left))

