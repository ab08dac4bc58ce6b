"""Renderers: one drawing per plot, shared by the pages and ``mendel ... --out``.

Each renderer takes a ``pg.PlotWidget`` to redraw (or None for a new one) and plain data,
and returns the plot. ``render_to_files`` writes a plot as PNG, SVG and CSV. The command
line reaches them through ``offscreen_app`` only when it is asked for pictures, so a
plain ``mendel pca`` never imports Qt.
"""

from app.plots.base import offscreen_app, render_to_files
from app.plots.evaluation import confusion_matrix, pr, predicted_vs_true, residuals, roc
from app.plots.explore import elbow, loadings, scatter, scree, silhouette
from app.plots.trees import best_depth, depth_curve, importances

__all__ = [
    "best_depth", "confusion_matrix", "depth_curve", "elbow", "importances", "loadings",
    "offscreen_app", "pr", "predicted_vs_true", "render_to_files", "residuals", "roc",
    "scatter", "scree", "silhouette",
]
