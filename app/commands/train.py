"""``mendel train DATA --model PRESET|spec.json``: the Train page, headless.

Output: a data summary line, the network summary table, one progress line per epoch (a
single updating line on a terminal), then the metrics against the classic baselines.
With ``--json`` the last line of stdout is one JSON object (the run's metrics.json plus
``out``). Ctrl-C once stops after the current batch and still reports and saves the run.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from app.commands.data_args import (
    add_data_arguments,
    encoding_options_from_args,
    load_options_from_args,
)
from core.errors import TrainError
from core.train.config import LOSSES, OPTIMIZERS, SCHEDULES, TrainConfig
from core.train.control import RunControl
from core.train.events import EpochFinished, Event, RunFinished, RunStarted

_SHOWN_METRICS = {
    "classification": ("accuracy", "f1_macro", "roc_auc"),
    "regression": ("mse", "mae", "r2"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train a network on DATA and compare it with classic baselines",
        description="Train a preset or a saved network (spec.json) on DATA. The data are "
        "split (seeded, stratified), encoded with statistics of the training part only, and "
        "the test metrics are shown beside logistic/linear regression and a decision tree "
        "fitted on the same split. --out saves a run folder for 'mendel predict'.")
    add_data_arguments(p)
    n = p.add_argument_group("network")
    n.add_argument("--model", default="auto", metavar="PRESET|spec.json",
                   help="linear, mlp, cnn1d, cnn2d, rnn, resmlp, auto (default: chosen "
                   "from the data), or a network JSON file saved by the Network page")
    n.add_argument("--hidden", type=_int_list, metavar="N,N",
                   help="preset hidden sizes, e.g. 64,32")
    n.add_argument("--activation", metavar="NAME", help="preset activation, e.g. relu, tanh")
    n.add_argument("--dropout", type=float, metavar="X", help="preset dropout rate, 0..1")
    t = p.add_argument_group("training")
    t.add_argument("--epochs", type=int, default=30, metavar="N", help="default 30")
    t.add_argument("--batch-size", type=_batch_size, default=32, metavar="N|full",
                   help="samples per step, or full for full-batch (default 32)")
    t.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 0.001)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="default adam")
    t.add_argument("--momentum", type=float, default=0.0, metavar="X",
                   help="SGD / RMSprop momentum")
    t.add_argument("--nesterov", action="store_true", help="Nesterov momentum (SGD)")
    t.add_argument("--weight-decay", type=float, default=0.0, metavar="X")
    t.add_argument("--loss", choices=LOSSES, default="auto",
                   help="auto: cross-entropy for classes, MSE for values")
    t.add_argument("--class-weights", choices=["none", "balanced"], default="none",
                   help="balanced: weigh rare classes up in the loss")
    t.add_argument("--schedule", choices=SCHEDULES, default="none",
                   help="learning-rate schedule")
    t.add_argument("--step-size", type=int, default=10, metavar="N",
                   help="step schedule: epochs per decay (default 10)")
    t.add_argument("--gamma", type=float, default=0.5, metavar="X",
                   help="step/plateau decay factor (default 0.5)")
    t.add_argument("--l1", type=float, default=0.0, metavar="X", help="L1 penalty weight")
    t.add_argument("--l2", type=float, default=0.0, metavar="X", help="L2 penalty weight")
    t.add_argument("--grad-clip", type=float, metavar="NORM", help="clip gradients to NORM")
    t.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a better validation loss")
    t.add_argument("--val-fraction", type=float, default=0.15, metavar="F",
                   help="share of samples for validation (default 0.15)")
    t.add_argument("--test-fraction", type=float, default=0.15, metavar="F",
                   help="share of samples for the final test (default 0.15)")
    t.add_argument("--seed", type=int, default=0, metavar="N",
                   help="seed of the split, initialization and batch order (default 0)")
    t.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    t.add_argument("--no-baseline", action="store_true", help="skip the classic baselines")
    o = p.add_argument_group("output")
    o.add_argument("--out", metavar="DIR", help="save the run folder (weights, ONNX, card...)")
    o.add_argument("--json", action="store_true",
                   help="end with one JSON line of metrics (for scripts)")
    p.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from core.export.bundle import jsonable, run_metrics, save_bundle
    from core.nn.shapes import summary_text
    from core.nn.spec import NetworkSpec
    from core.train.run import prepare_run, train_prepared

    config = config_from_args(args)
    config.validate()
    network: NetworkSpec | str = args.model
    if args.model.lower().endswith(".json") or Path(args.model).is_file():
        network = NetworkSpec.load(args.model)
    prepared = prepare_run(
        args.data, load_options_from_args(args), encoding_options_from_args(args),
        network=network, preset_options=preset_options_from_args(args),
        val_fraction=args.val_fraction, test_fraction=args.test_fraction, seed=args.seed,
        use_file_split=bool(args.split_column),
    )
    print(data_line(prepared))
    for note in [*prepared.dataset.warnings, *prepared.data.notes]:
        print(f"note: {note}")
    print(summary_text(prepared.summary, config.batch_size or prepared.data.sizes()["train"]))
    printer = ProgressPrinter(sys.stdout, prepared.data.task)
    control = RunControl()
    with _ctrl_c_stops(control):
        outcome = train_prepared(prepared, config, control, printer,
                                 baselines=not args.no_baseline)
    printer.close()
    result = outcome.result
    if result is None or result.failed or not outcome.succeeded:
        raise TrainError(result.message if result and result.message else "training failed")
    onnx_diff = ts_diff = None
    if args.out:
        report = save_bundle(args.out, outcome)
        onnx_diff, ts_diff = report.onnx_max_abs_diff, report.torchscript_max_abs_diff
    metrics = run_metrics(outcome, onnx_diff, ts_diff)
    print(metrics_table(run_columns(metrics), metrics["task"]))
    if args.out:
        print(f"saved run to {args.out} (ONNX agrees with PyTorch to {onnx_diff:.1e})")
    if args.json:
        print(json.dumps(jsonable({**metrics, "out": args.out})))
    return 0


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr,
        momentum=args.momentum, nesterov=args.nesterov, weight_decay=args.weight_decay,
        loss=args.loss, class_weights=args.class_weights, schedule=args.schedule,
        step_size=args.step_size, gamma=args.gamma, l1=args.l1, l2=args.l2,
        grad_clip=args.grad_clip, early_stopping=args.early_stopping, seed=args.seed,
        device=args.device,
    )


def preset_options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Only the preset options the user gave, so each preset keeps its own defaults."""
    hidden = args.hidden[0] if args.hidden and len(args.hidden) == 1 else args.hidden
    options = {"hidden": hidden, "activation": args.activation, "dropout": args.dropout}
    return {k: v for k, v in options.items() if v is not None}


