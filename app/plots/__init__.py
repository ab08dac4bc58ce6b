"""Renderers: one drawing per plot, shared by the pages and ``mendel ... --out``.

Each renderer takes a ``pg.PlotWidget`` to redraw (or None for a new one) and plain data,
and returns the plot. ``render_to_files`` writes a plot as PNG, SVG and CSV. The command
line reaches them through ``offscreen_app`` only when it is asked for pictures, so a
plain ``mendel pca`` never imports Qt.

The names below are imported on first use (PEP 562): every Export menu needs
``app.plots.export`` while the window opens, and importing this package must not bring
the renderers, and pandas with them, before the first paint.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "offscreen_app": "base", "render_to_files": "base",
    "confusion_matrix": "evaluation", "pr": "evaluation", "predicted_vs_true": "evaluation",
    "residuals": "evaluation", "roc": "evaluation",
    "elbow": "explore", "loadings": "explore", "scatter": "explore", "scree": "explore",
    "silhouette": "explore",
    "jaccard_heatmap": "kmers", "spectrum": "kmers",
    "best_depth": "trees", "depth_curve": "trees", "importances": "trees",
}  # fmt: skip

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    """A renderer from its module, or a submodule (``plots.base``), imported on first use."""
    module = _HOME.get(name)
    if module is not None:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
