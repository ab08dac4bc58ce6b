"""``mendel runs PROJECT``: the project's runs table (the Runs page, headless).

One line per run: name, status, when, data, network, key hyperparameters, epochs run,
the best validation loss and its epoch, the main test metric(s), duration and device.
``--json`` prints one JSON list of rows instead (for scripts); ``--csv`` the table as CSV.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from core.errors import ProjectError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "runs", help="list the runs of a project (PROJECT.mendel)",
        description="Print every run of a project folder made by the app or by 'mendel "
        "train --project': its name, status, network, key hyperparameters, best "
        "validation loss, test metrics, duration and device. A run folder missing files "
        "shows as incomplete.")
    p.add_argument("project", metavar="PROJECT", help="the project folder (NAME.mendel)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON list of rows (for scripts)")
    fmt.add_argument("--csv", action="store_true", help="the table as CSV")
    p.set_defaults(func=run_runs)


def run_runs(args: argparse.Namespace) -> int:
    from core.project import list_runs, open_project, row_dict, runs_table_csv

    opened = open_project(args.project, verify=False)
    if not opened.runs_dir.is_dir():
        raise ProjectError("has no runs/ folder; is this a Mendel project?", str(opened.folder))
    rows = list_runs(opened.folder)
    if args.json:
        print(json.dumps([row_dict(r) for r in rows]))
    elif args.csv:
        print(runs_table_csv(rows), end="")
    else:
        print(f"project {opened.name}: {len(rows)} run{'s' if len(rows) != 1 else ''}")
        if rows:
            print(table_text(rows))
    return 0


def table_text(rows: list[Any]) -> str:
    """The rows as aligned text columns."""
    header = ["run", "status", "created", "data", "network", "epochs", "batch", "optimizer",
              "lr", "schedule", "best val loss", "test", "time", "device", "note"]
    lines = [header]
    for r in rows:
        test = ", ".join(f"{k} {_num(v)}" for k, v in r.test.items() if v is not None)
        best = f"{_num(r.best_val_loss)} (epoch {r.best_epoch})" if r.best_val_loss is not None \
            else ""
        epochs = f"{_blank(r.epochs_run)}/{_blank(r.epochs)}" if r.epochs is not None else ""
        lines.append([("* " if r.starred else "") + r.name, r.status, r.created[:16].replace(
            "T", " "), r.data, r.network, epochs, _blank(r.batch_size), r.optimizer,
            _num(r.lr), r.schedule, best, test,
            "" if r.duration is None else f"{r.duration:.1f} s", r.device,
            r.note or r.problem])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
                     .rstrip() for line in lines)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _blank(value: Any) -> str:
    return "" if value is None else str(value)
