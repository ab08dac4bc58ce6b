"""The shared job mechanism: one worker at a time, late signals dropped, bounded joins."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from app.jobs import JobRunner
from core.errors import DataError

TIMEOUT_MS = 10_000


class Sink(QObject):
    """Main-thread receiver (worker signals go to QObject methods, never lambdas)."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[Any] = []
        self.errors: list[object] = []
        self.cancelled = 0

    def on_result(self, result: Any) -> None:
        self.results.append(result)

    def on_error(self, error: object) -> None:
        self.errors.append(error)

    def on_cancelled(self) -> None:
        self.cancelled += 1


def _runner(sink: Sink) -> JobRunner:
    runner = JobRunner()
    runner.succeeded.connect(sink.on_result)
    runner.failed.connect(sink.on_error)
    runner.cancelled.connect(sink.on_cancelled)
    return runner


def test_a_replaced_job_never_delivers_its_result(qtbot: QtBot) -> None:
    sink = Sink()
    runner = _runner(sink)
    gate = threading.Event()

    def slow(progress: Any, should_stop: Any) -> str:
        gate.wait(5)
        return "old"

    old = runner.run(slow)
    with qtbot.waitSignal(runner.done, timeout=TIMEOUT_MS):
        runner.run(lambda progress, should_stop: "new")
    gate.set()
    assert old.wait(5000)
    qtbot.wait(50)  # the old worker's queued signals, if any, are processed now
    assert sink.results == ["new"] and sink.errors == [] and not runner.running


def test_a_failure_carries_the_exception_object(qtbot: QtBot) -> None:
    sink = Sink()
    runner = _runner(sink)

    def bad(progress: Any, should_stop: Any) -> None:
        raise DataError("line 3: '!' is not a nucleotide", path="reads.fasta")

    def bug(progress: Any, should_stop: Any) -> None:
        raise ZeroDivisionError("division by zero")

    with qtbot.waitSignal(runner.done, timeout=TIMEOUT_MS):
        runner.run(bad)
    with qtbot.waitSignal(runner.done, timeout=TIMEOUT_MS):
        runner.run(bug)
    first, second = sink.errors
    assert isinstance(first, DataError) and first.path == "reads.fasta"
    assert str(first) == "reads.fasta: line 3: '!' is not a nucleotide"
    assert str(second) == "unexpected error (ZeroDivisionError): division by zero"
    assert isinstance(second.__cause__, ZeroDivisionError)


def test_cancel_stops_the_work_and_shutdown_joins_in_time(qtbot: QtBot) -> None:
    sink = Sink()
    runner = _runner(sink)
    started = threading.Event()

    def loop(progress: Any, should_stop: Any) -> str:
        started.set()
        while not should_stop():
            threading.Event().wait(0.005)
        return "stopped"

    worker = runner.run(loop)
    assert started.wait(5)
    assert runner.running
    assert runner.shutdown(timeout_ms=5000)
    assert not worker.isRunning() and runner.worker is None
    qtbot.wait(50)
    assert sink.results == [] and sink.cancelled == 0  # a cancelled job says nothing
