"""``mendel export-script RUN --out train.py``: a run as one standalone PyTorch script.

A thin shell over ``core.export.script.export_script``, which the Runs page's
"Export code…" button calls too.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-script", help="write a run as a standalone PyTorch training script",
        description="Write one readable PyTorch script that trains the run's network again "
        "without Mendel: the same layers (and layer names, so the weights load either "
        "way), preprocessing, split, optimizer, schedule, loss, seed and epochs. It runs as "
        "'python train.py DATA' or 'torchrun --nproc_per_node=N train.py DATA' and writes "
        "a run folder that 'mendel predict' reads. For a demo run the demo's data are "
        "written beside the script as <name>_data.csv.")
    p.add_argument("run", metavar="RUN_DIR", help="run folder written by 'mendel train --out'")
    p.add_argument("--out", metavar="FILE.py", default="train.py",
                   help="the script to write (default: train.py)")
    p.set_defaults(func=run_export_script)


def run_export_script(args: argparse.Namespace) -> int:
    from core.export.script import export_script

    print(export_script(args.run, args.out).text())
    return 0
