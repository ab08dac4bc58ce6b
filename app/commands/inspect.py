"""``mendel inspect DATA`` (dataset summary) and ``mendel demo list``."""

from __future__ import annotations

import argparse
import json

from app.commands.data_args import (
    add_data_arguments,
    encoding_options_from_args,
    load_options_from_args,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inspect", help="load a dataset and print its summary",
                       description="Load DATA as training would and summarize it: samples, "
                       "classes, input shape, alphabet, lengths, warnings.")
    add_data_arguments(p)
    p.add_argument("--seed", type=int, default=0, help="split seed (default 0)")
    p.add_argument("--val-fraction", type=float, default=0.15)
    p.add_argument("--test-fraction", type=float, default=0.15)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_inspect)

    d = sub.add_parser("demo", help="built-in demo datasets (generated, no download)")
    dsub = d.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    lst = dsub.add_parser("list", help="list the demo datasets")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_demo_list)


def run_inspect(args: argparse.Namespace) -> int:
    from core.data.load import load_dataset, naming_errors
    from core.data.preprocessing import make_preprocessing
    from core.data.splits import make_split
    from core.data.summary import format_summary, summarize

    load_opts = load_options_from_args(args)
    encoding = encoding_options_from_args(args)
    ds = load_dataset(args.data, load_opts)
    with naming_errors(args.data):  # a split or an encoding that does not fit: name the data
        split = make_split(ds, val_fraction=args.val_fraction, test_fraction=args.test_fraction,
                           seed=args.seed, use_file_split=bool(args.split_column))
        prep = make_preprocessing(ds, encoding)
        prep.fit(ds, split.train)
        summary = summarize(ds, split, prep)
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(summary))
    return 0


def run_demo_list(args: argparse.Namespace) -> int:
    from core.data.demos import list_demos

    demos = list_demos()
    if args.json:
        print(json.dumps([{"name": d.name, "title": d.title, "modality": d.modality,
                           "task": d.task, "description": d.description} for d in demos]))
        return 0
    width = max(len(d.name) for d in demos)
    for d in demos:
        print(f"demo:{d.name:<{width}}  {d.modality:<8} {d.task:<14} {d.description}")
    return 0
