"""The classic baselines by name: what each one is, for which task, and which ones run.

Kept apart from ``core.classic.baselines`` (which imports scikit-learn) so the window, the
Train page's options and the results table can name the baselines without loading it.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import TrainError

CLASSIFICATION, REGRESSION = "classification", "regression"
BOTH = (CLASSIFICATION, REGRESSION)

# name -> display name (the results tables' column), one teaching line, tasks it fits
BASELINES: dict[str, dict[str, object]] = {
    "logistic_regression": {
        "display": "logistic regression", "tasks": (CLASSIFICATION,),
        "text": "A weighted sum of the (standardized) features through a softmax: a network "
                "with no hidden layer."},
    "linear_regression": {
        "display": "linear regression", "tasks": (REGRESSION,),
        "text": "The least-squares straight line (plane) through the standardized features."},
    "decision_tree": {
        "display": "decision tree", "tasks": BOTH,
        "text": "Yes/no questions on one feature at a time, at most 8 levels deep."},
    "naive_bayes": {
        "display": "naive Bayes", "tasks": (CLASSIFICATION,),
        "text": "Bayes' rule with every feature taken as independent given the class "
                "(multinomial for counts and frequencies, Gaussian otherwise)."},
    "random_forest": {
        "display": "random forest", "tasks": BOTH,
        "text": "100 deep trees, each grown on a bootstrap sample, trying a random \u221a of the "
                "features at each split; they vote (or are averaged)."},
    "knn": {
        "display": "k-nearest neighbours", "tasks": BOTH,
        "text": "The 5 training samples nearest in standardized feature space vote "
                "(or are averaged)."},
    "majority": {
        "display": "majority class", "tasks": (CLASSIFICATION,),
        "text": "Always predicts the most frequent training class: the floor to beat."},
    "mean": {
        "display": "mean", "tasks": (REGRESSION,),
        "text": "Always predicts the training mean: the floor to beat (R\u00b2 near 0)."},
}  # fmt: skip

# The same idea for the other task: a choice made once reads for both.
TWIN = {"logistic_regression": "linear_regression", "linear_regression": "logistic_regression",
        "majority": "mean", "mean": "majority"}

# What the Train page offers, one per idea (the twin of a name runs for the other task).
CHOICES: tuple[tuple[str, str], ...] = (
    ("logistic_regression", "logistic / linear regression"),
    ("decision_tree", "decision tree"),
    ("naive_bayes", "naive Bayes (classification)"),
    ("random_forest", "random forest"),
    ("knn", "k-nearest neighbours"),
    ("majority", "majority class / mean"),
)
DEFAULT_CHOICES = tuple(name for name, _ in CHOICES)


def display_name(name: str) -> str:
    """'naive Bayes' for 'naive_bayes'; an unknown name reads with spaces."""
    entry = BASELINES.get(name)
    return str(entry["display"]) if entry else name.replace("_", " ")


def parse_names(text: str) -> list[str]:
    """'logistic_regression, knn' -> the names, each checked (``TrainError`` if unknown)."""
    names = [n.strip().lower().replace("-", "_") for n in text.split(",") if n.strip()]
    check_names(names)
    return names


def check_names(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in BASELINES]
    if unknown:
        raise TrainError(f"unknown baseline {unknown[0]!r}; choose from "
                         f"{', '.join(BASELINES)}")


def resolve(which: Sequence[str] | None, task: str) -> tuple[list[str], list[str]]:
    """(names to run for ``task``, in ``BASELINES`` order; names that do not apply).

    ``None`` is every baseline of the task. A name meant for the other task runs as its
    twin (logistic regression on a regression run is linear regression); one without a
    twin (naive Bayes on regression) is returned as not applying.
    """
    if which is None:
        return [n for n, e in BASELINES.items() if task in e["tasks"]], []  # type: ignore[operator]
    if isinstance(which, str):  # a lone name would be read letter by letter
        which = [which]
    check_names(which)
    wanted, skipped = set(), []
    for name in which:
        if task in BASELINES[name]["tasks"]:  # type: ignore[operator]
            wanted.add(name)
        elif name in TWIN:
            wanted.add(TWIN[name])
        else:
            skipped.append(name)
    return [n for n in BASELINES if n in wanted], skipped
