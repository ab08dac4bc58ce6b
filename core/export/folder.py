"""A run folder is whole, or it is refused.

``save_bundle`` writes a run into a hidden sibling (``.NAME.saving-<id>``), writes
``manifest.json`` (every file's name, size and sha256) last, and only then moves the
folder into place: by an atomic exchange where Linux offers one (``renameat2``), else by
two renames. A kill at any moment leaves either the previous folder at that path,
untouched, or the new complete one; what is left beside it is a hidden ``.saving-``
folder, removed by the next save to the same place.

Readers (``load_bundle``: predict, evaluate, Open run, explain) call ``verify_run``: a
folder without a manifest is incomplete (a run killed while it trained holds only its
checkpoint); a listed file that is missing, of another size, or (for the files a reader
uses) of another sha256 means the folder was altered. Either is one line saying so.

Only Mendel's own files are ever replaced or removed: ``check_target`` refuses a folder
that holds anything else, also with ``overwrite``, and an existing run needs
``overwrite``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.atomic import write_text_atomic
from core.errors import ExportError

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "mendel-run-manifest/1"
RUN_FILE = "run.json"  # the project's name, note and star for a run: edited later, unlisted
CHECKPOINT_DIR = "checkpoint"
# every name a run folder of Mendel's may hold (besides checkpoint/ and its files)
RUN_FILES = frozenset({
    "network.json", "preprocessing.json", "train_config.json", "model.safetensors",
    "model.onnx", "model.torchscript.pt", "history.csv", "metrics.json", "MODEL_CARD.md",
    MANIFEST_FILE, RUN_FILE,
})
_SAVING = ".saving-"
_CHUNK = 1 << 20
_MAX_MANIFEST_BYTES = 1 << 20  # a manifest lists a dozen files; more is not ours


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    """Every regular file under ``folder``, as POSIX paths relative to it, sorted."""
    found = []
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def write_manifest(folder: Path) -> dict[str, Any]:
    """List every file of ``folder`` with size and sha256, but the manifest, run.json and
    the checkpoint: predictions never read it, a user may delete it to save space, and
    ``core.train.checkpoint`` keeps its own pair of files consistent."""
    listed = {}
    for rel in _files(folder):
        if rel in (MANIFEST_FILE, RUN_FILE) or rel.startswith(f"{CHECKPOINT_DIR}/"):
            continue
        path = folder / rel
        listed[rel] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    manifest = {"format": MANIFEST_FORMAT, "files": listed}
    write_text_atomic(folder / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(folder: Path) -> dict[str, dict[str, Any]] | None:
    """The manifest's files (name -> {size, sha256}), None when there is none;
    ``ExportError`` when it is not one."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > _MAX_MANIFEST_BYTES:
            raise ValueError("too large")
        obj = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(obj, dict) or obj.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a run manifest")
        files = obj["files"]
        if not isinstance(files, dict) or not all(
                isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("size"), int)
                and isinstance(v.get("sha256"), str) for k, v in files.items()):
            raise ValueError("malformed file list")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, RecursionError) as exc:
        raise ExportError(f"{MANIFEST_FILE} is damaged ({exc}); the run was altered: "
                          "export or train it again", str(folder)) from None
    return files


def verify_run(folder: Path, hashed: Iterable[str]) -> None:
    """``ExportError`` unless ``folder`` is a whole run as its manifest lists it: every
    file present with its size, and the files in ``hashed`` (those the reader uses) with
    their sha256. Files the manifest does not list are ignored (a user's notes)."""
    files = read_manifest(folder)
    if files is None:
        resume = (f"; continue it with 'mendel train --resume {folder} --epochs N'"
                  if (folder / CHECKPOINT_DIR).is_dir() else "")
        raise ExportError(f"the run is incomplete (no {MANIFEST_FILE}): its training or "
                          f"export was interrupted{resume}, or train it again", str(folder))
    for rel, entry in files.items():
        path = folder / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise ExportError(f"{MANIFEST_FILE} names a file outside the run ({rel}); the "
                              "run was altered", str(folder))
        if not path.is_file():
            raise ExportError(f"the run is incomplete: {rel} is missing; export or train "
                              "it again", str(folder))
        if path.stat().st_size != entry["size"]:
            raise ExportError(f"the run was altered: {rel} is not the file that was saved "
                              "(its size differs); export or train it again", str(folder))
    for rel in hashed:
        entry = files.get(rel)
        if not (folder / rel).is_file():
            raise ExportError(f"the run is incomplete: {rel} is missing; export or train "
                              "it again", str(folder))
        if entry is None:
            raise ExportError(f"the run was altered: {MANIFEST_FILE} does not list {rel}",
                              str(folder))
        if sha256_file(folder / rel) != entry["sha256"]:
            raise ExportError(f"the run was altered: {rel} is not the file that was saved "
                              "(its sha256 differs); export or train it again", str(folder))


