"""``mendel cv`` and ``mendel search``: choosing a model honestly, headless.

``mendel cv DATA --folds 5`` cross-validates the network and the classic baselines on the
same folds of the training and validation rows (``core.select.cv``); the test rows are
not read. ``mendel search DATA --trials 20`` searches learning rate, batch size,
optimizer, weight decay, dropout, width and depth (or the settings of ``--space
space.json``) on the validation rows, then scores the best trial once on the test rows
(``core.select.search``). Both print one line per fold or trial; with ``--json`` the last
line of stdout is one JSON object. ``--project PROJECT`` saves each fold, or the best
trial, as a run of the project, named "cv fold 2/5" or "search trial 7 (best of 20)".
Ctrl-C once stops after the current batch and still reports what was done.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from app.commands.data_args import (
    add_data_arguments,
    encoding_options_from_args,
    load_options_from_args,
)
from app.commands.train import (
    _checked_project,
    _ctrl_c_stops,
    _project_run_folder,
    add_baseline_arguments,
    add_config_arguments,
    add_network_arguments,
    add_split_arguments,
    baselines_from_args,
    config_from_args,
    data_line,
    network_from_args,
    preset_options_from_args,
    split_options_from_args,
)
from core.errors import DataError, TrainError
from core.select.events import SelectEvent, StepEpoch, StepFinished
from core.train.control import RunControl
from core.train.report import MAIN_METRIC, RESULT_METRICS, frame_text, results_frame


def register(sub: argparse._SubParsersAction) -> None:
    cv = sub.add_parser(
        "cv", help="cross-validate a network and the baselines on the same folds",
        description="k-fold cross-validation over the training and validation rows of "
        "DATA (stratified by class, grouped by --group-column / --group-by); the test rows "
        "are never read. Each fold refits the encoding on its training rows, trains the "
        "network and the classic baselines there and scores them on its held-out rows. "
        "Prints each fold and the mean and standard deviation of every metric.")
    _common(cv)
    cv.add_argument("--folds", type=int, default=5, metavar="K",
                    help="number of folds (default 5); the folds are drawn with the split "
                    "seed")
    cv.set_defaults(func=run_cv)

    se = sub.add_parser(
        "search", help="search hyperparameters on the validation rows, test the best once",
        description="Hyperparameter search (Optuna) over learning rate, batch size, "
        "optimizer, weight decay, dropout and the width and depth of the network, or the "
        "settings of --space. Each trial trains on the training rows and is scored by its "
        "validation loss; unpromising trials are pruned. The best trial's model is then "
        "scored once on the test rows. The same seed gives the same trials.")
    _common(se)
    se.add_argument("--trials", type=int, default=20, metavar="N",
                    help="number of trials (default 20)")
    se.add_argument("--space", metavar="space.json",
                    help="the settings to search, e.g. {\"lr\": {\"low\": 1e-4, \"high\": "
                    "0.1, \"log\": true}, \"optimizer\": [\"adam\", \"sgd\"]} (default: "
                    "learning rate, batch size, optimizer, weight decay, dropout, width, "
                    "depth)")
    se.add_argument("--timeout", type=float, metavar="S",
                    help="stop starting trials after S seconds (the running one finishes)")
    se.add_argument("--sampler", choices=("tpe", "random", "grid"), default="tpe",
                    help="how settings are chosen (default tpe)")
    se.add_argument("--jobs", type=int, default=1, metavar="N",
                    help="trials run at once, in threads (default 1; only one job repeats "
                    "exactly)")
    se.add_argument("--no-prune", action="store_true",
                    help="train every trial to the end (no median pruning)")
    se.set_defaults(func=run_search)


def _common(p: argparse.ArgumentParser) -> None:
    add_data_arguments(p)
    add_network_arguments(p)
    t = p.add_argument_group("training (every TrainConfig option)")
    add_config_arguments(t)
    add_split_arguments(p)
    add_baseline_arguments(t)
    o = p.add_argument_group("output")
    o.add_argument("--project", metavar="PROJECT",
                   help="save the runs into a project folder (PROJECT.mendel, created with "
                   "these options if it does not exist)")
    o.add_argument("--json", action="store_true", help="end with one JSON line (for scripts)")
    p.set_defaults(out=None)


def prepared_from_args(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(prepared run, its network argument, split options) from the flags, printed."""
    from core.train.run import prepare_run

    split = split_options_from_args(args)
    network = network_from_args(args)
    prepared = prepare_run(
        args.data, load_options_from_args(args), encoding_options_from_args(args),
        network=network, preset_options=preset_options_from_args(args),
        val_fraction=split.val_fraction, test_fraction=split.test_fraction, seed=split.seed,
        use_file_split=split.use_file_split)
    print(data_line(prepared))
    for note in [*prepared.dataset.warnings, *prepared.data.notes]:
        print(f"note: {note}")
    return prepared, network, split


def run_cv(args: argparse.Namespace) -> int:
    from core.select.cv import cross_validate

    config = config_from_args(args)
    config.validate()
    baselines = baselines_from_args(args)
    project = _checked_project(args)
    prepared, network, split = prepared_from_args(args)
    if len(prepared.split.train) + len(prepared.split.val) < args.folds:
        raise DataError(f"--folds {args.folds} is more than the {len(prepared.split.train)}"
                        f" + {len(prepared.split.val)} training and validation samples")
    printer = StepPrinter(sys.stdout)
    control = RunControl()
    with _ctrl_c_stops(control):
        result = cross_validate(prepared, config, args.folds, baselines=baselines,
                                keep_outcomes=project is not None, control=control,
                                on_event=printer)
    printer.close()
    if not result.scored():
        raise TrainError("no fold finished: " + "; ".join(
            f"fold {f.fold}: {f.message or f.state}" for f in result.folds))
    print(cv_table(result))
    for note in result.notes:
        print(f"note: {note}")
    runs = []
    if project is not None:
        for fold in result.scored():
            runs.append(_save_run(project, args, prepared, network, config, split, baselines,
                                  fold.outcome, f"cv fold {fold.fold}/{result.k}"))
    if args.json:
        print(json.dumps(_plain({**result.to_dict(), "runs": runs})))
    return 0


