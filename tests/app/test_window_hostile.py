"""The window against hostile input (issue 16, section 3), driven as a user would.

Special files (FIFOs, devices, sockets named like data) are refused in one line naming
them and never block the GUI thread; every wait on a worker is bounded, so closing the
window while a large gzip CSV loads (or while a loader is stuck) returns within seconds;
a sample of the hostile catalogue (every family) read from the Data page shows one clear
line naming the file and keeps the dataset loaded before; the window's other readers
(network, motif file, project, run folder, predictions) and writers (plot, diagram,
network, runs table, predictions) say in one line why a special or unwritable path fails.
"""

from __future__ import annotations

import gzip
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app import main_window
from app.jobs import JobRunner
from app.main_window import MainWindow
from app.pages.data_page import DataPage
from app.workers import join_deadline, live_workers
from core.data.options import LoadOptions
from core.errors import DataError
from core.progress import Cancelled
from tests.hostile.catalogue import CASES, Accept, Refuse

TIMEOUT_MS = 20_000
PROMPT_S = 2.0  # closing, or refusing a special file, takes less than this

# At least one case of every family of the catalogue (tests/hostile), chosen for the
# window: the special files, the fuzzing finds that were tracebacks, the damaged gzips,
# images and IDX files, options that do not fit, and a few that must be accepted.
SAMPLE = (
    "csv/good", "csv/header-only", "csv/ragged-row", "csv/unterminated-quote",
    "csv/nul-in-middle", "csv/gzip-truncated", "csv/gzip-of-zeros", "csv/excel-zip",
    "csv/true-false-regression-target", "csv/duplicate-ids", "csv/one-column", "tsv/good",
    "fasta/utf16", "fasta/latin1-header", "fasta/no-header", "fasta/gap",
    "fasta/gz-name-not-gzip", "fasta/utf8-bom", "fastq/missing-quality", "genbank/truncated",
    "fasta-folder/junk-file", "labels/binary-table", "labels/unmatched-ids",
    "images/truncated-png", "images/decompression-bomb", "images/one-class",
    "images/no-images", "idx/wrong-magic", "idx/count-mismatch", "idx/truncated-data",
    "idx/labels-negative", "junk/data.csv/one-byte-a", "junk/data.tsv/one-byte-newline",
    "junk/data.csv/binary-13-bytes", "junk/data.fa/empty", "junk/data.csv/html-page",
    "junk/data.csv.gz/empty-gzipped", "junk/idx-labels/png-bytes", "special/fifo.csv",
    "special/fifo.fa", "special/dev-zero.csv", "special/socket.csv",
    "special/fifo-labels-table", "special/fifo-in-image-folder",
    "special/dangling-symlink.csv", "names/csv-not-utf8", "names/junk-csv-not-utf8",
    "options/target-not-found", "options/pickle-refused", "options/no-extension",
)


@pytest.fixture
def window(qtbot: QtBot) -> Any:
    """The shared fixture's window with its pages built when first shown (fast)."""
    win = MainWindow(lazy_pages=True)
    qtbot.addWidget(win)
    win.project.ask_save_changes = lambda: "discard"
    win.show()
    yield win
    win.project.dirty = False
    win.close()


def _load(qtbot: QtBot, page: DataPage, source: str,
          options: LoadOptions | None = None) -> bool:
    with qtbot.waitSignal(page.load_finished, timeout=TIMEOUT_MS) as blocker:
        page.load_source(source, options)
    return bool(blocker.args[0])


def _names(root: Path) -> set[str]:
    """How a message may name a file of a case: each name under ``root``, as shown."""
    return {os.fsencode(p.name).decode("utf-8", "backslashreplace") for p in root.rglob("*")}


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()
    return path


def _assert_error(bar: Any, *says: str) -> str:
    text = bar.text
    assert not bar.isHidden() and bar.level == "error", text
    assert text.strip() and "\n" not in text, repr(text)
    assert "unexpected error" not in text and "Traceback" not in text, text
    for word in says:
        assert word in text, (word, text)
    return text


