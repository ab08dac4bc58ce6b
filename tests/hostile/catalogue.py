"""The hostile-input catalogue: malformed files for every loader, each with its expected
outcome.

A ``Case`` writes its input under a fresh folder (at test time: no binaries are committed)
and says what Mendel must do with it: refuse it with a clean ``MendelError`` that names the
file (``Refuse``), or read it with a stated result (``Accept``). The cases are generated
by the ``cases_*`` modules; ``CASES`` holds them all, by name. ``tests.hostile.runner`` runs
them under a memory cap and a time limit, ``tests.hostile.report`` prints the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.data.options import LoadOptions

# (source given to load_dataset, options); the builder writes the files under its folder
Built = tuple[str, LoadOptions]
Builder = Callable[[Path], Built]
# what is wrong with a loaded dataset (and its summary), or None when all is as stated
Check = Callable[[Any, dict[str, Any]], str | None]


@dataclass(frozen=True)
class Refuse:
    """A clean refusal: a ``MendelError`` naming the file, its message holding ``says``
    (each, case-insensitive)."""

    says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accept:
    """Read, with the stated result: ``n`` samples, these ``classes``, a warning holding
    each of ``warns``, and whatever ``check`` asks."""

    n: int | None = None
    classes: list[str] | None = None
    task: str | None = None
    warns: tuple[str, ...] = ()
    check: Check | None = None

    def problems(self, ds: Any, summary: dict[str, Any]) -> str | None:
        """What differs from the stated result, or None."""
        if self.n is not None and len(ds) != self.n:
            return f"{len(ds)} samples, expected {self.n}"
        if self.classes is not None and ds.class_names != self.classes:
            return f"classes {ds.class_names}, expected {self.classes}"
        if self.task is not None and ds.task != self.task:
            return f"task {ds.task}, expected {self.task}"
        text = " | ".join(summary.get("warnings", [])).lower()
        for w in self.warns:
            if w.lower() not in text:
                return f"no warning saying {w!r} (warnings: {text[:200] or 'none'})"
        return self.check(ds, summary) if self.check else None


@dataclass(frozen=True)
class Case:
    """One hostile input. ``slow`` cases run only in ``make test-hostile``."""

    name: str  # "family/what", unique
    build: Builder
    expect: Refuse | Accept
    slow: bool = False
    timeout_s: float = 20.0
    memory_mb: int = 1536


def _collect() -> dict[str, Case]:
    from tests.hostile import cases_images, cases_sequences, cases_special, cases_tables

    cases: dict[str, Case] = {}
    for module in (cases_tables, cases_sequences, cases_images, cases_special):
        for case in module.cases():
            if case.name in cases:
                raise ValueError(f"two hostile cases are called {case.name!r}")
            cases[case.name] = case
    return cases


CASES: dict[str, Case] = _collect()


def fast_names() -> list[str]:
    return [name for name, case in CASES.items() if not case.slow]


def slow_names() -> list[str]:
    return [name for name, case in CASES.items() if case.slow]
