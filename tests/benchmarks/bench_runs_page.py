"""The Runs page's overlay: 10 runs of 200 epochs selected at once (issue 13: within
100 ms). Timed from the selection to the end of the repaint it causes (curves, options
diff): the first time (history.csv files read) and the best of 5 after (read once per
file version), beside the baseline of plotting the same arrays in a
bare pyqtgraph widget (what any such overlay must pay).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

REPEATS = 5


def _project(root: Path, n_runs: int, epochs: int) -> Path:
    """A project of ``n_runs`` copies of one real run, each with its own 200-epoch curve."""
    from core.project import new_run_folder, save_project
    from tests.benchmarks.bench_project import tiny_run

    folder = save_project(root / "overlay", {"version": 1, "source": "demo:xor"}, "demo:xor")
    template = tiny_run(root / "template")
    rng = np.random.default_rng(0)
    for i in range(n_runs):
        run = new_run_folder(folder)
        shutil.copytree(template, run, dirs_exist_ok=True)
        loss = np.exp(-np.linspace(0, 3 + i / 5, epochs)) + rng.normal(0, 0.01, epochs)
        lines = ["epoch,train_loss,val_loss,lr,elapsed,train_accuracy,val_accuracy"]
        lines += [f"{e + 1},{v:.5f},{v * 1.1:.5f},0.01,{e * 0.1:.2f},{1 - v / 2:.4f},"
                  f"{1 - v / 1.8:.4f}" for e, v in enumerate(loss)]
        (run / "history.csv").write_text("\n".join(lines) + "\n")
    return folder


def run(quick: bool = False) -> dict[str, Any]:
    from app.pages.runs_page import RunsPage
    from app.state import AppState

    app = QApplication.instance() or QApplication(["bench_runs_page"])
    n_runs, epochs = (3, 50) if quick else (10, 200)
    root = Path(tempfile.mkdtemp(prefix="mendel-bench-runs-"))
    try:
        folder = _project(root, n_runs, epochs)
        state = AppState()
        page = RunsPage(state)
        page.resize(1400, 900)
        page.show()
        state.set_project_folder(folder)
        app.processEvents()
        ids = [r.id for r in page.rows]
        t0 = time.perf_counter()  # the first selection also reads the 10 history files
        page.select_runs(ids)
        page.repaint()
        app.processEvents()
        cold = time.perf_counter() - t0
        best = float("inf")
        for _ in range(REPEATS):
            page.table.clearSelection()
            app.processEvents()
            t0 = time.perf_counter()
            page.select_runs(ids)
            page.repaint()
            app.processEvents()
            best = min(best, time.perf_counter() - t0)
        plot = pg.PlotWidget()
        plot.resize(450, 400)
        plot.show()
        curves = [np.exp(-np.linspace(0, 3, epochs)) for _ in range(n_runs)]
        base = float("inf")
        for _ in range(REPEATS):
            plot.clear()
            t0 = time.perf_counter()
            for c in curves:
                plot.plot(np.arange(1, epochs + 1), c)
            plot.repaint()
            app.processEvents()
            base = min(base, time.perf_counter() - t0)
        page.close()
        plot.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"benchmark": "runs_page", "runs": n_runs, "epochs": epochs,
            "overlay_first_seconds": round(cold, 4), "overlay_seconds": round(best, 4),
            "bare_pyqtgraph_seconds": round(base, 4),
            "goal_seconds": 0.1}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
