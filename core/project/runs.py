"""A project's runs: one bundle folder per training under ``runs/``, listed as table rows.

``list_runs`` reads only the small JSON files of each run (metrics.json,
train_config.json, network.json and the run's own run.json for its name, note and star),
never the weights or history.csv, so a project of many runs opens at once; the curves
come separately from ``history``. A run folder that lacks a file the bundle always
writes, or holds a damaged one, is a row with status "incomplete" and says what is
missing: it is shown, never used silently, and never stops the others from listing.

This module imports neither torch nor pandas (the bundle's file names are repeated here;
tests check they agree with ``core.export.bundle``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.atomic import write_text_atomic
from core.errors import ProjectError

NETWORK_FILE = "network.json"
CONFIG_FILE = "train_config.json"
METRICS_FILE = "metrics.json"
WEIGHTS_FILE = "model.safetensors"
HISTORY_FILE = "history.csv"
RUN_FILE = "run.json"  # the project's own facts about a run: name, note, star
REQUIRED = (NETWORK_FILE, CONFIG_FILE, METRICS_FILE, WEIGHTS_FILE)
TEST_METRICS = {"classification": ("accuracy", "f1_macro"), "regression": ("r2", "mae"),
                "reconstruct": ("r2", "mse")}
STATUS = {"completed": "completed", "stopped": "stopped", "early_stopping": "early stopping",
          "nan": "failed", "failed": "failed"}
_ID = re.compile(r"^(\d+)-")


@dataclass
class RunRow:
    """One run as a row of the runs table. None: not known (an incomplete run)."""

    id: str  # the folder's name, e.g. "003-20260102-141500"
    path: Path
    name: str  # run.json's name, else the folder's name
    created: str  # ISO time
    status: str  # completed, stopped, early stopping, failed, incomplete
    problem: str = ""  # why a run is incomplete or failed, one line
    data: str = ""  # the dataset's name
    network: str = ""  # "Multilayer perceptron · 42 params"
    n_params: int | None = None
    task: str = ""
    epochs: int | None = None  # configured
    batch_size: int | str | None = None  # a number, "auto" or "full"
    optimizer: str = ""
    lr: float | None = None
    schedule: str = ""
    epochs_run: int | None = None
    best_val_loss: float | None = None
    best_epoch: int | None = None
    test: dict[str, float | None] = field(default_factory=dict)  # main test metric(s)
    duration: float | None = None  # seconds of training
    device: str = ""
    starred: bool = False
    note: str = ""


def runs_folder(project: str | Path) -> Path:
    return Path(project) / "runs"


def new_run_folder(project: str | Path) -> Path:
    """A new, empty run folder ``runs/NNN-YYYYmmdd-HHMMSS`` (numbers never reused, also
    after a run went to the trash)."""
    runs = runs_folder(project)
    runs.mkdir(parents=True, exist_ok=True)
    taken = [int(m.group(1)) for d in (runs, Path(project) / "trash") if d.is_dir()
             for name in os.listdir(d) if (m := _ID.match(name))]
    number = max(taken, default=0) + 1
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    while True:
        folder = runs / f"{number:03d}-{stamp}"
        try:
            folder.mkdir()
        except FileExistsError:
            number += 1
            continue
        return folder


def list_runs(project: str | Path) -> list[RunRow]:
    """Every run folder of the project, oldest first (by folder name)."""
    runs = runs_folder(project)
    if not runs.is_dir():
        return []
    folders = sorted(e.path for e in os.scandir(runs)
                     if e.is_dir() and not e.name.startswith("."))
    return [read_run(Path(f)) for f in folders]


def read_run(run: str | Path) -> RunRow:
    """One run's row; never raises for a damaged or half-written folder."""
    run = Path(run)
    try:
        present = set(os.listdir(run))
    except OSError as exc:
        return RunRow(id=run.name, path=run, name=run.name, created="",
                      status="incomplete", problem=f"cannot read the folder ({exc.strerror})")
    own = _json_or_none(run / RUN_FILE) if RUN_FILE in present else None
    own = own or {}
    docs: dict[str, dict[str, Any]] = {}
    missing = [f for f in REQUIRED if f not in present]
    problems = [f"missing {', '.join(missing)}"] if missing else []
    for f in (NETWORK_FILE, CONFIG_FILE, METRICS_FILE):
        if f in present:
            doc = _json_or_none(run / f)
            if doc is None:
                problems.append(f"{f} is damaged")
            else:
                docs[f] = doc
    row = RunRow(id=run.name, path=run, name=str(own.get("name") or run.name),
                 created=str(own.get("created") or ""), status="incomplete",
                 starred=bool(own.get("starred", False)), note=str(own.get("note") or ""))
    try:
        _fill(row, docs)
    except (TypeError, ValueError, AttributeError) as exc:  # a hand-edited value
        problems.append(f"unexpected value ({exc})")
    if problems:
        row.status = "incomplete" if not own.get("status") else str(own["status"])
        row.problem = "; ".join(problems)
    if not row.created:
        row.created = _mtime_iso(run)
    return row


