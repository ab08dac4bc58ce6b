"""``mendel train DATA --model PRESET|spec.json``: the Train page, headless.

Output: a data summary line, the network summary table, one progress line per epoch (a
single updating line on a terminal), then the metrics against the classic baselines.
With ``--json`` the last line of stdout is one JSON object (the run's metrics.json plus
``out``). Ctrl-C once stops after the current batch and still reports and saves the run.
``--project PROJECT`` saves the run as PROJECT.mendel/runs/NNN-DATE-TIME (``core.project``),
creating the project from these options when it does not exist.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from types import UnionType
from typing import Any, TextIO, Union, get_args, get_origin, get_type_hints

from app.commands.data_args import (
    add_data_arguments,
    encoding_options_from_args,
    load_options_from_args,
)
from core.classic.baseline_info import BASELINES, parse_names
from core.data.splits import SplitOptions
from core.errors import MendelError, TrainError
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.events import EpochFinished, Event, RunFinished, RunStarted
from core.train.report import MAIN_METRIC, frame_text, metrics_frame, results_frame


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train a network on DATA and compare it with classic baselines",
        description="Train a preset or a saved network (spec.json) on DATA. The data are "
        "split (seeded, stratified), encoded with statistics of the training part only, and "
        "the test metrics are shown beside classic baselines (logistic/linear regression, a "
        "decision tree, naive Bayes, a random forest, k-nearest neighbours, the majority "
        "class or mean) fitted on the same split. A linear model on a table also prints "
        "its equation in the data's units. --task reconstruct trains an autoencoder (the "
        "targets are the inputs) and compares it with PCA as wide as its narrowest hidden "
        "layer. --out saves a run folder for 'mendel predict'. --resume RUN --epochs N "
        "continues a saved run from its checkpoint to N epochs in all.")
    add_data_arguments(p)
    _data_optional(p)  # --resume reads the data from the run folder
    add_network_arguments(p)
    t = p.add_argument_group("training (every TrainConfig option)")
    add_config_arguments(t)
    add_split_arguments(p)
    add_baseline_arguments(t)
    o = p.add_argument_group("output")
    o.add_argument("--out", metavar="DIR", help="save the run folder (weights, ONNX, card...);"
                   " while it trains, its checkpoints are in DIR.incomplete")
    o.add_argument("--overwrite", action="store_true",
                   help="replace the run already saved at --out (a folder holding other "
                   "files is never replaced)")
    o.add_argument("--project", metavar="PROJECT",
                   help="add the run to a project folder (PROJECT.mendel, created with "
                   "these options if it does not exist) as runs/NNN-DATE-TIME")
    o.add_argument("--json", action="store_true",
                   help="end with one JSON line of metrics (for scripts)")
    r = p.add_argument_group("resume")
    r.add_argument("--resume", metavar="RUN",
                   help="continue the run folder RUN from its last checkpoint to --epochs "
                   "epochs in all, with its own data, network and options (exactly as if "
                   "it had not stopped); saved to --out, by default RUN-resumed")
    r.add_argument("--force", action="store_true",
                   help="with --resume: continue even though the data file changed")
    p.set_defaults(func=run_train, epochs=None)  # None: not given (--resume needs it)


def add_network_arguments(p: argparse.ArgumentParser) -> None:
    """--model (a preset or spec.json) and the preset options."""
    n = p.add_argument_group("network")
    n.add_argument("--model", default="auto", metavar="PRESET|spec.json",
                   help="linear, mlp, cnn1d, cnn2d, rnn, resmlp, auto (default: chosen "
                   "from the data), or a network JSON file saved by the Network page")
    n.add_argument("--hidden", type=_int_list, metavar="N,N",
                   help="preset hidden sizes, e.g. 64,32")
    n.add_argument("--activation", metavar="NAME", help="preset activation, e.g. relu, tanh")
    n.add_argument("--dropout", type=float, metavar="X", help="preset dropout rate, 0..1")


def add_split_arguments(p: argparse.ArgumentParser) -> None:
    """--val-fraction, --test-fraction and --split-seed."""
    split = p.add_argument_group("split")
    defaults = SplitOptions()
    split.add_argument("--val-fraction", type=float, default=defaults.val_fraction,
                       metavar="F", help="share of samples for validation (default "
                       f"{defaults.val_fraction:g})")
    split.add_argument("--test-fraction", type=float, default=defaults.test_fraction,
                       metavar="F", help="share of samples for the final test (default "
                       f"{defaults.test_fraction:g})")
    split.add_argument("--split-seed", type=int, metavar="N",
                       help="seed of the train/validation/test split alone, so the training "
                       "seed can change while the split stays (default: --seed)")


def add_baseline_arguments(group: Any) -> None:
    """--no-baseline and --baselines (read by ``baselines_from_args``)."""
    group.add_argument("--no-baseline", action="store_true", help="skip the classic baselines")
    group.add_argument("--baselines", metavar="NAME,NAME",
                       help="which baselines to fit (default: all that fit the task): "
                       f"{', '.join(BASELINES)}")


def network_from_args(args: argparse.Namespace) -> Any:
    """The ``prepare_run`` network of --model: a preset name or a loaded spec.json."""
    from core.nn.spec import NetworkSpec

    if args.model.lower().endswith(".json") or Path(args.model).is_file():
        return NetworkSpec.load(args.model)
    return args.model


def run_train(args: argparse.Namespace) -> int:
    from core.export.bundle import jsonable, run_metrics
    from core.nn.shapes import summary_text
    from core.nn.spec import NetworkSpec
    from core.train.coefficients import linear_coefficients
    from core.train.run import prepare_run, run_memory

    if args.resume:
        return run_resume(args)
    if args.data is None:
        raise TrainError("give the DATA to train on, or --resume RUN")
    if args.epochs is None:
        args.epochs = TrainConfig().epochs
    config = config_from_args(args)
    config.validate()
    if args.out:  # a folder that cannot be written fails now, not after every epoch
        from core.export.bundle import check_out_folder

        check_out_folder(args.out, args.overwrite)
    baselines = baselines_from_args(args)
    network: NetworkSpec | str = network_from_args(args)
    split = split_options_from_args(args)
    project = _checked_project(args)
    prepared = prepare_run(
        args.data, load_options_from_args(args), encoding_options_from_args(args),
        network=network, preset_options=preset_options_from_args(args),
        val_fraction=split.val_fraction, test_fraction=split.test_fraction, seed=split.seed,
        use_file_split=split.use_file_split,
    )
    print(data_line(prepared))
    for note in [*prepared.dataset.warnings, *prepared.data.notes]:
        print(f"note: {note}")
    print(summary_text(prepared.summary, config.batch_for(prepared.data.sizes()["train"]),
                       config.optimizer, config.momentum))
    print(f"memory: {run_memory(prepared, config, baselines).text()}")
    if project is not None:  # the run's folder exists (incomplete) while it trains
        args.out = str(_project_run_folder(project, args, prepared, network, config, split,
                                           baselines))
        args.overwrite = True  # the project's new folder: only this run's checkpoint
    try:
        outcome, report = _train_and_save(args, prepared, config, baselines)
    except BaseException:
        if project is not None:  # never leave a half-written run in the project
            shutil.rmtree(args.out, ignore_errors=True)
        raise
    onnx_diff = ts_diff = None
    if report is not None:
        onnx_diff, ts_diff = report.onnx_max_abs_diff, report.torchscript_max_abs_diff
    metrics = run_metrics(outcome, onnx_diff, ts_diff)
    print(frame_text(results_frame(outcome.metrics, outcome.baseline, prepared.data.task)))
    for note in outcome.notes:
        print(f"note: {note}")
    coefficients = linear_coefficients(outcome)
    if coefficients is not None:
        print("linear model in the data's units:")
        print("\n".join(f"  {line}" for line in coefficients["equation"].splitlines()))
    if args.out:
        print(f"saved run to {args.out} (ONNX agrees with PyTorch to {onnx_diff:.1e})")
    if args.json:
        print(json.dumps(jsonable({**metrics, "coefficients": coefficients, "out": args.out})))
    return 0


def _train_and_save(args: argparse.Namespace, prepared: Any, config: TrainConfig,
                    baselines: bool | list[str]) -> tuple[Any, Any]:
    """Train (printing progress; Ctrl-C stops), then save the run folder to --out."""
    from core.train.run import train_prepared

    printer = ProgressPrinter(sys.stdout, prepared.data.task)
    control = RunControl()
    checkpoints = _checkpoint_folder(args, Path(args.out)) if args.out else None
    with _ctrl_c_stops(control):
        outcome = train_prepared(prepared, config, control, printer, baselines=baselines,
                                 checkpoint_dir=checkpoints)
    printer.close()
    result = outcome.result
    if result is None or result.failed or not outcome.succeeded:
        raise TrainError(result.message if result and result.message else "training failed")
    if not args.out:
        return outcome, None
    return outcome, _save(Path(args.out), outcome, args.overwrite, checkpoints)


def _checkpoint_folder(args: argparse.Namespace, out: Path) -> Path:
    """Where the checkpoints go while the run trains: a project's run folder is the
    project's own, new one; a plain --out keeps them in OUT.incomplete, so a run already
    saved at OUT stays whole until the new one replaces it."""
    from core.export.bundle import CHECKPOINT_DIR, incomplete_folder

    if getattr(args, "project", None):
        return out / CHECKPOINT_DIR
    return incomplete_folder(out) / CHECKPOINT_DIR


def _save(out: Path, outcome: Any, overwrite: bool, checkpoints: Path | None) -> Any:
    """Save the run folder; the OUT.incomplete its checkpoints went to is then removed
    (the finished run holds the same last checkpoint)."""
    from core.export.bundle import incomplete_folder, save_bundle

    report = save_bundle(out, outcome, overwrite=overwrite)
    if checkpoints is not None and checkpoints.parent == incomplete_folder(out):
        shutil.rmtree(checkpoints.parent, ignore_errors=True)
    return report


def _checked_project(args: argparse.Namespace) -> Path | None:
    """The --project folder, checked before training: a damaged project.json fails now,
    not after the run."""
    if not args.project:
        return None
    from core.project import open_project, project_folder

    if args.out:
        raise TrainError("give --out or --project, not both")
    folder = project_folder(args.project)
    if folder.exists() and not folder.is_dir():
        raise TrainError("exists and is not a folder; choose another --project", str(folder))
    if (folder / "project.json").exists():
        open_project(folder, verify=False)
    return folder


def _project_run_folder(project: Path, args: argparse.Namespace, prepared: Any,
                        network: Any, config: TrainConfig, split: SplitOptions,
                        baselines: bool | list[str]) -> Path:
    """Create the project from these options if it is new; a new run folder in it."""
    from core.project import new_run_folder, save_project, session_document

    if not (project / "project.json").exists():
        custom = not isinstance(network, str)
        source = args.data if args.data.startswith("demo:") else str(Path(args.data).resolve())
        doc = session_document(
            source, load_options_from_args(args), encoding_options_from_args(args), split,
            config, network_spec=network if custom else None,
            network_source=Path(args.model).name if custom else "",
            preset=None if custom else prepared.network_source,
            preset_options=None if custom else preset_options_from_args(args),
            baselines=None if baselines is True else (baselines or []))
        sha = prepared.dataset.provenance.sha256 if prepared.dataset.provenance else None
        save_project(project, doc, sha256=sha or None)
    return new_run_folder(project)


def run_resume(args: argparse.Namespace) -> int:
    """``--resume RUN --epochs N``: continue RUN's checkpoint into a new run folder."""
    from core.export.bundle import jsonable, run_metrics
    from core.export.resume import prepare_resume, resumed_folder
    from core.train.run import train_prepared

    if args.data is not None:
        raise TrainError("--resume reads the data from the run folder; give DATA or "
                         "--resume, not both")
    if args.epochs is None:
        raise TrainError("--resume needs --epochs N: the number of epochs in all")
    project = _resume_project(args)
    if args.out:
        from core.export.bundle import check_out_folder

        check_out_folder(args.out, args.overwrite)
    plan = prepare_resume(args.resume, args.epochs, force=args.force)
    if project is not None:
        from core.project import new_run_folder

        out = new_run_folder(project)  # the continued run is one more run of the project
    else:
        out = Path(args.out) if args.out else resumed_folder(args.resume)
    prepared, ck = plan.prepared, plan.checkpoint
    checkpoints = _checkpoint_folder(args, out)
    print(f"{plan.message} ({args.resume}); saving to {out}")
    print(data_line(prepared))
    for note in [*plan.notes, *prepared.dataset.warnings, *prepared.data.notes]:
        print(f"note: {note}")
    printer = ProgressPrinter(sys.stdout, prepared.data.task)
    control = RunControl()
    with _ctrl_c_stops(control):
        outcome = train_prepared(prepared, plan.config, control, printer,
                                 baselines=baselines_from_args(args),
                                 checkpoint_dir=checkpoints, resume=ck)
    printer.close()
    result = outcome.result
    if result is None or result.failed or not outcome.succeeded:
        raise TrainError(result.message if result and result.message else "training failed")
    report = _save(out, outcome, args.overwrite or project is not None, checkpoints)
    metrics = run_metrics(outcome, report.onnx_max_abs_diff, report.torchscript_max_abs_diff)
    print(frame_text(results_frame(outcome.metrics, outcome.baseline, prepared.data.task)))
    for note in outcome.notes:
        print(f"note: {note}")
    print(f"{plan.message}: ran epochs {ck.epoch + 1}-{result.epochs_run}; saved run to {out}")
    if args.json:
        print(json.dumps(jsonable({**metrics, "out": str(out)})))
    return 0


