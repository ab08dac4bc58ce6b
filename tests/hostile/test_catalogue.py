"""The hostile catalogue (``tests.hostile.catalogue``) as tests: one per case, each run in
its own process under a memory cap and a time limit (``tests.hostile.runner``).

The default run (``make test``) runs the fast cases, a few seconds in all; the slow ones
(big files, a gzip bomb) are marked ``hostile`` and run in ``make test-hostile``.
"""

from __future__ import annotations

import os

import pytest

from tests.hostile.catalogue import fast_names, slow_names
from tests.hostile.conftest import RESULTS
from tests.hostile.runner import Result, run

GOOD = ("clean", "accepted")
# the runner forks a capped child per case, and many cases are FIFOs: POSIX only
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and FIFOs")


def _results(names: list[str]) -> dict[str, Result]:
    results = {r.name: r for r in run(names)}
    RESULTS.update(results)
    return results


@pytest.fixture(scope="module")
def fast_results() -> dict[str, Result]:
    return _results(fast_names())


@pytest.fixture(scope="module")
def slow_results() -> dict[str, Result]:
    return _results(slow_names())


@pytest.mark.parametrize("name", fast_names())
def test_fast_case(name: str, fast_results: dict[str, Result]) -> None:
    result = fast_results[name]
    assert result.category in GOOD, f"{result.category}: {result.detail}"


@pytest.mark.hostile
@pytest.mark.parametrize("name", slow_names())
def test_slow_case(name: str, slow_results: dict[str, Result]) -> None:
    result = slow_results[name]
    assert result.category in GOOD, f"{result.category}: {result.detail}"


def test_the_catalogue_is_big_enough() -> None:
    """Issue 16 asks for at least 150 malformed inputs, fast and slow together."""
    assert len(fast_names()) + len(slow_names()) >= 150
