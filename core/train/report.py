"""What a run reports, in one place: its headline metrics, the results table, the sentence
under it and the overfitting warning.

The Train page, ``mendel train`` / ``mendel evaluate`` and the model card all show these,
so they are defined once here (headless, no Qt) and each front end only renders them:
the page as a table view, the terminal as aligned text, the card as Markdown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.classic.baseline_info import display_name

if TYPE_CHECKING:  # pandas takes 0.4 s to import; the window must show before that
    import pandas as pd

OVERFIT_WINDOW = 3  # epochs of rising validation loss before we say "overfitting"
# The one number per task the live curves and the summary sentence use: (key, label).
MAIN_METRIC = {"classification": ("accuracy", "accuracy"), "regression": ("r2", "R\u00b2"),
               "reconstruct": ("r2", "reconstruction R\u00b2")}
# The headline metrics per task: the rows of every results table, in this order.
RESULT_METRICS = {
    "classification": ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc"),
    "regression": ("r2", "mse", "mae", "pearson_r"),
    "reconstruct": ("r2", "mse", "mae"),  # of the rebuilt inputs, every value counted
}
MISSING = "\u2013"  # a metric that is not defined for this split (e.g. ROC AUC of one class)

Metrics = Mapping[str, Any]


def overfitting(train_losses: Sequence[float], val_losses: Sequence[float],
                window: int = OVERFIT_WINDOW) -> bool:
    """Validation loss rose at each of the last ``window`` epochs while training loss fell."""
    if len(val_losses) <= window or len(train_losses) <= window:
        return False
    val = list(val_losses[-window - 1:])
    rising = all(b > a for a, b in zip(val, val[1:], strict=False))
    return rising and train_losses[-1] < train_losses[-window - 1]


def overfitting_hint(window: int = OVERFIT_WINDOW) -> str:
    """The warning shown while ``overfitting`` holds: what it means and what to try."""
    return (f"Overfitting: the validation loss has risen for {window} epochs in a row while "
            "the training loss keeps falling \u2014 the network is memorizing the training "
            "samples. Try more L2 or dropout, a smaller network, or early stopping.")


def finished_message(stopped_because: str, message: str) -> tuple[str, str] | None:
    """(sentence, level) that explains why a run ended, when it did not simply complete."""
    text = message[:1].upper() + message[1:]
    if stopped_because == "nan":  # the message says where and suggests a learning rate
        return f"Training diverged (the loss became NaN, not a number): {message}.", "error"
    if stopped_because == "early_stopping":  # the message names the best epoch
        return f"{text}.", "info"
    if stopped_because == "stopped":
        return f"{text}; the results below are for the weights at that point.", "info"
    return None


def format_seconds(seconds: float) -> str:
    """'0:42', '12:05' or '1:02:03'; '?' while an estimate is not known (inf, NaN)."""
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def result_columns(metrics: Mapping[str, Metrics],
                   baseline: Mapping[str, Mapping[str, Metrics]]) -> list[tuple[str, Metrics]]:
    """(title, metrics) per column: the network on each split that has samples, then each
    baseline on the test split (the comparison the course asks for).

    ``metrics`` is ``TrainingOutcome.metrics``; ``baseline`` is ``TrainingOutcome.baseline``
    (each classic model's metrics per split)."""
    columns: list[tuple[str, Metrics]] = [
        (f"Network ({name})", metrics.get(name) or {}) for name in ("train", "val", "test")
        if set(metrics.get(name) or {}) - {"n"}
    ]
    columns += [(f"{display_name(name)} (test)", m.get("test") or {})
                for name, m in baseline.items()]
    return columns


def metrics_frame(columns: Sequence[tuple[str, Metrics]], task: str) -> pd.DataFrame:
    """Rows: the task's headline metrics, then the number of samples; one column per
    (title, metrics) pair. Cells are text with four decimals, ``MISSING`` when undefined."""
    import pandas as pd

    rows = []
    for key in RESULT_METRICS.get(task, ()):
        row: dict[str, Any] = {"metric": key.replace("_", " ")}
        for title, m in columns:
            value = m.get(key)
            row[title] = MISSING if value is None else f"{value:.4f}"
        rows.append(row)
    n_row: dict[str, Any] = {"metric": "samples"}
    for title, m in columns:
        n_row[title] = str(m.get("n", "")) if m.get("n") is not None else ""
    rows.append(n_row)
    return pd.DataFrame(rows, columns=["metric", *(title for title, _ in columns)])


def results_frame(metrics: Mapping[str, Metrics], baseline: Mapping[str, Mapping[str, Metrics]],
                  task: str) -> pd.DataFrame:
    """The results table of a run: ``metrics_frame`` of ``result_columns``."""
    return metrics_frame(result_columns(metrics, baseline), task)


def results_sentence(outcome: Any) -> str:
    """One sentence a newcomer can read: how well, compared with what (a finished
    ``TrainingOutcome``)."""
    result = outcome.result
    key, label = MAIN_METRIC[outcome.data.task]
    test = (outcome.metrics.get("test") or {}).get(key)
    parts = [f"{result.epochs_run} epochs in {result.train_seconds:.1f} s on {result.device}"]
    if result.best_epoch:
        parts.append(f"best epoch {result.best_epoch}")
    text = "; ".join(parts) + "."
    if test is not None:
        text += f" Test {label}: {test:.3f}"
        scored = [(display_name(name), (m.get("test") or {}).get(key))
                  for name, m in outcome.baseline.items()]
        scored = [(name, v) for name, v in scored if v is not None]
        if scored:
            name, best = max(scored, key=lambda t: t[1])
            text += f"; the best baseline, {name}, reaches {best:.3f}"
        text += "."
    return text


def frame_text(frame: pd.DataFrame) -> str:
    """A results table as aligned plain text for a terminal (names left, numbers right)."""
    rows = [[str(c) for c in frame.columns], *([str(v) for v in r] for r in frame.to_numpy())]
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(w) if i else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
                     .rstrip() for row in rows)


def frame_markdown(frame: pd.DataFrame) -> str:
    """A results table as a Markdown table (for MODEL_CARD.md)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|---" * len(frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return "\n".join([header, rule, *body])