def run_search(args: argparse.Namespace) -> int:
    from core.select.search import search
    from core.select.space import SearchSpace

    config = config_from_args(args)
    config.validate()
    if args.trials < 1:
        raise TrainError(f"--trials must be at least 1, got {args.trials}")
    space = SearchSpace.load(args.space) if args.space else None
    baselines = baselines_from_args(args)
    project = _checked_project(args)
    prepared, network, split = prepared_from_args(args)
    printer = StepPrinter(sys.stdout)
    control = RunControl()
    with _ctrl_c_stops(control):
        result = search(prepared, config, args.trials, space=space, sampler=args.sampler,
                        seed=args.seed, timeout=args.timeout, prune=not args.no_prune,
                        n_jobs=args.jobs, baselines=baselines, control=control,
                        on_event=printer)
    printer.close()
    outcome, best = result.outcome, result.best
    if outcome is None or best is None:
        raise TrainError("no trial finished: " + "; ".join(
            f"trial {t.number}: {t.message or t.state}" for t in result.trials))
    states = [t.state for t in result.trials]
    counts = ", ".join(f"{states.count(s)} {s}" for s in dict.fromkeys(states))
    print(f"{len(states)} trials ({counts}); best: trial {best.number}, validation loss "
          f"{best.value:.4g}")
    print("best settings: " + ", ".join(f"{k}={_short(v)}" for k, v in best.params.items()))
    print(frame_text(results_frame(outcome.metrics, outcome.baseline, outcome.data.task)))
    for note in [*result.notes, *outcome.notes]:
        print(f"note: {note}")
    runs = []
    if project is not None:
        name = f"search trial {best.number} (best of {len(result.trials)})"
        runs.append(_save_run(project, args, prepared, network, config, split, baselines,
                              outcome, name))
    if args.json:
        print(json.dumps(_plain({**result.to_dict(), "runs": runs})))
    return 0


def _save_run(project: Path, args: argparse.Namespace, prepared: Any, network: Any,
              config: Any, split: Any, baselines: Any, outcome: Any, name: str) -> str:
    """One outcome as a named run folder of the project (removed again if saving fails)."""
    from core.export.bundle import save_bundle
    from core.project import rename_run

    folder = _project_run_folder(project, args, prepared, network, config, split, baselines)
    try:
        save_bundle(folder, outcome)
        rename_run(folder, name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    print(f"saved {name} to {folder}")
    return str(folder)


def cv_table(result: Any) -> str:
    """Mean ± std of the headline metrics, the network beside each baseline."""
    from core.classic.baseline_info import display_name

    columns = [("network", result.mean, result.std)]
    columns += [(display_name(n), b["mean"], b["std"]) for n, b in result.baselines().items()]
    keys = [k for k in RESULT_METRICS.get(result.task, ()) if k in result.mean]
    name_width = max(len(c[0]) for c in columns)
    cell = max([len(k) for k in keys] + [13]) + 2
    lines = [f"{result.k}-fold cross-validation over {result.n_rows} training and validation"
             f" rows ({len(result.scored())} folds scored"
             + (", grouped" if result.grouped else "") + f"; {result.n_test_untouched} test"
             " rows untouched): mean \u00b1 std of the held-out folds",
             " " * name_width + "".join(f"{k:>{cell}}" for k in keys)]
    for title, mean, std in columns:
        cells = [f"{mean[k]:.3f} \u00b1 {std[k]:.3f}" if k in mean else "\u2013"
                 for k in keys]
        lines.append(f"{title:<{name_width}}" + "".join(f"{c:>{cell}}" for c in cells))
    return "\n".join(lines)


class StepPrinter:
    """One line per fold or trial; on a terminal, an updating line for its epochs."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.live, self._width = stream, stream.isatty(), 0

    def __call__(self, ev: SelectEvent) -> None:
        if isinstance(ev, StepEpoch) and self.live:
            loss = "" if ev.epoch.val_loss is None else f" val_loss {ev.epoch.val_loss:.4g}"
            eta = "" if ev.eta is None else f"  eta {ev.eta:.0f} s"
            text = f"{ev.kind} {ev.number}: epoch {ev.epoch.epoch}/{ev.epochs}{loss}{eta}"
            self.stream.write("\r" + text + " " * max(self._width - len(text), 0))
            self._width = len(text)
        elif isinstance(ev, StepFinished):
            self.close()
            of = f"/{ev.total}" if ev.total else ""
            if ev.kind == "fold":
                key, label = MAIN_METRIC.get(_task(ev.metrics), ("", ""))
                score = ev.metrics.get(key)
                what = f"{label} {score:.4g}" if score is not None else ev.message
            else:
                what = f"val_loss {ev.value:.4g}" if ev.value is not None and \
                    ev.state == "complete" else ev.message
            eta = "" if ev.eta is None or ev.eta <= 0 else f", eta {ev.eta:.0f} s"
            self.stream.write(f"{ev.kind} {ev.number}{of}: {ev.state}, {what} "
                              f"({ev.seconds:.1f} s{eta})\n")
        self.stream.flush()

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.flush()


def _task(metrics: dict[str, Any]) -> str:
    return "classification" if "accuracy" in metrics else "regression"


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _plain(value: Any) -> Any:
    from core.export.bundle import jsonable

    return jsonable(value)
