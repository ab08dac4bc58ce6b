"""Does the default network beat the classic baselines? (issue 12's table)

For each synthetic task of ``model_tasks`` and each of five seeds (the seed draws the
data, the split and the network's start), ``mendel train DATA`` with everything at its
default (``--model auto``, ``TrainConfig()``) is scored on the test split beside every
classic baseline fitted on the same split and features. A win is the network's test
accuracy (classes) or R² (numbers) above the best baseline's. Nothing here asserts: the
test ``tests/core/test_defaults_win.py`` checks a small version.
"""

from __future__ import annotations

import json
import time
from typing import Any

import torch

from core.train.config import TrainConfig
from core.train.report import MAIN_METRIC
from core.train.run import prepare_run, train_prepared
from tests.benchmarks.model_tasks import TASKS

SEEDS = (0, 1, 2, 3, 4)


def compare(task: str, seed: int, n: int, epochs: int | None = None) -> dict[str, Any]:
    """One row: the default network and the best baseline on one seed of ``task``."""
    ds = TASKS[task](n=n, seed=seed)
    prepared = prepare_run(ds, network="auto", seed=seed)
    config = TrainConfig(seed=seed, device="cpu")
    if epochs is not None:
        config.epochs = epochs
    t0 = time.perf_counter()
    outcome = train_prepared(prepared, config)
    seconds = time.perf_counter() - t0
    if not outcome.succeeded:
        raise RuntimeError(f"{task} seed {seed}: {outcome.result.message}")
    key = MAIN_METRIC[ds.task][0]
    baselines = {name: entry["test"][key] for name, entry in outcome.baseline.items()
                 if key in entry["test"]}
    best = max(baselines, key=baselines.__getitem__)
    net = outcome.metrics["test"][key]
    return {"task": task, "seed": seed, "metric": key, "model": prepared.network_source,
            "network": round(net, 4), "best_baseline": best,
            "baseline": round(baselines[best], 4), "win": net > baselines[best],
            "baselines": {k: round(v, 4) for k, v in baselines.items()},
            "seconds": round(seconds, 1)}


def run(quick: bool = False) -> dict[str, Any]:
    torch.set_num_threads(1)  # the same for every contender; the baselines use one core
    n, seeds = (400, SEEDS[:2]) if quick else (2000, SEEDS)
    rows = [compare(task, seed, n, epochs=3 if quick else None)
            for task in TASKS for seed in seeds]
    table = {task: {"wins": sum(r["win"] for r in rows if r["task"] == task),
                    "seeds": len(seeds),
                    "network": [r["network"] for r in rows if r["task"] == task],
                    "best_baseline": [f"{r['best_baseline']} {r['baseline']}"
                                      for r in rows if r["task"] == task]}
             for task in TASKS}
    return {"benchmark": "models", "samples_per_task": n, "threads": 1,
            "config": "defaults (--model auto, TrainConfig())", "table": table, "rows": rows}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
