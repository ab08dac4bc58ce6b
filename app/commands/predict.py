"""``mendel predict RUN DATA`` and ``mendel evaluate RUN DATA``: use a saved run folder.

Both read DATA with the run's own load options and encode it with the preprocessing
fitted at training time, so new input is treated exactly as the training data was.
Only JSON and safetensors are read from the run folder; pickles are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.train import metrics_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict", help="predict DATA with a saved run folder",
        description="Write one row per sample: id, prediction (class or value) and, for "
        "classification, one probability column p_<class> per class. A target column in "
        "DATA is ignored; it may be absent.")
    _add_common(p)
    p.add_argument("--out", metavar="FILE.csv", help="CSV file to write (default: stdout)")
    p.set_defaults(func=run_predict)

    e = sub.add_parser(
        "evaluate", help="measure a saved run folder on new labelled DATA",
        description="Print the model's metrics on DATA (which must carry the targets, or "
        "--labels for a FASTA) beside its test metrics from training.")
    _add_common(e)
    e.add_argument("--labels", metavar="FILE", help="labels table (id, label) for a FASTA")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(func=run_evaluate)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", metavar="RUN_DIR", help="run folder written by 'mendel train --out'")
    p.add_argument("data", metavar="DATA", help="new data in the format the model was trained on")


def run_predict(args: argparse.Namespace) -> int:
    from core.atomic import write_text_atomic
    from core.export.bundle import load_bundle

    bundle = load_bundle(args.run)
    ds = bundle.load_data(args.data)
    csv = bundle.predictions_table(ds).to_csv(index=False)
    if args.out:
        write_text_atomic(Path(args.out), csv)
        print(f"wrote {len(ds)} predictions to {args.out}")
    else:
        sys.stdout.write(csv)
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from core.export.bundle import jsonable, load_bundle

    bundle = load_bundle(args.run)
    ds = bundle.load_data(args.data, labels=args.labels, labelled=True)
    metrics = bundle.evaluate(ds)
    trained: dict[str, Any] = bundle.metrics.get("test") or {}
    if args.json:
        print(json.dumps(jsonable({"run": args.run, "data": args.data, "task": bundle.task,
                                   "metrics": metrics, "training_test": trained})))
        return 0
    print(f"{bundle.task} model from {args.run} on {args.data}: {len(ds)} samples")
    print(metrics_table([("this data", metrics), ("test at training", trained)], bundle.task))
    return 0
