"""``mendel explain``, ``mendel motifs`` and ``mendel importance``: what a saved run's
network learned, headless (``core.explain``; the GUI's views call the same functions).

- ``mendel explain RUN DATA --method saliency|ig|ism --out DIR``: attributions of every
  sample of DATA (or of ``--ids``), DATA read and encoded exactly as training did;
  ``--per-class`` adds the mean attribution per class over correctly predicted samples.
- ``mendel motifs RUN --out DIR``: each first-layer Conv1D filter as a motif, from the
  run's own training sequences (its checkpoint records them) or ``--data``; ``--meme`` /
  ``--jaspar`` FILE adds each filter's best match among known motifs.
- ``mendel importance RUN --out DIR``: permutation importance on the run's test split,
  the network beside the run's baselines (refitted as the run fitted them).

They write data only (CSV, NPZ, JSON, a MEME file of the filters): logos and heatmaps
are the GUI's renderers' to draw. With ``--json`` the last line of stdout is one JSON
object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ExplainError


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser(
        "explain", help="attributions of a saved run's network on DATA",
        description="Gradient x input (saliency), integrated gradients (ig) or in-silico "
        "mutagenesis (ism: every position of a one-hot sequence to every other letter) of "
        "the network's raw output (the class's logit, or the value) for each sample of "
        "DATA. Writes <method>.csv and <method>.npz to --out.")
    e.add_argument("run", metavar="RUN_DIR", help="run folder written by 'mendel train --out'")
    e.add_argument("data", metavar="DATA", help="data in the format the model was trained on")
    e.add_argument("--method", choices=("saliency", "ig", "ism"), default="saliency",
                   help="attribution method (default saliency)")
    e.add_argument("--ids", nargs="+", metavar="ID",
                   help="only these samples (ids, space- or comma-separated)")
    e.add_argument("--target", metavar="CLASS",
                   help="explain this class (name or output number) for every sample "
                   "(default: each sample's predicted class; a regression's first value)")
    e.add_argument("--steps", type=int, default=128, metavar="N",
                   help="ig: points on the path from the baseline (default 128)")
    e.add_argument("--rule", choices=("gausslegendre", "trapezoid"), default="gausslegendre",
                   help="ig: integration rule (default gausslegendre)")
    e.add_argument("--per-class", action="store_true",
                   help="also the mean attribution per class over its correctly predicted "
                   "samples (DATA must carry labels; --labels for a FASTA)")
    e.add_argument("--labels", metavar="FILE", help="labels table (id, label) for a FASTA")
    _common(e)
    e.set_defaults(func=run_explain)

    m = sub.add_parser(
        "motifs", help="a saved run's first-layer filters as motifs",
        description="Each first-layer Conv1D filter becomes a position weight matrix of the "
        "windows that activate it most (per sequence its best window, kept above "
        "--threshold x the filter's largest activation), with its information content and "
        "its influence (the loss increase when the filter's output is replaced by its "
        "mean), ranked by influence. Writes motifs.json, motifs.csv, motifs.npz and "
        "motifs.meme to --out.")
    m.add_argument("run", metavar="RUN_DIR", help="run folder written by 'mendel train --out'")
    lib = m.add_mutually_exclusive_group()
    lib.add_argument("--meme", metavar="FILE", help="known motifs, MEME minimal format")
    lib.add_argument("--jaspar", metavar="FILE", help="known motifs, JASPAR or plain PFM")
    m.add_argument("--data", metavar="DATA",
                   help="sequences to build the motifs from (default: the run's own "
                   "training sequences, which its checkpoint records)")
    m.add_argument("--threshold", type=float, default=0.5, metavar="F",
                   help="keep windows above F x the filter's largest activation (default 0.5)")
    m.add_argument("--min-overlap", type=int, default=5, metavar="N",
                   help="columns a match must overlap at least (default 5)")
    m.add_argument("--no-influence", action="store_true",
                   help="skip the influence (one pass of the network per filter); rank by "
                   "information content")
    _common(m)
    m.set_defaults(func=run_motifs)

    i = sub.add_parser(
        "importance", help="permutation importance of a saved run on its test split",
        description="Shuffle one feature (a sequence position, a pixel, a table column) "
        "across the test rows and measure the drop in accuracy (or R²), for the network and "
        "the run's baselines refitted on its training rows. Writes importance.csv to --out.")
    i.add_argument("run", metavar="RUN_DIR", help="run folder written by 'mendel train --out'")
    i.add_argument("--baselines", metavar="NAMES",
                   help="comma-separated baselines (default: the run's own; 'none' for the "
                   "network alone)")
    i.add_argument("--repeats", type=int, default=5, metavar="N",
                   help="shuffles per feature (default 5)")
    i.add_argument("--seed", type=int, default=0, help="seed of the shuffles (default 0)")
    _common(i)
    i.set_defaults(func=run_importance)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default auto)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write the files to")
    p.add_argument("--json", action="store_true", help="end with one JSON line (for scripts)")
    p.add_argument("--no-plots", action="store_true",
                   help="write the data files only, no PNG/SVG logos or heat maps")


def _to_device(model: Any, name: str) -> None:
    from core.train.device import resolve_device

    model.to(resolve_device(name))


def _target(text: str | None, class_names: list[str] | None) -> int | None:
    if text is None:
        return None
    if class_names and text in class_names:
        return class_names.index(text)
    if text.isdigit():
        return int(text)
    known = ", ".join(class_names or [])
    raise ExplainError(f"--target {text!r} is neither a class ({known}) nor an output number")


def _ids(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v for text in values for v in text.split(",") if v]


def _pictures(name: str, *data: Any) -> list[str]:
    """PNG and SVG logos through the app's renderers (Qt offscreen, imported only here:
    ``--no-plots`` never loads it)."""
    import os

    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.commands import pictures

    return getattr(pictures, name)(*data)


def _sequences(inputs: Any) -> list[str] | None:
    """The letters of each one-hot row (its largest channel), for the logo's x axis."""
    letters = inputs.letters
    if not letters:
        return None
    X = np.asarray(inputs.X)
    return ["".join(letters[j] if row[j] > 0 else "N" for row, j in
                    zip(x, x.argmax(axis=1), strict=True)) for x in X[:12]]


