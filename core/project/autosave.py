"""Autosave: the session written to a side file after each run and every minute while it
has unsaved changes, so a crash loses at most a minute of choices.

The side file sits next to the project (``NAME.mendel.autosave.json``), not inside it: a
project folder copied or zipped while the app runs then holds only what the user saved.
An unsaved session autosaves into the app's config folder. Reading is forgiving (absent,
damaged or newer: None), because restoring is an offer, never a requirement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.errors import ProjectError
from core.project.project import write_durable

AUTOSAVE_FORMAT = "mendel-autosave"
AUTOSAVE_VERSION = 2
UNSAVED_NAME = "session.autosave.json"


@dataclass(frozen=True)
class Autosave:
    """An autosave read back: the session document and the project it belongs to."""

    path: Path
    session: dict[str, Any]
    project: Path | None  # None: an unsaved session
    saved_at: str


def autosave_path(project_folder: str | Path | None, fallback_dir: str | Path) -> Path:
    """The side file of ``project_folder``, or of an unsaved session in ``fallback_dir``."""
    if project_folder is None:
        return Path(fallback_dir) / UNSAVED_NAME
    folder = Path(project_folder)
    return folder.with_name(folder.name + ".autosave.json")


def write_autosave(path: str | Path, session_doc: dict[str, Any],
                   project_folder: str | Path | None = None) -> Path:
    """Write the autosave atomically; returns its path."""
    doc = {"format": AUTOSAVE_FORMAT, "version": AUTOSAVE_VERSION,
           "project": None if project_folder is None else str(project_folder),
           "session": session_doc,
           "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    try:
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        write_durable(Path(path), text)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"the session cannot be saved as JSON ({exc})") from None
    except OSError as exc:
        raise ProjectError(f"cannot autosave: {exc.strerror or exc}", str(path)) from None
    return Path(path)


def read_autosave(path: str | Path) -> Autosave | None:
    """The autosave at ``path``, or None when there is none or it cannot be used."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if (not isinstance(doc, dict) or doc.get("format") != AUTOSAVE_FORMAT
            or not isinstance(doc.get("version"), int) or doc["version"] > AUTOSAVE_VERSION
            or not isinstance(doc.get("session"), dict)):
        return None
    project = doc.get("project")
    return Autosave(path=path, session=doc["session"],
                    project=Path(project) if isinstance(project, str) else None,
                    saved_at=str(doc.get("saved_at") or ""))


def discard_autosave(path: str | Path) -> None:
    """Remove the autosave (after a save, or when the user declines to restore it)."""
    Path(path).unlink(missing_ok=True)
