"""A project folder ``NAME.mendel/``: ``project.json`` (the session), ``runs/``, ``trash/``.

``save_project`` writes project.json atomically and durably (a temporary file, flushed to
disk, then renamed over the old one), so a crash or a kill mid-save leaves the previous
project or the new one, never a mixture. ``open_project`` reads, migrates and checks it
and finds the data; a damaged file is one ``ProjectError`` line, never a traceback.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.atomic import write_atomic
from core.errors import ProjectError
from core.project.datafile import DataStatus, check_data, check_path, data_record
from core.project.schema import FORMAT, PROJECT_FILE, VERSION, migrate, read_document

SUFFIX = ".mendel"
RUNS_DIR = "runs"
TRASH_DIR = "trash"


@dataclass(frozen=True)
class OpenedProject:
    """A project read back. ``session`` is ready for ``AppState.apply_document``: its
    ``source`` is the data's resolved absolute path (or "demo:NAME", or None)."""

    folder: Path
    name: str
    session: dict[str, Any]
    data_status: DataStatus  # "ok", "missing", "changed", "demo", "none" (no data)
    data_message: str  # one line for the user ("" when there is no data)
    data_path: Path | None  # where the data is (or was expected, when missing)
    saved_at: str | None
    version: int  # the version the file was written in (1: migrated on open)
    document: dict[str, Any]  # the version-2 document as read (migrated)

    @property
    def runs_dir(self) -> Path:
        return self.folder / RUNS_DIR


def project_folder(path: str | Path) -> Path:
    """``path`` as a project folder: an existing project as it is, else with ``.mendel``."""
    path = Path(os.path.abspath(path))
    if path.suffix == SUFFIX or (path / PROJECT_FILE).is_file():
        return path
    return path.with_name(path.name + SUFFIX)


def project_name(folder: Path) -> str:
    return folder.name[: -len(SUFFIX)] if folder.name.endswith(SUFFIX) else folder.name


def save_project(folder: str | Path, session_doc: dict[str, Any],
                 data_source: str | None = None, *, sha256: str | None = None,
                 name: str | None = None) -> Path:
    """Write the project (creating its folders); returns the project folder.

    ``data_source`` defaults to the session's ``source``; ``sha256`` is its content hash
    when the caller knows it (``Dataset.provenance.sha256``), else it is computed."""
    root = project_folder(folder)
    if root.exists() and not root.is_dir():
        raise ProjectError("exists and is not a folder; choose another name", str(root))
    source = session_doc.get("source") if data_source is None else data_source
    try:
        doc = {"format": FORMAT, "version": VERSION, "name": name or project_name(root),
               "session": copy.deepcopy(session_doc),
               "data": data_record(source, root, sha256),
               "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"the session cannot be saved as JSON ({exc})") from None
    try:
        for sub in (RUNS_DIR, TRASH_DIR):
            (root / sub).mkdir(parents=True, exist_ok=True)
        _remove_leftovers(root)
        write_durable(root / PROJECT_FILE, text)
    except OSError as exc:
        raise ProjectError(f"cannot save: {exc.strerror or exc}", str(root)) from None
    return root


def open_project(folder: str | Path, verify: bool = True) -> OpenedProject:
    """Read ``folder``'s project.json; ``verify=False`` skips hashing the data."""
    root = Path(os.path.abspath(folder))
    if not root.is_dir():
        raise ProjectError("no such project folder", str(root))
    path = root / PROJECT_FILE
    doc = read_document(path)
    try:
        doc, version = migrate(doc, project_name(root))
    except ProjectError as exc:
        raise ProjectError(str(exc), str(path)) from None
    found = check_data(doc["data"], root, verify)
    session = copy.deepcopy(doc["session"])
    if found.path is not None:  # found, or where it was expected (missing)
        session["source"] = str(found.path)
    return OpenedProject(folder=root, name=doc["name"] or project_name(root), session=session,
                         data_status=found.status, data_message=found.message,
                         data_path=found.path, saved_at=doc["saved_at"], version=version,
                         document=doc)


def relocate(opened: OpenedProject, new_path: str | Path) -> OpenedProject:
    """The project with its data at ``new_path`` (chosen by the user): the session's
    source points there and the status says whether the content is the saved one. Nothing
    is written; saving the project records the new place."""
    data = opened.document.get("data") or {}
    found = check_path(Path(new_path), data.get("sha256"))
    session = {**opened.session, "source": str(found.path)}
    return replace(opened, session=session, data_status=found.status,
                   data_message=found.message, data_path=found.path)


def write_durable(path: Path, text: str) -> None:
    """Atomic (``core.atomic``) and flushed to disk before the rename, so the new name
    never points at data the disk has not received."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    write_atomic(path, write)
    try:  # the rename itself, where the OS lets a folder be flushed
        fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_leftovers(root: Path) -> None:
    """Temporary files of saves that were killed before their rename."""
    for tmp in root.glob(f".{PROJECT_FILE}.*.part"):
        tmp.unlink(missing_ok=True)