def _resume_project(args: argparse.Namespace) -> Path | None:
    """The existing project a resumed run goes into (``--project``), or None."""
    if not getattr(args, "project", None):
        return None
    from core.project import open_project, project_folder

    if args.out:
        raise TrainError("give --out or --project, not both")
    folder = project_folder(args.project)
    if not (folder / "project.json").is_file():
        raise TrainError("no project there; --resume adds its run to an existing project "
                         "(make one with 'mendel train DATA --project' or the app)",
                         str(folder))
    open_project(folder, verify=False)  # a damaged project.json fails before training
    return folder


def _data_optional(parser: argparse.ArgumentParser) -> None:
    """DATA may be left out (``--resume``); ``run_train`` asks for it otherwise."""
    for action in parser._actions:
        if action.dest == "data":
            action.nargs, action.default = "?", None


def baselines_from_args(args: argparse.Namespace) -> bool | list[str]:
    """``train_prepared``'s ``baselines``: all, none (--no-baseline) or the names given."""
    if args.no_baseline and args.baselines:
        raise TrainError("give --baselines or --no-baseline, not both")
    if args.baselines is not None:
        names = parse_names(args.baselines)
        if not names:
            raise TrainError("--baselines needs names such as logistic_regression,knn")
        return names
    return not args.no_baseline


