"""``mendel pca|kmeans|tree --out DIR`` writes the pages' plots as PNG and SVG (offscreen),
and the renderers export PNG, SVG and CSV; without --out the command line never loads Qt."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from app import plots
from app.cli import main
from core.metrics import pr_curves, roc_curves


def assert_pictures(folder, stems):
    for stem in stems:
        png = folder / f"{stem}.png"
        svg = folder / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", stem
        assert "<svg" in svg.read_text(encoding="utf-8"), stem


def test_pca_writes_scatter_scree_and_loadings(tmp_path, capsys):
    assert main(["pca", "demo:iris", "--standardize", "--out", str(tmp_path)]) == 0
    assert_pictures(tmp_path, ["pca_scatter", "pca_scree", "pca_loadings"])
    assert "setosa" in (tmp_path / "pca_scatter.svg").read_text(encoding="utf-8")
    assert (tmp_path / "scores.csv").exists()
    assert f"wrote {tmp_path / 'pca_scree.svg'}" in capsys.readouterr().out


def test_kmeans_writes_elbow_and_silhouette(tmp_path):
    assert main(["kmeans", "demo:iris", "--k", "3", "--elbow", "2..4", "--n-init", "2",
                 "--out", str(tmp_path)]) == 0
    assert_pictures(tmp_path, ["kmeans_elbow", "kmeans_silhouette"])


def test_tree_writes_the_diagram_depth_curve_and_importances(tmp_path):
    assert main(["tree", "demo:iris", "--criterion", "entropy", "--test-fraction", "0",
                 "--out", str(tmp_path)]) == 0
    assert_pictures(tmp_path, ["tree", "tree_depth_curve", "tree_importances"])
    svg = (tmp_path / "tree.svg").read_text(encoding="utf-8")
    texts = re.findall(r">([^<>]+)</text>", svg)
    # the root node shows the first rule of rules.txt, e.g. "petal width (cm) <= 0.80"
    feature, threshold = re.match(r"\|--- (.+) <= (\S+)$",
                                  (tmp_path / "rules.txt").read_text().splitlines()[0]).groups()
    root = texts.index(feature)
    assert texts[root:root + 4] == [feature, f"&lt;= {threshold}", "entropy = 1.585",
                                    "samples = 150"]


def test_without_out_or_with_no_plots_the_command_line_does_not_load_qt(tmp_path):
    code = ("import sys; from app.cli import main; "
            "a = main(['pca', 'demo:iris']); "
            f"b = main(['tree', 'demo:iris', '--out', {str(tmp_path)!r}, '--no-plots']); "
            "print(a, b, 'PySide6' in sys.modules, 'pyqtgraph' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 0 False False"
    assert (tmp_path / "rules.txt").exists() and not list(tmp_path.glob("*.png"))


def test_kmers_writes_the_spectrum_and_the_jaccard_heat_map(tmp_path, capsys):
    fasta = tmp_path / "reads.fa"
    fasta.write_text(">r1\nACGTACGTTA\n>r2\nACGTTTGTAA\n>r3\nGGGTACGTAA\n")
    out = tmp_path / "out"
    assert main(["kmers", str(fasta), "--k", "3", "--jaccard", "--out", str(out)]) == 0
    assert_pictures(out, ["kmer_spectrum", "kmer_jaccard"])
    assert "r2" in (out / "kmer_jaccard.svg").read_text(encoding="utf-8")
    assert f"wrote {out / 'kmer_jaccard.png'}" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["confusion", "roc", "pr", "truth", "residuals", "scatter",
                                  "scree", "loadings", "elbow", "silhouette", "depth",
                                  "importances", "kmer_bars", "kmer_spectrum", "jaccard"])
def test_every_renderer_exports_png_svg_and_csv(tmp_path, name):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 10)
    proba = rng.dirichlet([1, 1, 1], 30)
    proba[np.arange(30), y] += 1
    proba /= proba.sum(axis=1, keepdims=True)
    names = ["a", "b", "c"]
    t = np.arange(20.0)
    draw = {
        "confusion": lambda: plots.confusion_matrix(None, np.eye(3) * 4 + 1, names),
        "roc": lambda: plots.roc(None, roc_curves(y, proba, names)),
        "pr": lambda: plots.pr(None, pr_curves(y, proba, names)),
        "truth": lambda: plots.predicted_vs_true(None, t, t + 1),
        "residuals": lambda: plots.residuals(None, t, t + 1),
        "scatter": lambda: plots.scatter(None, proba[:, 0], proba[:, 1], y, names),
        "scree": lambda: plots.scree(None, np.array([0.6, 0.3, 0.1])),
        "loadings": lambda: plots.loadings(None, names, [0.7, -0.5, 0.1]),
        "elbow": lambda: plots.elbow(None, [2, 3, 4], [9.0, 5.0, 4.0], 3),
        "silhouette": lambda: plots.silhouette(None, [2, 3, 4], [0.5, None, 0.4], 3),
        "depth": lambda: plots.depth_curve(None, [1, 2, 3], [0.8, 0.9, 1.0],
                                           [0.7, 0.85, 0.8]),
        "importances": lambda: plots.importances(None, names, [0.2, 0.0, 0.8]),
        "kmer_bars": lambda: plots.spectrum(None, np.arange(16), 2),
        "kmer_spectrum": lambda: plots.spectrum(None, rng.poisson(5, 256), 4),
        "jaccard": lambda: plots.jaccard_heatmap(None, np.array([[1, 0.2], [0.2, np.nan]]),
                                                 ["x", "y"]),
    }
    plot = draw[name]()
    files = plots.render_to_files(plot, tmp_path, name)
    assert [f.suffix for f in files] == [".png", ".svg", ".csv"]
    assert files[0].stat().st_size > 1000
    assert len((tmp_path / f"{name}.csv").read_text().splitlines()) >= 2
    plot.close()
    plot.deleteLater()
