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
