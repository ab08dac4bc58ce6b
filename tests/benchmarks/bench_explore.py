"""The Explore page's work on a large table: PCA, then the scatter of 100,000 points.

Beside the baseline of scikit-learn's PCA alone (same solver, same components) it times,
best of 3 after a warm-up call, Mendel's ``run_pca``; then building the scatter
(``app.plots.scatter`` coloured by 5 classes), painting it once at 1000 x 700 pixels
offscreen, and the nearest-point lookup that hover does. Peak memory is the largest
numpy/Python allocation during a step beyond what existed before it (tracemalloc); Qt's
own buffers are not counted.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.decomposition import PCA

from core.classic.pca import choose_solver, run_pca

N_COMPONENTS = 10
N_CLASSES = 5


def _table(n: int, f: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, n)
    centres = rng.standard_normal((N_CLASSES, f), dtype=np.float32) * 2
    x = rng.standard_normal((n, f), dtype=np.float32)
    x += centres[labels]
    return x, labels


def _measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MB) of one call."""
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, (peak - base) / 2**20


def run(quick: bool = False) -> dict:
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QPointF

    from app import plots

    app = plots.offscreen_app()
    n, f = (5_000, 256) if quick else (100_000, 256)
    x, labels = _table(n, f)
    solver = choose_solver(n, f, N_COMPONENTS)

    def sklearn() -> Any:
        return PCA(N_COMPONENTS, svd_solver=solver, random_state=0).fit_transform(x)

    def mendel() -> Any:
        return run_pca(x, N_COMPONENTS, solver=solver)

    _, _, sk_mb = _measure(sklearn)  # also the warm-up calls
    pca, _, pca_mb = _measure(mendel)
    sk_s = pca_s = float("inf")
    for _ in range(1 if quick else 3):  # best of, interleaved so load changes hit both
        sk_s = min(sk_s, _measure(sklearn)[1])
        pca_s = min(pca_s, _measure(mendel)[1])
    names = [f"class {i}" for i in range(N_CLASSES)]
    widget = plots.scatter(None, pca.scores[:, 0], pca.scores[:, 1], labels, names)
    widget.resize(1000, 700)
    widget.show()
    app.processEvents()
    _, build_s, build_mb = _measure(
        lambda: plots.scatter(widget, pca.scores[:, 0], pca.scores[:, 1], labels, names))
    widget.grab()  # first paint builds the symbol atlas
    _, paint_s, _ = _measure(widget.grab)
    xy = pca.scores[:, :2]
    vb = widget.getPlotItem().getViewBox()
    mouse = vb.mapSceneToView(vb.mapViewToScene(QPointF(*xy[n // 2])))

    def nearest() -> int:
        px, py = vb.viewPixelSize()
        d = ((xy[:, 0] - mouse.x()) / px) ** 2 + ((xy[:, 1] - mouse.y()) / py) ** 2
        return int(np.argmin(d))

    _, hover_s, _ = _measure(nearest)
    widget.close()
    widget.deleteLater()
    return {
        "n_samples": n,
        "n_features": f,
        "n_components": N_COMPONENTS,
        "solver": solver,
        "table_mb": round(x.nbytes / 2**20, 1),
        "baseline_sklearn_pca_s": round(sk_s, 3),
        "baseline_sklearn_pca_peak_mb": round(sk_mb, 1),
        "mendel_run_pca_s": round(pca_s, 3),
        "mendel_run_pca_peak_mb": round(pca_mb, 1),
        "scatter_build_s": round(build_s, 3),
        "scatter_build_peak_mb": round(build_mb, 1),
        "scatter_paint_s": round(paint_s, 3),
        "hover_lookup_ms": round(hover_s * 1000, 2),
        "pca_plus_scatter_s": round(pca_s + build_s, 3),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