# What a flag does beyond its TrainConfig field's sentence.
_FLAG_NOTES = {"seed": "Also the split's seed unless --split-seed is given."}
_NONE_WORDS = ("none", "off")


def add_config_arguments(group: argparse._ArgumentGroup) -> None:
    """One flag per ``TrainConfig`` field (but ``extra``), named after it (``--batch-size``)
    and explained by its help text, so every option the Train page has is reachable here.

    Booleans are ``--x/--no-x``; an optional value also takes "none"/"off" (``batch_size``
    "full"); ``betas`` takes two numbers.
    """
    defaults = TrainConfig()
    hints = get_type_hints(TrainConfig)
    for f in fields(TrainConfig):
        if f.name == "extra":
            continue
        meta, default = f.metadata, getattr(defaults, f.name)
        text = " ".join(filter(None, (meta.get("help"), _FLAG_NOTES.get(f.name))))
        kwargs: dict[str, Any] = {"dest": f.name, "default": default}
        kind, optional = _unwrap_optional(hints[f.name])
        shown = next((w for w, v in meta.get("words", {}).items() if v == default), None)
        if "show" in meta:
            shown = meta["show"](default)
        text += f" (default {shown or _shown(default, meta.get('none'))})"
        if "parse" in meta:  # a value with its own syntax (augment)
            kwargs.update(type=_parsed(meta["parse"]), metavar=meta.get("metavar"))
        elif kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            if get_origin(kind) is tuple:
                kwargs.update(nargs=len(get_args(kind)), type=get_args(kind)[0])
            else:
                kwargs["type"] = (_or_none(kind, meta.get("none"), meta.get("words"))
                                  if optional else kind)
            if "choices" in meta:
                kwargs["choices"] = meta["choices"]
            elif "metavar" in meta:
                kwargs["metavar"] = meta["metavar"]
        group.add_argument("--" + f.name.replace("_", "-"), help=text.replace("%", "%%"),
                           **kwargs)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The ``TrainConfig`` of the flags ``add_config_arguments`` made (``extra`` empty)."""
    values = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if f.name != "extra"}
    values["betas"] = tuple(values["betas"])
    return TrainConfig(**values)


def split_options_from_args(args: argparse.Namespace) -> SplitOptions:
    """The split: its own seed when ``--split-seed`` is given, else the training seed; the
    file's split column when ``--split-column`` names one."""
    seed = args.seed if args.split_seed is None else args.split_seed
    return SplitOptions(val_fraction=args.val_fraction, test_fraction=args.test_fraction,
                        seed=seed, use_file_split=bool(args.split_column))


