"""A fix for pyqtgraph's SVG exporter, applied before any plot is exported as SVG.

Why it exists: pyqtgraph 0.14's SVG exporter reads every token of a path as "x,y", but Qt
6.12's SVG generator ends closed paths (each plot's clip rectangle) with a bare "Z", so
every SVG export failed with "not enough values to unpack". ``accept_closed_paths`` wraps
the exporter's ``correctCoordinates``: it drops the "Z" tokens before the exporter reads a
path and puts a final one back afterwards. It is idempotent, and ``app.plots.export``
applies it when it is imported, so the pages' Export menus and ``mendel ... --out`` both
get it. Remove it once pyqtgraph parses closed paths itself.
"""

from __future__ import annotations

import sys

import pyqtgraph.exporters as pg_exporters


def accept_closed_paths() -> None:
    """Wrap the SVG exporter's path parser so that closed paths ("... Z") are accepted."""
    module = sys.modules[pg_exporters.SVGExporter.__module__]
    original = module.correctCoordinates
    if getattr(original, "accepts_closed_paths", False):
        return

    def correct(node, defs, item, options):  # noqa: ANN001, ANN202 - pyqtgraph's signature
        closed = []
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            if "Z" in tokens or "z" in tokens:
                closed.append(path)
                path.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
        result = original(node, defs, item, options)
        for path in closed:
            path.setAttribute("d", path.getAttribute("d").rstrip() + " Z")
        return result

    correct.accepts_closed_paths = True  # type: ignore[attr-defined]
    module.correctCoordinates = correct