def _finish(args: argparse.Namespace, files: list[Path], summary: dict[str, Any]) -> int:
    from core.export.bundle import jsonable

    for path in files:
        print(f"wrote {path}")
    if args.json:
        print(json.dumps(jsonable({**summary, "files": [str(p) for p in files]})))
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from core.explain.export import write_attributions, write_class_attribution
    from core.explain.inputs import run_inputs
    from core.explain.methods import class_mean_attribution, explain

    inputs = run_inputs(args.run, args.data, labelled=args.per_class, labels=args.labels)
    ids = _ids(args.ids)
    if ids:
        inputs = inputs.select(ids)
    _to_device(inputs.model, args.device)
    options: dict[str, Any] = {"steps": args.steps, "rule": args.rule} \
        if args.method == "ig" else {}
    target = _target(args.target, inputs.class_names)
    att = explain(inputs.model, inputs.X, args.method, target, layout=inputs.layout,
                  task=inputs.task, **options)
    files = write_attributions(args.out, att, inputs.X, inputs.ids, inputs.layout,
                               inputs.letters, inputs.feature_names, inputs.class_names)
    if inputs.letters and not args.no_plots:
        files += [Path(f) for f in _pictures("attribution_pictures", att, inputs.ids,
                                             _sequences(inputs), inputs.letters, args.out)]
    summary: dict[str, Any] = {"run": args.run, "data": args.data, "method": args.method,
                               "n": len(inputs.ids)}
    gap = att.completeness_gap()
    if gap is not None and len(gap):
        # the median: a sample whose output barely moves from the baseline's has a large
        # relative gap however small the absolute one
        summary["completeness_gap_median"] = float(np.median(gap))
        summary["completeness_gap_max"] = float(gap.max())
        print(f"integrated gradients: attributions sum to f(x) - f(baseline) within "
              f"{100 * float(np.median(gap)):.2f} % (median over samples)")
    if args.per_class:
        if inputs.task != "classification" or inputs.y is None:
            raise ExplainError("--per-class needs a classification run and labelled DATA")
        per = class_mean_attribution(inputs.model, inputs.X, inputs.y, args.method,
                                     class_names=inputs.class_names, layout=inputs.layout,
                                     **options)
        files += write_class_attribution(args.out, per, inputs.layout, inputs.letters,
                                         inputs.feature_names)
        summary["per_class_counts"] = dict(zip(per.class_names, per.counts.tolist(),
                                               strict=True))
    return _finish(args, files, summary)


