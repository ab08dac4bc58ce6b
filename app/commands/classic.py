"""``mendel pca``, ``mendel kmeans`` and ``mendel tree``: the classic methods, headless.

Each command loads DATA like ``mendel inspect``, turns it into a flat feature table
(``core.classic.features``), runs the same core function the Explore and Trees pages
call, and prints a summary or one JSON object. ``--out DIR`` writes the result's data
as CSV/text files: ``*_outputs`` collect them by file name and ``write_outputs`` writes
them atomically, so plot pictures can join the same dictionary when the shared plot
renderers exist.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.commands.data_args import (
    add_data_arguments,
    encoding_options_from_args,
    load_options_from_args,
)
from core.classic.kmeans import INITS, ElbowPoint, KMeansResult, elbow_frame
from core.classic.pca import PCAResult
from core.classic.tree import (
    CLASSIFICATION_CRITERIA,
    REGRESSION_CRITERIA,
    DepthPoint,
    TreeResult,
    depth_curve_frame,
)
from core.data.dataset import Dataset
from core.errors import DataError

Outputs = dict[str, pd.DataFrame | str]  # file name -> table (CSV) or text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pca", help="principal component analysis of a dataset",
        description="PCA of DATA's features (one-hot/k-mer columns, table columns, pixels): "
        "variance explained per component and the features that load on each. Features are "
        "used unscaled unless --standardize is given.",
    )
    add_data_arguments(p)
    p.add_argument("--standardize", action="store_true",
                   help="z-score every feature first (use when features have different units)")
    p.add_argument("--components", type=int, metavar="N",
                   help="number of components (default: 10, or fewer if the data is smaller)")
    p.add_argument("--top", type=int, default=5, metavar="N",
                   help="loadings listed per component (default 5)")
    _add_no_labels(p)
    _add_common(p, "scores.csv, loadings.csv, explained_variance.csv")
    p.set_defaults(func=run_pca_command)

    k = sub.add_parser(
        "kmeans", help="k-means clustering of a dataset",
        description="k-means clustering of DATA's features; compares the clusters with the "
        "known classes when DATA has them (adjusted Rand index, contingency table).",
    )
    add_data_arguments(k)
    k.add_argument("--k", type=int, metavar="K", help="number of clusters")
    k.add_argument("--init", choices=INITS, default="k-means++",
                   help="initial centroids (default k-means++)")
    k.add_argument("--n-init", type=int, default=10, metavar="N",
                   help="runs from different starts; the best is kept (default 10)")
    k.add_argument("--standardize", action="store_true", help="z-score every feature first")
    k.add_argument("--elbow", metavar="FROM..TO",
                   help="also compute inertia and silhouette for each k in a range, e.g. 2..10")
    _add_no_labels(k)
    _add_common(k, "clusters.csv, centroids.csv, contingency.csv, elbow.csv")
    k.set_defaults(func=run_kmeans_command)

    t = sub.add_parser(
        "tree", help="decision tree on a dataset",
        description="Fit a decision tree on a seeded, stratified training split of DATA and "
        "score it on the held-out rows. Features are unscaled, so split thresholds read in "
        "the data's own units.",
    )
    add_data_arguments(t)
    t.add_argument("--criterion", choices=CLASSIFICATION_CRITERIA + REGRESSION_CRITERIA,
                   help="split quality (default gini, or squared_error for regression)")
    t.add_argument("--max-depth", type=int, metavar="D", help="maximum depth (default: none)")
    t.add_argument("--min-samples-leaf", type=int, default=1, metavar="N",
                   help="fewest training samples in a leaf (default 1)")
    t.add_argument("--ccp-alpha", type=float, default=0.0, metavar="A",
                   help="cost-complexity pruning strength (default 0: no pruning)")
    t.add_argument("--class-weight", choices=["balanced"],
                   help="weigh classes inversely to their frequency")
    t.add_argument("--test-fraction", type=float, default=0.25, metavar="F",
                   help="held-out fraction (default 0.25; 0 fits on every row). With "
                   "--split-column the file's split is used instead")
    _add_common(t, "tree_nodes.csv, rules.txt, feature_importances.csv, depth_curve.csv")
    t.set_defaults(func=run_tree_command)


def _add_no_labels(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-labels", action="store_true",
                   help="the data has no labels: sequences need none, and every table "
                   "column is a feature (otherwise the last column is taken as the label)")


def _add_common(p: argparse.ArgumentParser, files: str) -> None:
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=f"write {files} and the plots (PNG and SVG) into DIR")
    p.add_argument("--no-plots", action="store_true",
                   help="with --out, write the data files only (no pictures, no Qt needed)")


# ---- pca --------------------------------------------------------------------------------


def run_pca_command(args: argparse.Namespace) -> int:
    from core.classic.features import classic_encoding, feature_matrix
    from core.classic.pca import run_pca

    if args.top < 1:
        raise DataError(f"--top must be at least 1, got {args.top}")
    ds = _load(args, labelled=not args.no_labels)
    x, names = feature_matrix(ds, classic_encoding(encoding_options_from_args(args)))
    result = run_pca(x, n_components=args.components, standardize=args.standardize,
                     feature_names=names, seed=args.seed)
    files = _write(args.out, pca_outputs(result, ds))
    files += _pictures(args, "pca_pictures", result, ds, not args.no_labels)
    if args.json:
        _print_json({"dataset": ds.name, **result.to_dict(top=args.top), "files": files})
    else:
        print(format_pca(result, ds, args.top))
        _print_files(files)
    return 0


def pca_outputs(result: PCAResult, ds: Dataset) -> Outputs:
    return {
        "scores.csv": result.scores_frame(ds.ids, _label_texts(ds)),
        "loadings.csv": result.loadings_frame(),
        "explained_variance.csv": result.variance_frame(),
    }


def format_pca(result: PCAResult, ds: Dataset, top: int) -> str:
    scaled = "standardized" if result.standardized else "unscaled"
    lines = [
        f"PCA of {ds.name}: {result.n_samples} samples x {result.n_features} features "
        f"({scaled}; {result.solver} solver)",
        f"  {'component':<10} {'variance':>9} {'cumulative':>11}",
    ]
    for name, ratio, cum in zip(result.component_names, result.explained_variance_ratio,
                                result.cumulative, strict=True):
        lines.append(f"  {name:<10} {ratio:>9.2%} {cum:>11.2%}")
    lines.append("Top loadings")
    for i, name in enumerate(result.component_names):
        loads = ", ".join(f"{f} {v:+.3f}" for f, v in result.top_loadings(i, top))
        lines.append(f"  {name}: {loads}")
    return "\n".join(lines)


# ---- k-means ------------------------------------------------------------------------------


def run_kmeans_command(args: argparse.Namespace) -> int:
    from core.classic.features import classic_encoding, feature_matrix, standardize_columns
    from core.classic.kmeans import elbow, run_kmeans

    if args.k is None and args.elbow is None:
        raise DataError("give the number of clusters with --k K, or a range with --elbow 2..10")
    k_values = parse_k_range(args.elbow) if args.elbow else None
    ds = _load(args, labelled=not args.no_labels)
    x, names = feature_matrix(ds, classic_encoding(encoding_options_from_args(args)))
    if args.standardize:
        x = standardize_columns(x)
    known = _has_classes(ds)  # compare the clusters with the known classes
    result = None
    if args.k is not None:
        result = run_kmeans(x, args.k, init=args.init, n_init=args.n_init, seed=args.seed,
                            labels=ds.targets if known else None,
                            class_names=ds.class_names if known else None)
    points = None
    if k_values is not None:
        points = elbow(x, k_values, seed=args.seed, init=args.init, n_init=args.n_init)
    files = _write(args.out, kmeans_outputs(result, points, ds, names))
    files += _pictures(args, "kmeans_pictures", result, points)
    if args.json:
        out: dict[str, Any] = {"dataset": ds.name, "standardized": args.standardize}
        if result is not None:
            out.update(result.to_dict())
        if points is not None:
            out["elbow"] = [p._asdict() for p in points]
        out["files"] = files
        _print_json(out)
    else:
        print(format_kmeans(result, points, ds, x.shape, args.standardize))
        _print_files(files)
    return 0


def parse_k_range(text: str) -> list[int]:
    """'2..10' or '2-10' -> 2, 3, ..., 10; '2,4,8' -> 2, 4, 8."""
    t = text.strip().replace(" ", "")
    try:
        if ".." in t or "-" in t:
            lo, hi = (int(v) for v in t.replace("..", "-").split("-"))
            values = list(range(lo, hi + 1))
        else:
            values = [int(v) for v in t.split(",")]
    except ValueError:
        raise DataError(
            f"--elbow {text!r}: expected a range such as 2..10 or a list such as 2,4,8"
        ) from None
    if not values:
        raise DataError(f"--elbow {text!r}: the range is empty; write the smaller k first")
    return values


def kmeans_outputs(
    result: KMeansResult | None,
    points: list[ElbowPoint] | None,
    ds: Dataset,
    feature_names: list[str],
) -> Outputs:
    outputs: Outputs = {}
    if result is not None:
        outputs["clusters.csv"] = result.clusters_frame(ds.ids, _label_texts(ds))
        outputs["centroids.csv"] = result.centroids_frame(feature_names)
        contingency = result.contingency_frame()
        if contingency is not None:
            outputs["contingency.csv"] = contingency
    if points is not None:
        outputs["elbow.csv"] = elbow_frame(points)
    return outputs


def format_kmeans(
    result: KMeansResult | None,
    points: list[ElbowPoint] | None,
    ds: Dataset,
    shape: tuple[int, ...],
    standardized: bool,
) -> str:
    scaled = "standardized" if standardized else "unscaled"
    lines = [f"k-means of {ds.name}: {shape[0]} samples x {shape[1]} features ({scaled})"]
    if result is not None:
        lines.append(f"  k = {result.k} ({result.init}, {result.n_init} starts, "
                     f"seed {result.seed}); inertia {result.inertia:.6g}")
        sil = "undefined" if result.silhouette is None else f"{result.silhouette:.3f}"
        if result.silhouette_sample_size:
            sil += f" (on {result.silhouette_sample_size} sampled points)"
        lines.append(f"  silhouette {sil}")
        lines.append("  cluster sizes: " + ", ".join(str(s) for s in result.sizes))
        if result.ari is not None:
            lines.append(f"  adjusted Rand index against the known classes: {result.ari:.3f}")
            table = result.contingency_frame().drop(columns="cluster")
            table.index = result.cluster_names
            lines.append("  clusters x classes:")
            lines += ["    " + row for row in table.to_string().splitlines()]
    if points is not None:
        lines.append("Elbow")
        lines.append(f"  {'k':>3} {'inertia':>12} {'silhouette':>10}")
        for p in points:
            sil = "-" if p.silhouette is None else f"{p.silhouette:.3f}"
            lines.append(f"  {p.k:>3} {p.inertia:>12.6g} {sil:>10}")
    return "\n".join(lines)


# ---- tree ---------------------------------------------------------------------------------


def run_tree_command(args: argparse.Namespace) -> int:
    from core.classic.features import classic_encoding, feature_table
    from core.classic.tree import depth_curve, fit_tree
    from core.data.splits import make_split

    ds = _load(args)
    if ds.task == "classification" and ds.n_classes < 2:
        raise DataError("a classification tree needs labels with at least two classes")
    split = make_split(ds, val_fraction=0.0, test_fraction=args.test_fraction, seed=args.seed,
                       use_file_split=bool(args.split_column))
    train = np.concatenate([split.train, split.val])  # a tree has no use for validation rows
    test = split.test
    x, features = feature_table(ds, classic_encoding(encoding_options_from_args(args)), train)
    held_out = (x[test], ds.targets[test]) if len(test) else (None, None)
    settings: dict[str, Any] = dict(
        criterion=args.criterion, min_samples_leaf=args.min_samples_leaf,
        ccp_alpha=args.ccp_alpha, class_weight=args.class_weight, seed=args.seed, task=ds.task,
    )
    result = fit_tree(x[train], ds.targets[train], *held_out, features=features,
                      class_names=ds.class_names, max_depth=args.max_depth, **settings)
    curve = None
    if args.out is not None:
        curve = depth_curve(x[train], ds.targets[train], *held_out,
                            max_depth=args.max_depth or result.depth, **settings)
    files = _write(args.out, tree_outputs(result, curve))
    files += _pictures(args, "tree_pictures", result, curve)
    if args.json:
        _print_json({"dataset": ds.name, **result.to_dict(top=10), "files": files})
    else:
        print(format_tree(result, ds))
        _print_files(files)
    return 0


def tree_outputs(result: TreeResult, curve: list[DepthPoint] | None) -> Outputs:
    outputs: Outputs = {
        "tree_nodes.csv": result.nodes_frame(),
        "rules.txt": result.rules_text,
        "feature_importances.csv": result.importances_frame(),
    }
    if curve is not None:
        outputs["depth_curve.csv"] = depth_curve_frame(curve)
    return outputs


RULES_PRINTED_UP_TO_DEPTH = 5  # deeper trees' rules go to rules.txt only


def format_tree(result: TreeResult, ds: Dataset) -> str:
    depth = "none" if result.params["max_depth"] is None else result.params["max_depth"]
    lines = [
        f"Decision tree on {ds.name} ({result.task}; {result.criterion}, max depth {depth}): "
        f"{result.n_train} training rows, {result.n_test} held-out rows",
        f"  {result.n_nodes} nodes, {result.n_leaves} leaves, depth {result.depth}; "
        f"root split: {result.root_split or 'none (a single leaf)'}",
        f"  training: {_format_metrics(result.train_metrics, result.task)}",
    ]
    if result.test_metrics is not None:
        lines.append(f"  held-out: {_format_metrics(result.test_metrics, result.task)}")
    important = [(f, v) for f, v in result.feature_importances[:10] if v > 0]
    if important:
        lines.append("  most important: " + ", ".join(f"{f} {v:.3f}" for f, v in important))
    if result.depth <= RULES_PRINTED_UP_TO_DEPTH:
        lines.append("Rules")
        lines += ["  " + row for row in result.rules_text.rstrip().splitlines()]
    else:
        lines.append("Rules: the tree is deep; write them to a file with --out DIR")
    return "\n".join(lines)


def _format_metrics(metrics: dict[str, Any], task: str) -> str:
    keys = (("mse", "rmse", "mae", "r2") if task == "regression"
            else ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc"))
    shown = [f"{k} {metrics[k]:.3f}" for k in keys if metrics.get(k) is not None]
    return ", ".join(shown) or "not defined"


# ---- shared -------------------------------------------------------------------------------


def _load(args: argparse.Namespace, labelled: bool = True) -> Dataset:
    from core.data.load import load_dataset

    options = load_options_from_args(args)
    options.labelled = labelled
    return load_dataset(args.data, options)


def _has_classes(ds: Dataset) -> bool:
    return ds.task == "classification" and ds.n_classes >= 2 and not _unlabelled(ds)


def _unlabelled(ds: Dataset) -> bool:
    return bool(ds.info.get("unlabelled"))


def _label_texts(ds: Dataset) -> list[str] | list[float] | None:
    """Each sample's class name, or target value for regression (the CSVs' label column)."""
    if _has_classes(ds):
        names = ds.class_names or []
        return [names[int(t)] for t in ds.targets]
    if ds.task == "regression" and not _unlabelled(ds):
        return [float(t) for t in ds.targets]
    return None


def write_outputs(out_dir: Path, outputs: Outputs) -> list[str]:
    """Write every output into ``out_dir`` (tables as CSV), each file atomically."""
    from core.atomic import write_atomic, write_text_atomic

    if out_dir.exists() and not out_dir.is_dir():
        raise DataError("--out must be a folder, but a file has that name", str(out_dir))
    written = []
    for name, content in outputs.items():
        path = out_dir / name
        if isinstance(content, str):
            write_text_atomic(path, content)
        else:
            write_atomic(path, lambda p, df=content: df.to_csv(p, index=False,
                                                                float_format="%.8g"))
        written.append(str(path))
    return written


def _write(out_dir: Path | None, outputs: Outputs) -> list[str]:
    if out_dir is None:
        return []
    try:
        return write_outputs(out_dir, outputs)
    except OSError as exc:
        raise DataError(f"cannot write there ({exc.strerror})", str(out_dir)) from None


def _pictures(args: argparse.Namespace, name: str, *data: Any) -> list[str]:
    """PNG and SVG plots beside the CSV files (``app.commands.pictures``: Qt, offscreen, is
    imported only here, so a command without --out, or with --no-plots, never loads it)."""
    out_dir = args.out
    if out_dir is None or args.no_plots:
        return []
    import os

    if not os.environ.get("QT_QPA_PLATFORM"):  # unset or empty: draw without a display
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.commands import pictures

    try:
        return getattr(pictures, name)(*data, out_dir)
    except OSError as exc:
        raise DataError(f"cannot write there ({exc.strerror})", str(out_dir)) from None


def _print_files(files: list[str]) -> None:
    for f in files:
        print(f"wrote {f}")


def _print_json(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, allow_nan=False))