def _unwrap_optional(kind: Any) -> tuple[Any, bool]:
    """``int | None`` -> (int, True); ``int`` -> (int, False)."""
    args = get_args(kind)
    if get_origin(kind) in (Union, UnionType) and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        return inner, True
    return kind, False


def _or_none(kind: type, word: str | None,
             named: dict[str, Any] | None = None) -> Callable[[str], Any]:
    """A parser of ``kind`` values that reads "none", "off" (and ``word``) as None and the
    words of ``named`` as their values (``batch_size``: "auto" is 0)."""
    words = tuple(dict.fromkeys((word or "off", *_NONE_WORDS)))
    named = named or {}

    def parse(text: str) -> Any:
        if text.strip().lower() in named:
            return named[text.strip().lower()]
        if text.strip().lower() in words:
            return None
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number or {words[0]!r}, got {text!r}") from None

    return parse


def _parsed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` for argparse: its one-line MendelError becomes the flag's error."""

    def parse_flag(text: str) -> Any:
        try:
            return parse(text)
        except MendelError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse_flag


def _shown(default: Any, none_word: str | None) -> str:
    if isinstance(default, bool):
        return "on" if default else "off"
    if default is None:
        return none_word or "off"
    if isinstance(default, tuple):
        return " ".join(f"{v:g}" for v in default)
    return f"{default:g}" if isinstance(default, float) else str(default)


def preset_options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Only the preset options the user gave, so each preset keeps its own defaults."""
    hidden = args.hidden[0] if args.hidden and len(args.hidden) == 1 else args.hidden
    options = {"hidden": hidden, "activation": args.activation, "dropout": args.dropout}
    return {k: v for k, v in options.items() if v is not None}


def data_line(prepared: Any) -> str:
    ds, data = prepared.dataset, prepared.data
    sizes = data.sizes()
    task = (f"{ds.task}, {len(data.class_names)} classes" if data.class_names
            else f"reconstruct, {data.n_outputs} values per sample" if data.task == "reconstruct"
            else ds.task)
    return (f"data: {ds.name}: {len(ds)} {ds.modality} samples ({task}), input "
            f"{tuple(data.input_shape)}; train {sizes['train']} / val {sizes['val']} / "
            f"test {sizes['test']}")


class ProgressPrinter:
    """Prints trainer events: one line per epoch, or one updating line on a terminal."""

    def __init__(self, stream: TextIO, task: str) -> None:
        self.stream = stream
        self.task = task
        self.live = stream.isatty()
        self._width = 0

    def __call__(self, ev: Event) -> None:
        if isinstance(ev, RunStarted):
            self._line(f"training on {ev.device}: {ev.n_params:,} parameters, {ev.n_train} "
                       f"train / {ev.n_val} val samples, {_epochs_text(ev)} of "
                       f"{ev.batches_per_epoch} batches", final=True)
        elif isinstance(ev, EpochFinished):
            self._line(self.epoch_text(ev), final=not self.live)
        elif isinstance(ev, RunFinished) and ev.stopped_because != "nan":
            self._line(f"finished: {ev.stopped_because.replace('_', ' ')} after "
                       f"{ev.epochs_run} epochs (best {ev.best_epoch}, "
                       f"{ev.train_seconds:.1f} s)" + (f"; {ev.message}" if ev.message else ""),
                       final=True)
        # a failed or diverged run is reported once, as the command's error

    def epoch_text(self, ev: EpochFinished) -> str:
        parts = [f"epoch {ev.epoch}", f"loss {ev.train_loss:.4g}"]
        if ev.val_loss is not None:
            parts.append(f"val_loss {ev.val_loss:.4g}")
        key = MAIN_METRIC.get(self.task, ("", ""))[0]  # what the trainer measures per epoch
        value = ev.val_metrics.get(key)
        if value is not None:
            parts.append(f"val_{key} {value:.4g}")
        parts += [f"lr {ev.lr:.2g}", f"{ev.elapsed:.1f} s", f"eta {ev.eta:.0f} s"]
        return "  ".join(parts) + ("  *" if ev.is_best else "")

    def close(self) -> None:
        if self._width:
            self.stream.write("\n")
            self._width = 0
        self.stream.flush()

    def _line(self, text: str, final: bool) -> None:
        """A final line stays; a live line is overwritten by the next one (terminal only)."""
        if self.live and not final:
            self.stream.write("\r" + text + " " * max(self._width - len(text), 0))
            self._width = len(text)
        else:
            self.close()  # keep the last live line (the last epoch) visible
            self.stream.write(text + "\n")
        self.stream.flush()


def _epochs_text(ev: RunStarted) -> str:
    if ev.first_epoch > 1:  # a resumed run
        return f"epochs {ev.first_epoch}-{ev.epochs}"
    return f"{ev.epochs} epochs"


def metrics_table(columns: list[tuple[str, dict[str, Any]]], task: str) -> str:
    """The results table (``core.train.report``) as text, one column per (title, metrics)
    pair that holds any metric (``mendel evaluate``)."""
    columns = [(name, m) for name, m in columns if set(m) - {"n"}]  # skip empty splits
    return frame_text(metrics_frame(columns, task))


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes such as 64,32, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("hidden sizes must be positive, e.g. 64,32")
    return values


@contextmanager
def _ctrl_c_stops(control: RunControl) -> Iterator[None]:
    """First Ctrl-C: stop after the current batch (results are kept); second: abort."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum: int, frame: Any) -> None:
        if control.stopped:
            raise KeyboardInterrupt
        control.stop()
        print("\nstopping after this batch; Ctrl-C again to abort", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