def run_motifs(args: argparse.Namespace) -> int:
    from core.explain.export import motifs_document, write_motifs
    from core.explain.inputs import run_inputs
    from core.explain.match import match_filters
    from core.explain.motif_files import read_motifs
    from core.explain.motifs import filter_motifs, first_conv

    inputs = run_inputs(args.run, args.data)
    first_conv(inputs.model, inputs.spec)  # refuse a network without filters first
    if not inputs.letters:
        raise ExplainError(f"motifs need one-hot encoded sequences; this run has "
                           f"{inputs.layout or 'other'} inputs")
    library = None
    if args.meme or args.jaspar:
        library = read_motifs(args.meme or args.jaspar, "meme" if args.meme else "jaspar")
    _to_device(inputs.model, args.device)
    motifs = filter_motifs(inputs.model, inputs.spec, inputs.X, inputs.letters, inputs.y,
                           task=inputs.task, threshold=args.threshold,
                           influence=not args.no_influence)
    if library is not None:
        motifs = match_filters(motifs, library, min_overlap=args.min_overlap)
    for note in [*inputs.notes, *motifs.notes]:
        print(f"note: {note}")
    for rank, m in enumerate(motifs.filters[:10], start=1):
        infl = "" if m.influence is None else f", {motifs.influence_measure} {m.influence:.4g}"
        best = "" if m.match is None else f", best match {m.match.motif} ({m.match.score:.2f})"
        print(f"{rank:3d}. filter {m.index}: {m.consensus(motifs.letters)} "
              f"({m.n_sites} sites, {m.information_content:.1f} bits{infl}{best})")
    files = write_motifs(args.out, motifs)
    if not args.no_plots:
        files += [Path(f) for f in _pictures("motif_pictures", motifs, args.out)]
    return _finish(args, files, {"run": args.run, **motifs_document(motifs)})


def run_importance(args: argparse.Namespace) -> int:
    from core.explain.export import write_importance
    from core.explain.inputs import run_tensors
    from core.explain.permutation import permutation_importance_table

    bundle, data, notes = run_tensors(args.run)
    if args.baselines is None:  # the run's own, as metrics.json lists them
        baselines = list((bundle.metrics.get("baseline") or {}).keys())
    elif args.baselines.strip().lower() == "none":
        baselines = []
    else:
        baselines = [b.strip() for b in args.baselines.split(",") if b.strip()]
    _to_device(bundle.model, args.device)
    result = permutation_importance_table(bundle.model, data, baselines=baselines,
                                          seed=args.seed, n_repeats=args.repeats)
    for note in [*notes, *result.notes]:
        print(f"note: {note}")
    for name, s in result.models.items():
        top = int(s.mean.argmax()) if len(s.mean) else 0
        print(f"{name}: {result.metric} {s.score:.4g}; most important "
              f"{result.features[top]} (drop {s.mean[top]:.4g})")
    files = write_importance(args.out, result)
    return _finish(args, files, {"run": args.run, "metric": result.metric,
                                 "n_rows": result.n_rows, "repeats": result.n_repeats,
                                 "scores": {k: v.score for k, v in result.models.items()},
                                 "table": result.table()})