def foreign_files(folder: Path) -> list[str]:
    """What in ``folder`` Mendel did not write (sorted; a checkpoint/ folder is ours)."""
    found = []
    for entry in sorted(os.listdir(folder)):
        path = folder / entry
        if entry == CHECKPOINT_DIR and path.is_dir() and not path.is_symlink():
            if any(not _checkpoint_name(n) for n in os.listdir(path)):
                found.append(entry + "/")
        elif _left_by_write(entry):
            continue  # a temporary file of an older, interrupted save
        elif entry not in RUN_FILES or not path.is_file() or path.is_symlink():
            found.append(entry)
    return found


def _left_by_write(name: str) -> bool:
    """``core.atomic``'s temporary name (``.NAME.<hex>.part``) of one of the run's files."""
    parts = name.split(".")
    return (name.startswith(".") and name.endswith(".part") and len(parts) >= 4
            and ".".join(parts[1:-2]) in RUN_FILES)


def _checkpoint_name(name: str) -> bool:
    return name == "checkpoint.json" or (name.startswith(("checkpoint-e", ".checkpoint"))
                                         and (name.endswith((".safetensors", ".part"))))


def check_target(out: Path, overwrite: bool) -> None:
    """``ExportError`` unless a run may be saved at ``out``: absent, an empty folder, or
    (with ``overwrite``) a folder of Mendel's run files only."""
    if not out.exists():
        if out.is_symlink():
            raise ExportError("is a broken link; choose another folder", str(out))
        return
    if not out.is_dir():
        raise ExportError("exists and is not a folder; choose another --out", str(out))
    try:
        content = os.listdir(out)
    except OSError as exc:
        raise ExportError(f"cannot read the folder ({exc.strerror or exc})", str(out)) from None
    if not content:
        return
    others = foreign_files(out)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise ExportError(f"the folder holds files Mendel did not write ({shown}); a run "
                          "replaces only a run folder: choose an empty or new folder",
                          str(out))
    if not overwrite:
        what = "a run" if (out / MANIFEST_FILE).exists() else "an unfinished run"
        raise ExportError(f"the folder already holds {what}; choose another folder, or "
                          "replace it with --overwrite", str(out))


def staging_folder(out: Path) -> Path:
    """A new hidden sibling to write a run into; stale ones of ``out`` are removed first."""
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out.name}{_SAVING}"
    for entry in os.listdir(parent):  # left by a save that was killed: never a user's
        if entry.startswith(prefix):
            shutil.rmtree(parent / entry, ignore_errors=True)
    folder = parent / f"{prefix}{secrets.token_hex(4)}"
    folder.mkdir()
    return folder


def move_into_place(staging: Path, out: Path) -> None:
    """Put the finished ``staging`` folder at ``out``; the old ``out`` (checked by
    ``check_target``) is removed only after the new one is in place."""
    if not out.exists():
        os.rename(staging, out)
        return
    if out.is_dir() and not os.listdir(out):
        os.rmdir(out)
        os.rename(staging, out)
        return
    if _exchange(staging, out):  # staging now holds the old run
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = out.with_name(f".{out.name}{_SAVING}old-{secrets.token_hex(4)}")
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is not available."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                       _RENAME_EXCHANGE)
    return result == 0