def data_line(prepared: Any) -> str:
    ds, data = prepared.dataset, prepared.data
    sizes = data.sizes()
    task = (f"{ds.task}, {len(data.class_names)} classes" if data.class_names
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
                       f"train / {ev.n_val} val samples, {ev.epochs} epochs of "
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
        for key in _SHOWN_METRICS.get(self.task, ()):
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


def metrics_table(columns: list[tuple[str, dict[str, Any]]], task: str) -> str:
    """Rows: the task's main metrics; one column per (title, metrics) pair that has any."""
    columns = [(name, m) for name, m in columns if set(m) - {"n"}]  # skip empty splits
    rows = [["metric", *(name for name, _ in columns)]]
    for key in ("n", *_SHOWN_METRICS.get(task, ())):
        rows.append([key, *(_cell(m.get(key)) for _, m in columns)])
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(w) if i else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
                     for row in rows)


def run_columns(metrics: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The network on each split, then each baseline on the test split."""
    columns = [(f"net {name}", metrics.get(name) or {}) for name in ("train", "val", "test")]
    return columns + [(f"{name} test", m) for name, m in (metrics.get("baseline") or {}).items()]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.4f}"


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes such as 64,32, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("hidden sizes must be positive, e.g. 64,32")
    return values


def _batch_size(text: str) -> int | None:
    if text.strip().lower() == "full":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'full', got {text!r}") from None


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
