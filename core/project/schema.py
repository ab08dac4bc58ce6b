"""project.json: its versions, the migration between them, and one-line checks.

Version 1 was the bare session document (``AppState.to_document()``: ``{"version": 1,
"source": ...}``) that the first project files held. Version 2 wraps it::

    {"format": "mendel-project", "version": 2, "name": ..., "session": {...},
     "data": {"path": ..., "sha256": ..., "demo": ...} | null, "saved_at": ISO time}

``migrate`` upgrades an older document in memory (the file is rewritten only when the
user saves), and a newer one is refused with one line rather than half read. Every check
names the key and what was wrong, because a user who edited the file by hand must be able
to find the mistake from the message alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import ProjectError

FORMAT = "mendel-project"
VERSION = 2
PROJECT_FILE = "project.json"
SESSION_VERSION = 1  # app.state.DOCUMENT_VERSION (tests/app checks they agree)

# key -> (accepted types, what to call them in a message); None allowed where listed
_TOP_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "text"),
    "session": ((dict,), "an object"),
    "data": ((dict, type(None)), "an object or null"),
    "saved_at": ((str, type(None)), "text or null"),
}
_DATA_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "path": ((str,), "text"),
    "sha256": ((str, type(None)), "text or null"),
    "demo": ((bool,), "true or false"),
}
_OPTIONAL_DATA_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "absolute": ((str, type(None)), "text or null"),
    "kind": ((str,), "text"),
}


def read_document(path: Path) -> dict[str, Any]:
    """The parsed JSON object of ``path``; ``ProjectError`` (one line) if it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(f"no {path.name} here; is this a Mendel project folder?",
                           str(path.parent)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read: {exc}", str(path)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column "
                           f"{exc.colno}); fix it or open the autosave", str(path)) from None
    if not isinstance(doc, dict):
        raise ProjectError(f"expected a JSON object, found {_kind(doc)}", str(path))
    return doc


def migrate(doc: dict[str, Any], name: str = "") -> tuple[dict[str, Any], int]:
    """``doc`` as a version-2 document, checked, and the version it was written in.

    ``name`` is the project's name for a version-1 document (which had none). Raises
    ``ProjectError`` for a newer version or a document that does not fit the schema.
    """
    version = doc.get("version")
    if "format" not in doc:
        if version == 1:
            return _from_v1(doc, name), 1
        if isinstance(version, int) and version > VERSION:
            raise ProjectError(_newer(version))
        raise ProjectError("not a Mendel project: no 'format' key")
    if doc["format"] != FORMAT:
        raise ProjectError(f"not a Mendel project: 'format' is {doc['format']!r}, expected "
                           f"{FORMAT!r}")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectError("missing key 'version'" if "version" not in doc else
                           f"'version' should be a whole number, not {_kind(version)}")
    if version > VERSION:
        raise ProjectError(_newer(version))
    if version < 2:
        raise ProjectError(f"'version' {version} with a 'format' key is not a known layout")
    check(doc)
    return doc, version


def check(doc: dict[str, Any]) -> None:
    """Raise ``ProjectError`` naming the first missing key or wrong type of a v2 document."""
    _check_keys(doc, _TOP_KEYS, "")
    data = doc["data"]
    if data is not None:
        _check_keys(data, _DATA_KEYS, "data.")
        for key, (types, words) in _OPTIONAL_DATA_KEYS.items():
            if key in data and not isinstance(data[key], types):
                raise ProjectError(f"'data.{key}' should be {words}, not {_kind(data[key])}")
    session = doc["session"]
    if "source" in session and not isinstance(session["source"], (str, type(None))):
        raise ProjectError(f"'session.source' should be text or null, not "
                           f"{_kind(session['source'])}")


def _check_keys(obj: dict[str, Any], keys: dict[str, tuple[tuple[type, ...], str]],
                prefix: str) -> None:
    for key, (types, words) in keys.items():
        if key not in obj:
            raise ProjectError(f"missing key '{prefix}{key}'")
        value = obj[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ProjectError(f"'{prefix}{key}' should be {words}, not {_kind(value)}")


def _from_v1(session: dict[str, Any], name: str) -> dict[str, Any]:
    """Wrap a bare session document; its data hash is unknown (never "changed")."""
    source = session.get("source")
    if not isinstance(source, (str, type(None))):
        raise ProjectError(f"'source' should be text or null, not {_kind(source)}")
    data = None
    if source:
        demo = source.startswith("demo:")
        data = {"path": source, "sha256": None, "demo": demo,
                "absolute": None if demo else source}
    return {"format": FORMAT, "version": VERSION, "name": name, "session": dict(session),
            "data": data, "saved_at": None}


def _newer(version: int) -> str:
    return (f"made by a newer Mendel (project version {version}; this Mendel reads up to "
            f"{VERSION}); update Mendel to open it")


def _kind(value: Any) -> str:
    """A JSON value's type in words: 'a number', 'a list'..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