def _fill(row: RunRow, docs: dict[str, dict[str, Any]]) -> None:
    metrics = docs.get(METRICS_FILE, {})
    config = docs.get(CONFIG_FILE, {})
    net = docs.get(NETWORK_FILE, {})
    row.created = str(metrics.get("created") or "") or row.created  # when it trained
    row.task = str(metrics.get("task") or net.get("task") or "")
    data = metrics.get("data")
    row.data = str(data.get("name") or "") if isinstance(data, dict) else ""
    row.n_params = _int(metrics.get("n_params"))
    if net:
        title = str(net.get("name") or net.get("preset") or "network")
        row.network = title + (f" \u00b7 {row.n_params:,} params" if row.n_params else "")
    if config:
        row.epochs = _int(config.get("epochs"))
        batch = config.get("batch_size")
        row.batch_size = "full" if batch is None else "auto" if batch == 0 else int(batch)
        row.optimizer = str(config.get("optimizer") or "")
        row.lr = _float(config.get("lr"))
        row.schedule = str(config.get("schedule") or "")
    if metrics:
        row.epochs_run = _int(metrics.get("epochs_run"))
        row.best_epoch = _int(metrics.get("best_epoch"))
        row.best_val_loss = _float(metrics.get("best_val_loss"))
        if row.best_val_loss is None and row.best_epoch:  # a run folder made before it
            row.best_val_loss = _best_from_history(row.path, row.best_epoch)
        test = metrics.get("test") or {}
        row.test = {k: _float(test.get(k)) for k in TEST_METRICS.get(row.task, ())}
        row.duration = _float(metrics.get("train_seconds"))
        row.device = str(metrics.get("device") or "")
        stopped = str(metrics.get("stopped_because") or "")
        row.status = STATUS.get(stopped, stopped.replace("_", " ") or "completed")
        if row.status == "failed":
            row.problem = str(metrics.get("message") or "")


def history(run: str | Path) -> dict[str, list[float | None]]:
    """history.csv's columns (epoch, train_loss, val_loss, lr, ...); {} when absent."""
    path = Path(run) / HISTORY_FILE
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns: dict[str, list[float | None]] = {c: [] for c in reader.fieldnames or []}
            for record in reader:
                for key, values in columns.items():
                    values.append(_float(record.get(key)))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return columns


def rename_run(run: str | Path, name: str) -> None:
    """Give the run a name ("" goes back to the folder's name)."""
    _update_own(run, name=" ".join(name.split()) or None)


def set_note(run: str | Path, note: str) -> None:
    _update_own(run, note=note.strip() or None)


def set_star(run: str | Path, starred: bool) -> None:
    _update_own(run, starred=bool(starred) or None)


def trash_run(run: str | Path) -> Path:
    """Move a run folder into the project's trash/ (under a free name); returns where."""
    run = Path(run)
    if not run.is_dir():
        raise ProjectError("no such run folder", str(run))
    if run.parent.name != "runs":
        raise ProjectError("is not a run of a project (not inside a runs/ folder)", str(run))
    trash = run.parent.parent / "trash"
    trash.mkdir(exist_ok=True)
    target, n = trash / run.name, 2
    while target.exists():
        target, n = trash / f"{run.name}-{n}", n + 1
    try:
        shutil.move(str(run), str(target))
    except OSError as exc:
        raise ProjectError(f"cannot move to the trash: {exc.strerror or exc}",
                           str(run)) from None
    return target


CSV_COLUMNS = ("id", "name", "created", "status", "data", "network", "n_params", "task",
               "epochs", "batch_size", "optimizer", "lr", "schedule", "epochs_run",
               "best_val_loss", "best_epoch", "duration", "device", "starred", "note",
               "problem")


def row_dict(row: RunRow) -> dict[str, Any]:
    """The row as plain JSON types (``mendel runs --json``), test metrics as test_<name>."""
    out: dict[str, Any] = {c: getattr(row, c) for c in CSV_COLUMNS}
    out.update({f"test_{k}": v for k, v in row.test.items()})
    out["path"] = str(row.path)
    return out


def runs_table_csv(rows: list[RunRow]) -> str:
    """The runs table as CSV: one column per field, test metrics as test_<name>."""
    metric_cols = list(dict.fromkeys(f"test_{k}" for r in rows for k in r.test))
    columns = [*CSV_COLUMNS[:16], *metric_cols, *CSV_COLUMNS[16:]]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = row_dict(row)
        writer.writerow({c: "" if values.get(c) is None else values[c] for c in columns})
    return buf.getvalue()


def _update_own(run: str | Path, **changes: Any) -> None:
    run = Path(run)
    if not run.is_dir():
        raise ProjectError("no such run folder", str(run))
    own = _json_or_none(run / RUN_FILE) or {}
    for key, value in changes.items():
        if value is None:
            own.pop(key, None)
        else:
            own[key] = value
    try:
        write_text_atomic(run / RUN_FILE, json.dumps(own, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ProjectError(f"cannot write {RUN_FILE}: {exc.strerror or exc}",
                           str(run)) from None


def _json_or_none(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def _best_from_history(run: Path, epoch: int) -> float | None:
    cols = history(run)
    for e, loss in zip(cols.get("epoch", []), cols.get("val_loss", []), strict=False):
        if e == epoch:
            return loss
    return None


def _mtime_iso(path: Path) -> str:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return ""
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds")


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
