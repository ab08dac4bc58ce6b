"""tests/core imports no Qt: a guard that fails a core test module, a core test, or a
core-only run that reaches for Qt, pyqtgraph or a GUI module of ``app``.

Why it is built this way:

- pytest-qt, installed for tests/app, imports PySide6 (QtCore, QtGui, QtTest, QtWidgets)
  and shiboken6 when pytest configures itself, in every session, so "PySide6 is in
  ``sys.modules``" alone proves nothing. The guard looks at what is *newly* loaded, and
  it watches pyqtgraph and the GUI part of ``app`` (all but the command line) too.
- ``make test`` runs tests/core and tests/app in one session, and collecting tests/app
  imports the GUI before the first core test runs: by then a core test that imports Qt
  loads nothing new. So while each core module is imported (collection) and while each
  core test runs (setup to teardown), every ``import`` statement is also watched: one
  run by core code, a core test or the headless command line that names a Qt module
  fails that module or test, whatever is loaded already.
- A run of tests/core alone is also checked as a whole at the end (session-scoped
  fixtures and anything else no single test owns).
"""

from __future__ import annotations

import builtins
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CORE_TESTS = Path(__file__).parent
QT_PACKAGES = ("PySide6", "shiboken6", "pyqtgraph")
# The part of app that runs without Qt: the ``mendel`` command line, but its picture writer
# (app.commands.pictures draws with Qt, and is imported only for --out).
HEADLESS_APP = ("app.__main__", "app.cli", "app.commands")
GUI_COMMANDS = "app.commands.pictures"

_before_test = pytest.StashKey[frozenset[str]]()
_named_in_test = pytest.StashKey[set[str]]()
_at_session_start: frozenset[str] = frozenset()


def qt_modules() -> frozenset[str]:
    """Loaded modules that mean "Qt is in this process": bindings, pyqtgraph, GUI app code."""
    return frozenset(name for name in list(sys.modules) if _is_qt(name))


def _is_qt(name: str) -> bool:
    top = name.split(".")[0]
    if top in QT_PACKAGES:
        return True
    if top != "app" or name == "app":
        return False
    return _under(name, GUI_COMMANDS) or not any(_under(name, h) for h in HEADLESS_APP)


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@contextmanager
def qt_imports() -> Iterator[set[str]]:
    """The Qt modules that ``import`` statements outside Qt-land name while it is open."""
    seen: set[str] = set()
    original = builtins.__import__

    def watching(name: str, globals: Any = None, locals: Any = None,  # noqa: A002
                 fromlist: Any = (), level: int = 0) -> Any:
        importer = (globals or {}).get("__name__", "")
        if not _is_qt(importer) and not importer.startswith(_INFRASTRUCTURE):
            seen.update(_named(name, globals, fromlist, level))
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = watching
    try:
        yield seen
    finally:
        builtins.__import__ = original


_INFRASTRUCTURE = ("_pytest", "pytest", "pluggy", "pytestqt")


def _named(name: str, globals: Any, fromlist: Any, level: int) -> set[str]:
    """The Qt modules among those an import statement names (``from app import plots``
    names app.plots)."""
    if level:
        try:
            name = importlib.util.resolve_name("." * level + name,
                                               (globals or {}).get("__package__") or "")
        except (ImportError, ValueError):
            return set()
    names = [name, *(f"{name}.{f}" for f in (fromlist or ()) if f != "*")]
    return {n for n in names if _is_qt(n)}


def _message(what: str, loaded: frozenset[str] | set[str]) -> str:
    shown = ", ".join(sorted(loaded)[:8]) + (" ..." if len(loaded) > 8 else "")
    return (f"{what} loaded Qt ({shown}); tests/core must run without Qt: keep the GUI "
            "out of core, or move this test to tests/app")


def _in_core(path: Path) -> bool:
    return CORE_TESTS in (path, *path.parents)


def pytest_sessionstart(session: pytest.Session) -> None:
    global _at_session_start
    _at_session_start = qt_modules()  # what pytest-qt (and other plugins) loaded


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """A core test module that imports Qt fails to collect, naming what it loaded."""
    if not (isinstance(collector, pytest.Module) and _in_core(collector.path)):
        return (yield)
    before = qt_modules()
    with qt_imports() as named:
        report = yield
    new = (qt_modules() - before) | named
    if new and report.outcome == "passed":
        report.outcome = "failed"
        report.longrepr = _message(f"importing {collector.path.name}", new)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Watch a core test from before its setup to after its teardown (its fixtures too)."""
    if not _in_core(item.path):  # this hook is called for every test, tests/app's too
        return (yield)
    item.stash[_before_test] = qt_modules()
    with qt_imports() as named:
        item.stash[_named_in_test] = named
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """After its teardown, a core test that reached for Qt (itself or through its
    fixtures) is reported as an error."""
    report = yield
    if call.when == "teardown" and _before_test in item.stash:
        new = (qt_modules() - item.stash[_before_test]) | item.stash[_named_in_test]
        if new and report.outcome == "passed":
            report.outcome = "failed"
            report.longrepr = _message(item.nodeid, frozenset(new))
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run of tests/core alone must end without Qt loaded beyond what plugins loaded."""
    items = getattr(session, "items", [])
    if not items or not all(_in_core(item.path) for item in items):
        return  # tests/app ran too: it loads Qt on purpose (each core test was checked)
    new = qt_modules() - _at_session_start
    if new:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(_message("the tests/core run", new), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
