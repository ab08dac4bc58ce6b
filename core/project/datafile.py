"""The project's data: where it is (relative to the project when it can be) and whether it
is still the data the project was saved with.

The path is stored relative to the project folder when the data lies under the folder
that holds the project, so a project moved together with its data (a course folder copied
to another computer) still finds it; elsewhere it is absolute. The content hash is the one
the loaders record in ``Provenance.sha256`` (``core.data.dataset.sha256_of_path``), so a
run's model card and its project agree on what "the same data" means.

Hashes are cached per (path, size, modification time) for this process: an autosave or a
second save of a large file does not read it again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DataStatus = str  # "ok", "missing", "changed", "demo", or "none" (no data chosen)
_hash_cache: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class DataCheck:
    """Where the data was found (None: demo, no data, or gone) and what to tell the user."""

    path: Path | None
    status: DataStatus
    message: str


def content_hash(path: Path) -> str:
    """sha256 of a file's bytes (streamed) or of a folder's sorted files with their names."""
    from core.data.dataset import sha256_of_path  # numpy: only when a hash is needed

    if path.is_dir():
        return sha256_of_path(path)
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _hash_cache:
        _hash_cache[key] = sha256_of_path(path)
    return _hash_cache[key]


def data_record(source: str | None, project: Path, sha256: str | None = None
                ) -> dict[str, Any] | None:
    """The ``data`` entry of project.json for ``source`` (a path or "demo:NAME")."""
    if not source:
        return None
    if source.startswith("demo:"):
        return {"path": source, "sha256": None, "demo": True}
    absolute = Path(os.path.abspath(source))
    stored = str(absolute)
    if _is_under(absolute, project.parent):
        stored = Path(os.path.relpath(absolute, project)).as_posix()
    if sha256 is None and absolute.exists():
        sha256 = content_hash(absolute)
    return {"path": stored, "absolute": str(absolute), "sha256": sha256, "demo": False,
            "kind": "folder" if absolute.is_dir() else "file"}


def check_data(record: dict[str, Any] | None, project: Path, verify: bool = True) -> DataCheck:
    """Find the recorded data from ``project`` and compare its hash (unless not ``verify``).

    The relative path is tried first (the project moved with its data), then the absolute
    path it had when saved (the project moved alone)."""
    if record is None:
        return DataCheck(None, "none", "")
    if record.get("demo"):
        return DataCheck(None, "demo", f"built-in demo data ({record['path']})")
    stored = Path(record["path"])
    primary = stored if stored.is_absolute() else Path(os.path.normpath(project / stored))
    candidates = [primary]
    if record.get("absolute") and Path(record["absolute"]) != primary:
        candidates.append(Path(record["absolute"]))
    kind = "folder" if record.get("kind") == "folder" else "file"
    found = next((c for c in candidates if c.exists()), None)
    if found is None:
        return DataCheck(primary, "missing", f"data {kind} {primary} is gone; locate it")
    return _compare(found, record.get("sha256"), kind, verify)


def check_path(path: Path, sha256: str | None) -> DataCheck:
    """A data path the user located: is it the data the project was saved with?"""
    path = Path(os.path.abspath(path))
    if not path.exists():
        return DataCheck(path, "missing", f"data file {path} is gone; locate it")
    return _compare(path, sha256, "folder" if path.is_dir() else "file", True)


def _compare(path: Path, sha256: str | None, kind: str, verify: bool) -> DataCheck:
    if verify and sha256 and content_hash(path) != sha256:
        return DataCheck(path, "changed", f"data {kind} {path} changed since the project was "
                         "saved (sha256 differs)")
    return DataCheck(path, "ok", f"data {kind} {path}")


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(Path(os.path.abspath(folder)))
    except ValueError:
        return False
    return True