# -- 1. special files from the Data page ------------------------------------------------------
def test_special_files_are_refused_at_once_and_the_window_closes_promptly(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = window.pages["data"]
    assert _load(qtbot, page, "demo:iris")
    dataset = window.state.dataset
    pics = tmp_path / "pics"
    for cls in ("a", "b"):
        (pics / cls).mkdir(parents=True)
    _fifo(pics / "a" / "stuck.png")  # the only "image": a FIFO is no image file
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    specials = [_fifo(tmp_path / "data.csv"), _fifo(tmp_path / "x.fasta"),
                _socket(tmp_path / "s.csv"), tmp_path / "zero.csv"]
    for path in specials:
        started = time.monotonic()
        assert not _load(qtbot, page, str(path))
        assert time.monotonic() - started < PROMPT_S, path
        _assert_error(page.message_bar, path.name, "not a regular file",
                      "still using demo:iris")
        assert window.state.dataset is dataset and window.state.source == "demo:iris"
    assert not _load(qtbot, page, str(pics))
    _assert_error(page.message_bar, "pics", "no images found")
    assert window.state.dataset is dataset
    window.build_pages()  # closing shuts every page's workers down
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < PROMPT_S
    assert not live_workers()


# -- 3. a sample of the hostile catalogue from the Data page ----------------------------------
def test_hostile_inputs_show_one_line_naming_the_file_and_keep_the_dataset(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = window.pages["data"]
    assert _load(qtbot, page, "demo:iris")
    families = {name.split("/")[0] for name in CASES}
    assert families <= {name.split("/")[0] for name in SAMPLE}  # every family is tried
    for name in SAMPLE:
        case = CASES[name]
        root = tmp_path / name.replace("/", "_")
        root.mkdir()
        source, options = case.build(root)
        before = (window.state.dataset, window.state.source)
        ok = _load(qtbot, page, source, options)
        text = page.message_bar.text
        if isinstance(case.expect, Refuse):
            assert not ok, f"{name}: accepted"
            _assert_error(page.message_bar)
            assert any(n in text for n in _names(root)), f"{name}: names no file: {text}"
            assert "still using" in text, f"{name}: {text}"
            assert (window.state.dataset, window.state.source) == before, name
        else:
            assert isinstance(case.expect, Accept)
            assert ok, f"{name}: refused: {text}"
            assert window.state.source == source
            assert page.preview.table_model.rowCount() or page.preview.thumbnail_model.rowCount()
            if name == "csv/duplicate-ids":  # a feature called "id": the preview shows both
                assert list(page.preview.table_model.frame.columns)[:2] == ["row id", "id"]
    qtbot.waitUntil(lambda: not page.summary_jobs.running, timeout=TIMEOUT_MS)


def test_a_loader_bug_is_one_line_naming_the_file(qtbot: QtBot, window: MainWindow,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    import core.data.load

    page = window.pages["data"]
    for error, says in ((StopIteration(), "StopIteration"), (MemoryError(), "memory")):
        def broken(*args: Any, _error: BaseException = error) -> Any:
            raise _error

        monkeypatch.setattr(core.data.load, "load_dataset", broken)
        assert not _load(qtbot, page, str(tmp_path / "cells.csv"))
        text = _assert_error(page.message_bar, "cells.csv", says)
        assert not text.rstrip().endswith(":")


# -- 2. bounded waits -------------------------------------------------------------------------
def _big_gzip_csv(path: Path, members: int = 64) -> Path:
    """A gzip CSV of ~250 MB inflated, made in a moment: one compressed block, repeated
    (gzip members simply follow each other)."""
    rows = "".join(f"{i % 97}.5,{i % 13},{i % 7}.25,{'xy'[i % 2]}\n" for i in range(200_000))
    block = gzip.compress(rows.encode(), compresslevel=1, mtime=0)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(b"a,b,c,label\n", mtime=0))
        for _ in range(members):
            fh.write(block)
    return path


def test_closing_while_a_large_gzip_csv_loads_returns_at_once(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = window.pages["data"]
    big = _big_gzip_csv(tmp_path / "big.csv.gz")
    with qtbot.waitSignal(page.load_jobs.progressed, timeout=TIMEOUT_MS):
        page.load_source(str(big))
    qtbot.wait(300)  # well inside the reading: unpacking ~250 MB takes seconds
    worker = page.load_jobs.worker
    assert worker is not None and worker.isRunning()
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < PROMPT_S
    assert worker.should_stop()  # closing asked the loader to stop
    qtbot.waitUntil(lambda: not worker.isRunning(), timeout=int(PROMPT_S * 1000))
    assert window.state.dataset is None


def test_a_slow_loader_is_stopped_by_closing(qtbot: QtBot, window: MainWindow,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import core.data.load

    asked: list[float] = []

    def slow(source: str, options: Any, progress: Any, should_stop: Any) -> Any:
        progress(0.0, "reading")
        while not should_stop():  # a loader that checks between chunks
            time.sleep(0.01)
        asked.append(time.monotonic())
        raise Cancelled()

    monkeypatch.setattr(core.data.load, "load_dataset", slow)
    page = window.pages["data"]
    with qtbot.waitSignal(page.load_jobs.progressed, timeout=TIMEOUT_MS):
        page.load_source("slow.csv")
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < PROMPT_S
    assert asked and asked[0] - started < PROMPT_S
    assert not live_workers()


def test_a_stuck_worker_never_holds_the_window_or_the_exit(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.data.load

    release = threading.Event()

    def stuck(source: str, options: Any, progress: Any, should_stop: Any) -> Any:
        progress(0.0, "reading")
        release.wait(30)  # one long step that never looks at should_stop
        raise DataError("released", source)

    monkeypatch.setattr(core.data.load, "load_dataset", stuck)
    page = window.pages["data"]
    with qtbot.waitSignal(page.load_jobs.progressed, timeout=TIMEOUT_MS):
        page.load_source("stuck.csv")
    worker = page.load_jobs.worker
    try:
        started = time.monotonic()
        window.close()  # every join shares one deadline (CLOSE_JOIN_MS)
        assert time.monotonic() - started < PROMPT_S
        assert worker is not None and worker.isRunning()
        exits: list[int] = []
        monkeypatch.setattr(main_window.os, "_exit", exits.append)
        main_window.leave(0)  # after app.exec(): a running worker must not hold the exit
        assert exits == [0]
    finally:
        release.set()
    qtbot.waitUntil(lambda: not live_workers(), timeout=TIMEOUT_MS)
    assert main_window.leave(3) == 3  # nothing running: a normal return


def test_joins_share_one_deadline(qtbot: QtBot) -> None:
    release = threading.Event()
    runners = [JobRunner() for _ in range(4)]
    for runner in runners:
        runner.run(lambda progress, should_stop: release.wait(30))
    try:
        started = time.monotonic()
        with join_deadline(300):
            ended = [runner.shutdown() for runner in runners]
        assert time.monotonic() - started < 1.0  # not four times 10 s, nor 4 x 300 ms
        assert ended == [False] * 4
    finally:
        release.set()
    qtbot.waitUntil(lambda: not live_workers(), timeout=TIMEOUT_MS)


# -- 1. the window's other readers --------------------------------------------------------------
def test_network_files_that_are_special_huge_or_deep_are_one_line(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    editor = window.show_page("network").editor
    spec = editor.document.spec
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "big.json").write_bytes(b" " * ((16 << 20) + 1))
    cases = {_fifo(tmp_path / "net.json"): "not a regular file",
             tmp_path / "zero.json": "not a regular file",
             tmp_path / "deep.json": "deep.json",
             tmp_path / "folder.json": "folder",
             tmp_path / "big.json": "too large"}
    for path, says in cases.items():
        started = time.monotonic()
        assert not editor.open_from(path)
        assert time.monotonic() - started < PROMPT_S, path
        _assert_error(editor.messages, path.name, says)
        assert editor.document.spec == spec


def test_motif_project_and_run_paths_that_are_fifos_are_refused(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    explain = window.show_page("explain")
    explain.motifs.motifs = []  # as if the filters' motifs were shown
    explain.load_motif_file(str(_fifo(tmp_path / "motifs.meme")))
    _assert_error(explain.message_bar, "motifs.meme", "not a regular file")
    assert explain.motif_job.worker is None  # no worker left blocked on the pipe
    explain.load_motif_file(str(tmp_path))
    _assert_error(explain.message_bar, "folder")

    project = tmp_path / "study.mendel"
    project.mkdir()
    _fifo(project / "project.json")
    assert not window.project.open(str(project))
    _assert_error(window.message_bar, "project.json", "not a regular file")

    run = tmp_path / "run"
    run.mkdir()
    (run / "network.json").write_text("{}")
    _fifo(run / "model.safetensors")
    window.run_files.open(run)
    _assert_error(window.message_bar, "model.safetensors", "not a regular file")
    assert window.run_files.open_job.worker is None


def test_predict_refuses_a_fifo_and_says_why_it_cannot_write(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    import core.export.reopen

    class Bundle:
        def load_data(self, source: str) -> list[int]:
            return [1, 2]

        def predictions_table(self, ds: Any) -> pd.DataFrame:
            return pd.DataFrame({"prediction": ds})

    files = window.run_files
    monkeypatch.setattr(files, "_current", lambda: object())
    monkeypatch.setattr(core.export.reopen, "outcome_bundle", lambda outcome: Bundle())
    files.predict(str(_fifo(tmp_path / "new.csv")), str(tmp_path / "out.csv"))
    _assert_error(window.message_bar, "new.csv", "not a regular file")
    assert files.predict_job.worker is None
    (tmp_path / "file.txt").write_text("x")
    out = tmp_path / "file.txt" / "out.csv"
    with qtbot.waitSignal(files.predict_job.failed, timeout=TIMEOUT_MS):
        files.predict(str(tmp_path / "any.csv"), str(out))
    _assert_error(window.message_bar, str(out), "file.txt is a file, not a folder")
    files.predict(str(tmp_path / "any.csv"), str(tmp_path))
    _assert_error(window.message_bar, "folder")


def test_runs_holding_a_fifo_or_deep_json_are_listed_not_read(tmp_path: Path) -> None:
    from app.pages.runs_page import safe_list_runs

    runs = tmp_path / "p.mendel" / "runs"
    for name in ("001", "002"):
        (runs / name).mkdir(parents=True)
    _fifo(runs / "001" / "metrics.json")
    (runs / "002" / "metrics.json").write_text("[" * 100_000 + "]" * 100_000)
    started = time.monotonic()
    rows = safe_list_runs(tmp_path / "p.mendel")
    assert time.monotonic() - started < PROMPT_S
    assert [r.id for r in rows] == ["001", "002"]
    assert "not a regular file" in rows[0].problem and "metrics.json" in rows[0].problem
    assert rows[1].status == "incomplete" and rows[1].problem


# -- 4. exports to places that cannot be written -------------------------------------------------
@pytest.fixture
def under_a_file(tmp_path: Path) -> Path:
    """A folder that cannot exist (its parent is a file): unwritable, even for root."""
    (tmp_path / "file.txt").write_text("x")
    return tmp_path / "file.txt"


def test_plot_exports_to_unwritable_places_say_why_in_one_line(
        qtbot: QtBot, window: MainWindow, under_a_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    import app.widgets.plot_export as plot_export

    runs = window.show_page("runs")
    target = {"path": str(under_a_file / "loss.png")}
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (target["path"], "")))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: (a[3][0], True)))
    for action in runs.loss_panel.export_button.menu_actions:  # a panel without a handler
        target["path"] = str(under_a_file / f"loss.{action.kind}")
        action.run()
        says = ("no data to export",) if action.kind == "csv" else (
            target["path"], "file.txt is a file, not a folder")
        _assert_error(runs.message_bar, *says)
    assert plot_export.nearest_message_bar(runs.loss_panel.plot) == runs.message_bar.show_error

    target["path"] = "/proc/mendel-plot.png"  # File > Export plot, on the Runs page
    window.export_plot()
    _assert_error(window.message_bar, "/proc/mendel-plot.png", "does not take new files")


def test_network_runs_table_and_diagram_exports_say_why(
        qtbot: QtBot, window: MainWindow, under_a_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import app.widgets.network_diagram as network_diagram

    editor = window.show_page("network").editor
    assert not editor.save_to(under_a_file / "net.json")
    _assert_error(editor.messages, "net.json", "file.txt is a file, not a folder")
    monkeypatch.setattr(network_diagram.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(under_a_file / "net.svg"), "")))
    editor.diagram_panel.svg_button.click()
    _assert_error(editor.messages, "net.svg", "file.txt is a file, not a folder")
    runs = window.show_page("runs")
    runs.export_csv(str(under_a_file / "runs.csv"))
    _assert_error(runs.message_bar, "runs.csv", "file.txt is a file, not a folder")
