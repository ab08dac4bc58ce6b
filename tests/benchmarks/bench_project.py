"""Opening a project: ``open_project`` + ``list_runs`` on a project of 50 runs.

The issue's bar: at most 1 s. The runs are realistic: one tiny real run is trained
(``core.train.run`` + ``save_bundle``) and copied 50 times with varied metrics, names and
configurations, so every file a run folder holds is there (weights, ONNX, TorchScript,
history, card), though ``list_runs`` reads only the small JSON files.

The baseline is the least any table of these runs must do: ``json.load`` of the same
three JSON files per run in a plain loop. Timings are the best of 5 (the machine may be
shared). Nothing is asserted: ``make bench`` prints the JSON for a person to read.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPEATS = 5


def tiny_run(out: Path, epochs: int = 2) -> Path:
    """A real run folder of a small MLP on demo:xor (a few seconds on a CPU)."""
    from core.export.bundle import save_bundle
    from core.train.config import TrainConfig
    from core.train.run import run_training

    config = TrainConfig(epochs=epochs, device="cpu", seed=0)
    outcome = run_training("demo:xor", network="mlp", preset_options={"hidden": (8,)},
                           config=config, baselines=False)
    save_bundle(out, outcome)
    return out


def copy_runs(template: Path, project: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` copies of ``template`` in ``project/runs`` with varied metrics and options."""
    from core.project import new_run_folder, rename_run, set_star

    rng = random.Random(seed)
    folders = []
    for i in range(n):
        run = new_run_folder(project)
        run.rmdir()
        shutil.copytree(template, run)
        metrics = json.loads((run / "metrics.json").read_text())
        metrics["best_val_loss"] = rng.uniform(0.05, 0.7)
        metrics["best_epoch"] = rng.randint(1, metrics["epochs_run"])
        metrics["test"]["accuracy"] = rng.uniform(0.5, 1.0)
        metrics["train_seconds"] = rng.uniform(1, 100)
        (run / "metrics.json").write_text(json.dumps(metrics, indent=2))
        config = json.loads((run / "train_config.json").read_text())
        config["lr"] = rng.choice([1e-3, 3e-3, 1e-2])
        (run / "train_config.json").write_text(json.dumps(config, indent=2))
        if i % 3 == 0:
            rename_run(run, f"lr sweep {i}")
        if i % 7 == 0:
            set_star(run, True)
        folders.append(run)
    return folders


def _best(fn: Any, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _plain_json_loop(project: Path) -> None:
    for run in sorted((project / "runs").iterdir()):
        for name in ("metrics.json", "train_config.json", "network.json"):
            with open(run / name, encoding="utf-8") as fh:
                json.load(fh)


def run(quick: bool = False) -> dict[str, Any]:
    from core.project import datafile, list_runs, open_project, save_project

    n = 10 if quick else 50
    with tempfile.TemporaryDirectory(prefix="mendel-bench-project-") as tmp:
        root = Path(tmp)
        data = root / "course" / "data.csv"
        data.parent.mkdir()
        data.write_text("x1,x2,y\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(20000)))
        template = tiny_run(root / "template")
        project = save_project(root / "course" / "bench",
                               {"version": 1, "source": str(data), "recent_sources": []})
        copy_runs(template, project, n)

        def open_and_list() -> None:
            datafile._hash_cache.clear()  # hash the data each time, as a fresh start does
            opened = open_project(project)
            assert opened.data_status == "ok"
            rows = list_runs(opened.folder)
            assert len(rows) == n and all(r.status == "completed" for r in rows)

        seconds = _best(open_and_list)
        baseline = _best(lambda: _plain_json_loop(project))
        no_hash = _best(lambda: list_runs(open_project(project, verify=False).folder))
        cold = _cold_import_and_open(project)
        data_bytes = data.stat().st_size
    return {
        "runs": n,
        "open_and_list_s": round(seconds, 4),
        "open_and_list_without_data_hash_s": round(no_hash, 4),
        "baseline_json_load_loop_s": round(baseline, 4),
        "ratio_to_baseline": round(seconds / baseline, 2) if baseline else None,
        "cold_process_import_open_list_s": round(cold, 4),
        "data_file_bytes": data_bytes,
        "limit_s": 1.0,
        "within_limit": seconds <= 1.0 and cold <= 1.0,
    }


def _cold_import_and_open(project: Path) -> float:
    """A fresh interpreter: import core.project, open, list (what a window start pays)."""
    code = ("import time; t0 = time.perf_counter(); "
            "from core.project import open_project, list_runs; "
            f"list_runs(open_project({str(project)!r}).folder); "
            "print(time.perf_counter() - t0)")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, check=True)
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
