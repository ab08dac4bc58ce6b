"""Pictures for ``mendel pca|kmeans|tree|kmers --out DIR``: the pages' own renderers, offscreen.

It lives with the commands, not in ``app.plots``, because the tree picture is the Trees
page's own diagram widget (``app.widgets.tree_diagram``), and renderers never import
widgets. ``app.commands.classic`` imports this module only when ``--out`` is given, so the
command line loads Qt only to draw. Each function writes PNG and SVG files next to the CSV files
the command writes and returns their paths. Every widget made here is deleted before the
function returns (Qt objects left for interpreter shutdown can crash it on exit).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.plots import base, explore, kmers, trees

FORMATS = ("png", "svg")


@contextmanager
def _widgets() -> Iterator[list[QWidget]]:
    """An offscreen QApplication, and a list whose widgets are deleted at the end."""
    base.offscreen_app()
    made: list[QWidget] = []
    try:
        yield made
    finally:
        for widget in made:
            widget.close()
            widget.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        made.clear()
        gc.collect()


def _write(plot: Any, made: list[QWidget], out: Path, stem: str) -> list[str]:
    made.append(plot)
    return [str(p) for p in base.render_to_files(plot, out, stem, FORMATS)]


def pca_pictures(result: Any, ds: Any, labelled: bool, out: Path) -> list[str]:
    """pca_scatter (PC1 against PC2, by class when known), pca_scree, pca_loadings (PC1)."""
    with _widgets() as made:
        ratio = result.explained_variance_ratio
        groups, names = _classes(ds, labelled)
        y = result.scores[:, 1] if result.n_components > 1 else result.scores[:, 0] * 0
        files = _write(explore.scatter(None, result.scores[:, 0], y, groups, names,
                                       f"PC1 ({ratio[0] * 100:.1f} %)",
                                       f"PC2 ({ratio[1] * 100:.1f} %)" if len(ratio) > 1
                                       else "PC2"),
                       made, out, "pca_scatter")
        files += _write(explore.scree(None, ratio), made, out, "pca_scree")
        top = result.top_loadings(0, 12)
        files += _write(explore.loadings(None, [f for f, _ in top], [v for _, v in top], "PC1"),
                        made, out, "pca_loadings")
        return files


def kmeans_pictures(result: Any, points: Sequence[Any] | None, out: Path) -> list[str]:
    """kmeans_elbow and kmeans_silhouette (from the --elbow range, or the one k run)."""
    with _widgets() as made:
        chosen = result.k if result is not None else None
        if points:
            ks = [p.k for p in points]
            inertia, sil = [p.inertia for p in points], [p.silhouette for p in points]
        elif result is not None:
            ks, inertia, sil = [result.k], [result.inertia], [result.silhouette]
        else:
            return []
        files = _write(explore.elbow(None, ks, inertia, chosen), made, out, "kmeans_elbow")
        files += _write(explore.silhouette(None, ks, sil, chosen), made, out,
                        "kmeans_silhouette")
        return files


def tree_pictures(result: Any, curve: Sequence[Any] | None, out: Path) -> list[str]:
    """tree (the diagram, every node unfolded), tree_depth_curve, tree_importances."""
    from app.widgets.tree_diagram import TreeDiagram

    with _widgets() as made:
        diagram = TreeDiagram()
        made.append(diagram)
        diagram.set_tree(result)
        diagram.expand_all()
        files = [str(diagram.export(out / f"tree.{kind}")) for kind in FORMATS]
        if curve:
            metric = "accuracy" if result.task == "classification" else "R\u00b2"
            files += _write(trees.depth_curve(None, [p.depth for p in curve],
                                              [p.train for p in curve],
                                              [p.test for p in curve], metric, result.depth,
                                              held_out="test", mark_best=False),
                            made, out, "tree_depth_curve")
        files += _write(trees.importances(None, [f for f, _ in result.feature_importances],
                                          [v for _, v in result.feature_importances]),
                        made, out, "tree_importances")
        return files


def kmers_pictures(counts: Any, k: int, jaccard: Any, names: Sequence[str] | None,
                   out: Path) -> list[str]:
    """kmer_spectrum and, when the Jaccard matrix was computed, kmer_jaccard."""
    with _widgets() as made:
        files = _write(kmers.spectrum(None, counts, k), made, out, "kmer_spectrum")
        if jaccard is not None:
            files += _write(kmers.jaccard_heatmap(None, jaccard, list(names or [])), made, out,
                            "kmer_jaccard")
        return files


def _classes(ds: Any, labelled: bool) -> tuple[Any, list[str] | None]:
    if (labelled and ds.task == "classification" and ds.n_classes >= 2
            and not ds.info.get("unlabelled")):
        return ds.targets, list(ds.class_names)
    return None, None


LOGOS_SHOWN = 12  # sequences (or filters) whose pictures a command writes, at most


def attribution_pictures(att: Any, ids: list[str], sequences: list[str] | None,
                         letters: str, out: Path) -> list[str]:
    """attribution_<id> logos (saliency / ig) or ism_<id> heat maps, for the first
    ``LOGOS_SHOWN`` one-hot sequences explained."""
    import numpy as np

    from app.plots import logos

    with _widgets() as made:
        files: list[str] = []
        for i, sid in enumerate(ids[:LOGOS_SHOWN]):
            values = np.nan_to_num(att.values[i])
            seq = sequences[i] if sequences else None
            stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in sid)
            if att.method == "ism":
                plot = logos.mutagenesis_heatmap(None, values, list(letters), seq)
                files += _write(plot, made, out, f"ism_{stem}")
            else:
                plot = logos.attribution_logo(None, values, list(letters), seq)
                files += _write(plot, made, out, f"attribution_{stem}")
        return files


def motif_pictures(motifs: Any, out: Path) -> list[str]:
    """motif_<rank>_filter<index> information logos of the top filters with sites."""
    from app.plots import logos

    with _widgets() as made:
        files: list[str] = []
        shown = [m for m in motifs.filters if m.n_sites > 0][:LOGOS_SHOWN]
        for rank, m in enumerate(shown, start=1):
            plot = logos.information_logo(None, m.probabilities, list(motifs.letters))
            files += _write(plot, made, out, f"motif_{rank:02d}_filter{m.index}")
        return files
