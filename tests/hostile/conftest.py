"""The hostile suite's table at the end of a run: how each catalogue case ended, by family
(the same table ``python -m tests.hostile.report`` prints)."""

from __future__ import annotations

import pytest

from tests.hostile.runner import Result

RESULTS: dict[str, Result] = {}  # filled by test_catalogue's fixtures, read at the end


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    from tests.hostile.report import table

    terminalreporter.section("hostile inputs")
    terminalreporter.write_line(table(list(RESULTS.values())))
