"""The memory budget field in Preferences: a size is saved and applied, a bad one keeps the
dialog open with its reason, Restore defaults goes back to the default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.settings import apply_memory_budget_setting, memory_budget_setting
from app.widgets.preferences import PreferencesDialog
from core import budget


@pytest.fixture(autouse=True)
def _default_budget() -> Iterator[None]:
    yield
    budget.set_memory_budget(None)
    apply_memory_budget_setting("")


def test_a_size_is_saved_and_applied(qtbot) -> None:
    dialog = PreferencesDialog(1)
    qtbot.addWidget(dialog)
    dialog.memory.setText("3G")
    dialog.accept()
    assert dialog.result() == PreferencesDialog.DialogCode.Accepted
    assert memory_budget_setting() == "3G"
    assert budget.memory_budget() == 3 << 30
    assert "in Preferences" in budget.budget_reason()


def test_a_bad_size_keeps_the_dialog_open_with_the_reason(qtbot) -> None:
    apply_memory_budget_setting("2G")
    dialog = PreferencesDialog(1)
    qtbot.addWidget(dialog)
    dialog.memory.setText("lots")
    dialog.accept()
    assert dialog.result() != PreferencesDialog.DialogCode.Accepted
    assert not dialog.memory_error.isHidden()
    assert "'lots' is not a size" in dialog.memory_error.text()
    assert memory_budget_setting() == "2G"  # nothing lost


def test_restore_defaults_clears_the_budget(qtbot) -> None:
    apply_memory_budget_setting("2G")
    dialog = PreferencesDialog(1)
    qtbot.addWidget(dialog)
    assert dialog.memory.text() == "2G"
    dialog.restore_defaults()
    dialog.accept()
    assert memory_budget_setting() == ""
    assert "of this computer's memory" in budget.budget_reason() or "limit" in \
        budget.budget_reason()


def test_the_saved_budget_is_applied_when_the_app_starts() -> None:
    apply_memory_budget_setting("1536M")
    budget.set_memory_budget(None)  # a fresh process
    apply_memory_budget_setting()
    assert budget.budget_reason().startswith("set in Preferences")
