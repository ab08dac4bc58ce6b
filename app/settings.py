"""Where the user's settings live, and the folders the file dialogs remember.

Settings are an INI file in the user's configuration folder (tests point
``QSettings.setPath`` at a temporary folder). A file dialog opens where that kind of file
was last chosen (data, exports, networks), else beside the loaded data, else in the home
folder: never in the program's own working folder, which means nothing to a user.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "Mendel"
APPLICATION = "Mendel"
DIALOG_KINDS = ("data", "export", "network")
MEMORY_BUDGET_KEY = "engine/memory_budget"  # "" or a size such as "8G" (core.budget)


def app_settings() -> QSettings:
    """The user's settings."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                     APPLICATION)


def dialog_dir(kind: str, source: str | None = None) -> str:
    """The folder a ``kind`` file dialog starts in (``source``: the loaded data, if any)."""
    remembered = app_settings().value(f"dialogs/{kind}", "")
    if isinstance(remembered, str) and remembered and Path(remembered).is_dir():
        return remembered
    if source and not source.startswith("demo:"):
        path = Path(source)
        folder = path if path.is_dir() else path.parent
        if folder.is_dir():
            return str(folder)
    return str(Path.home())


def dialog_path(kind: str, name: str, source: str | None = None) -> str:
    """A suggested file ``name`` inside the folder ``dialog_dir`` picks."""
    return str(Path(dialog_dir(kind, source)) / name)


def remember_dialog_dir(kind: str, chosen: str) -> None:
    """Keep the folder of a path the user chose in a ``kind`` dialog."""
    if not chosen:
        return
    path = Path(chosen)
    folder = path if path.is_dir() else path.parent
    settings = app_settings()
    settings.setValue(f"dialogs/{kind}", str(folder))
    settings.sync()


def memory_budget_setting() -> str:
    """The memory budget chosen in Preferences ("" when never set: the default)."""
    value = app_settings().value(MEMORY_BUDGET_KEY, "")
    return value.strip() if isinstance(value, str) else ""


def apply_memory_budget_setting(text: str | None = None) -> None:
    """Save ``text`` (when given; "" for the default) as the memory budget and apply it;
    without ``text``, apply the saved one (call it when the app starts). A saved value
    that no longer parses is ignored, so a hand-edited settings file cannot stop the app
    from starting. Raises ``MendelError`` for a ``text`` that is not a size."""
    from core.budget import set_memory_budget
    from core.errors import MendelError

    if text is not None:
        text = text.strip()
        set_memory_budget(text or None, "in Preferences")  # refuses a bad size before saving
        settings = app_settings()
        settings.setValue(MEMORY_BUDGET_KEY, text)
        settings.sync()
        return
    saved = memory_budget_setting()
    if not saved:  # never set: leave what --memory-budget or the variable chose
        return
    try:
        set_memory_budget(saved, "in Preferences")
    except MendelError:
        pass
