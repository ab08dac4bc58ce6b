"""``mendel lr-find DATA``: the learning-rate finder (``core.select.lrfind``), headless.

A short run on a fresh copy of the network raises the learning rate from 1e-7 to 10,
batch by batch, and suggests a rate by fastai's valley rule. Prints the suggestion and a
table of the rates and smoothed losses; with ``--json`` the last line of stdout is one
JSON object (rates, raw and smoothed losses, suggestion).
"""

from __future__ import annotations

import argparse
import json

from app.commands.data_args import add_data_arguments
from app.commands.select import prepared_from_args
from app.commands.train import (
    add_config_arguments,
    add_network_arguments,
    add_split_arguments,
    config_from_args,
)

ROWS_SHOWN = 12  # rows of the printed table; --json has every step


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lr-find", help="suggest a learning rate from a short run of rising rates",
        description="Train a fresh copy of the network for a few dozen batches while the "
        "learning rate rises exponentially from --start-lr to --end-lr; stop when the loss "
        "blows up, and suggest the rate halfway down the longest descent of the smoothed "
        "loss (fastai's valley rule). Uses the training rows only.")
    add_data_arguments(p)
    add_network_arguments(p)
    t = p.add_argument_group("training (every TrainConfig option; lr is what is searched)")
    add_config_arguments(t)
    add_split_arguments(p)
    f = p.add_argument_group("finder")
    f.add_argument("--start-lr", type=float, default=1e-7, metavar="X",
                   help="the first rate (default 1e-7)")
    f.add_argument("--end-lr", type=float, default=10.0, metavar="X",
                   help="the last rate (default 10)")
    f.add_argument("--steps", type=int, default=100, metavar="N",
                   help="mini-batches from the first rate to the last (default 100)")
    p.add_argument("--json", action="store_true", help="end with one JSON line (for scripts)")
    p.set_defaults(func=run_lr_find)


def run_lr_find(args: argparse.Namespace) -> int:
    from core.export.bundle import jsonable
    from core.select.lrfind import find_lr

    config = config_from_args(args)
    config.validate()
    prepared, _, _ = prepared_from_args(args)
    finding = find_lr(prepared, config, start_lr=args.start_lr, end_lr=args.end_lr,
                      steps=args.steps)
    n = len(finding.lrs)
    shown = sorted({round(i * (n - 1) / (ROWS_SHOWN - 1)) for i in range(ROWS_SHOWN)}
                   | ({finding.suggestion_index} if finding.suggestion_index is not None
                      else set()))
    print(f"{'rate':>10} {'loss':>10} {'smoothed':>10}")
    for i in shown:
        mark = "  <- suggested" if i == finding.suggestion_index else ""
        print(f"{finding.lrs[i]:>10.2e} {finding.losses[i]:>10.4g} "
              f"{finding.smoothed[i]:>10.4g}{mark}")
    ended = {"completed": "ran every step", "diverged": finding.message,
             "stopped": finding.message}[finding.stopped_because]
    print(f"{n} steps: {ended}")
    if finding.suggestion is None:
        print("no suggestion: the loss never went down; check the data and the network")
    else:
        print(f"suggested learning rate: {finding.suggestion:.2e} (valley rule)")
    for note in finding.notes:
        print(f"note: {note}")
    if args.json:
        print(json.dumps(jsonable(finding.to_dict())))
    return 0
