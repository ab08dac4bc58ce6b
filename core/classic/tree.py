"""Decision trees: fit, score, and hand the tree over as plain data for drawing.

A typed wrapper on scikit-learn's ``DecisionTreeClassifier`` / ``DecisionTreeRegressor``.
The fitted tree becomes a list of ``TreeNode`` (split rule, impurity, samples, class
counts, majority class) that the tree diagram draws and ``tree_nodes.csv`` holds, plus the
text rules and the accuracy-versus-depth curve the lecture uses to show overfitting.
Given ``core.classic.features.Feature`` descriptions, splits read as a reader says them:
"position 30 is G" / "position 30 is not G" for a one-hot letter, not "29:G <= 0.50".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from core.classic.features import (  # noqa: F401 (format_threshold: importable here too)
    Feature,
    check_feature_names,
    check_matrix,
    format_threshold,
)
from core.errors import DataError
from core.metrics import classification_metrics, regression_metrics
from core.progress import ProgressFn, StopFn, check_stop, report

CLASSIFICATION_CRITERIA = ("gini", "entropy", "log_loss")
REGRESSION_CRITERIA = ("squared_error", "friedman_mse", "absolute_error", "poisson")


@dataclass
class TreeNode:
    """One node of a fitted tree, in scikit-learn's numbering (0 is the root)."""

    id: int
    depth: int
    parent: int | None
    left: int | None  # the child for samples where ``rule`` holds
    right: int | None
    is_leaf: bool
    feature: str | None  # split feature (None for a leaf)
    feature_index: int | None
    threshold: float | None
    rule: str | None  # what holds on the left: "petal width (cm) <= 0.80"
    impurity: float
    n_samples: int  # training samples reaching the node
    value: list[float]  # class counts of training samples, or the mean target
    prediction: str  # majority class name, or the predicted value as text
    right_rule: str | None = None  # what holds on the right: "petal width (cm) > 0.80"
    # How a diagram asks it: the question and the answers on the left and right branches
    # ("petal width (cm) <= 0.80" yes / no; "position 30" is not G / is G).
    question: str | None = None
    left_answer: str | None = None
    right_answer: str | None = None


@dataclass
class TreeResult:
    """A fitted tree, its scores on training and held-out rows, and its structure."""

    task: str
    criterion: str
    nodes: list[TreeNode]
    n_nodes: int
    depth: int
    n_leaves: int
    feature_importances: list[tuple[str, float]]  # largest first
    rules_text: str
    train_metrics: dict[str, Any]
    test_metrics: dict[str, Any] | None  # None without held-out rows
    n_train: int
    n_test: int
    feature_names: list[str]
    class_names: list[str] | None
    params: dict[str, Any] = field(default_factory=dict)
    model: DecisionTreeClassifier | DecisionTreeRegressor | None = field(
        default=None, repr=False
    )
    val_metrics: dict[str, Any] | None = None  # None without validation rows
    n_val: int = 0

    @property
    def root_split(self) -> str | None:
        return self.nodes[0].rule

    def nodes_frame(self) -> pd.DataFrame:
        """One row per node (``value`` as text: class counts or the mean target)."""
        rows = []
        for node in self.nodes:
            row = asdict(node)
            row["value"] = " ".join(f"{v:g}" for v in node.value)
            rows.append(row)
        df = pd.DataFrame(rows, columns=list(TreeNode.__dataclass_fields__))
        for column in ("parent", "left", "right", "feature_index"):
            df[column] = df[column].astype("Int64")  # blanks, not 1.0 / NaN
        return df

    def importances_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.feature_importances, columns=["feature", "importance"])

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """JSON-ready summary (no node list)."""
        return {
            "task": self.task,
            "criterion": self.criterion,
            "params": self.params,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "train_metrics": self.train_metrics,
            "test_metrics": self.test_metrics,
            **({"n_val": self.n_val, "val_metrics": self.val_metrics}
               if self.val_metrics is not None else {}),
            "n_nodes": self.n_nodes,
            "depth": self.depth,
            "n_leaves": self.n_leaves,
            "root_split": self.root_split,
            "feature_importances": [
                {"feature": name, "importance": value}
                for name, value in self.feature_importances[:top]
                if value > 0
            ],
        }


class DepthPoint(NamedTuple):
    """Accuracy (classification) or R^2 (regression) of a tree limited to ``depth``."""

    depth: int
    train: float
    test: float | None


def fit_tree(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
    criterion: str | None = None,
    max_depth: int | None = None,
    min_samples_leaf: int = 1,
    ccp_alpha: float = 0.0,
    class_weight: str | None = None,
    seed: int = 0,
    task: str = "classification",
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    features: Sequence[Feature] | None = None,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
) -> TreeResult:
    """Fit a tree on the training rows and score it on the held-out sets.

    ``criterion`` defaults to "gini" (classification) or "squared_error" (regression).
    ``x_test`` may be None (fit on everything, as the iris lecture does); then
    ``test_metrics`` is None. ``x_val`` / ``y_val`` (validation rows, which a caller
    chooses the depth on) are scored into ``val_metrics``. ``features`` (readable
    descriptions, one per column) name the features and word the splits; ``feature_names``
    is then not needed. Raises ``DataError`` for impossible settings.
    """
    class_names = None if class_names is None else [str(c) for c in class_names]
    if features is not None:
        feature_names = [f.label for f in features]
    model, x_train, y_train, x_test, y_test, names = _prepare(
        x_train, y_train, x_test, y_test, feature_names, class_names, criterion, max_depth,
        min_samples_leaf, ccp_alpha, class_weight, seed, task,
    )
    if x_val is not None and y_val is not None and len(y_val):
        _, _, _, x_val, y_val, _ = _prepare(
            x_train, y_train, x_val, y_val, names, class_names, criterion, max_depth,
            min_samples_leaf, ccp_alpha, class_weight, seed, task)
    else:
        x_val = y_val = None
    check_stop(should_stop)
    report(progress, 0.0, "fitting the tree")
    model.fit(x_train, y_train)
    check_stop(should_stop)
    report(progress, 0.8, "scoring")
    train_metrics = _metrics(model, x_train, y_train, task, class_names)
    test_metrics = (
        _metrics(model, x_test, y_test, task, class_names) if x_test is not None else None
    )
    val_metrics = (
        _metrics(model, x_val, y_val, task, class_names) if x_val is not None else None
    )
    described = list(features) if features is not None else [Feature(n, n) for n in names]
    nodes = _nodes(model, x_train, y_train, described, class_names, task)
    importances = sorted(
        zip(names, (float(v) for v in model.feature_importances_), strict=True),
        key=lambda item: -item[1],
    )
    depth = int(model.get_depth())
    rules = rules_text(nodes, task)
    report(progress, 1.0, "tree done")
    return TreeResult(
        task=task,
        criterion=model.criterion,
        nodes=nodes,
        n_nodes=int(model.tree_.node_count),
        depth=depth,
        n_leaves=int(model.get_n_leaves()),
        feature_importances=importances,
        rules_text=rules,
        train_metrics=train_metrics,
        test_metrics=test_metrics,
        n_train=len(y_train),
        n_test=0 if y_test is None else len(y_test),
        feature_names=names,
        class_names=class_names,
        params={
            "max_depth": max_depth,
            "min_samples_leaf": min_samples_leaf,
            "ccp_alpha": ccp_alpha,
            "class_weight": class_weight,
            "seed": seed,
        },
        model=model,
        val_metrics=val_metrics,
        n_val=0 if y_val is None else len(y_val),
    )


def rules_text(nodes: Sequence[TreeNode], task: str) -> str:
    """The tree as nested if/else lines, in the layout of scikit-learn's ``export_text``
    but worded as the nodes are ("|--- position 30 is G")."""
    lines: list[str] = []
    what = "class" if task == "classification" else "value"

    def walk(i: int, depth: int) -> None:
        node, indent = nodes[i], "|   " * depth
        if node.is_leaf or node.left is None or node.right is None:
            lines.append(f"{indent}|--- {what}: {node.prediction}")
            return
        lines.append(f"{indent}|--- {node.rule}")
        walk(node.left, depth + 1)
        lines.append(f"{indent}|--- {node.right_rule}")
        walk(node.right, depth + 1)

    if nodes:
        walk(0, 0)
    return "\n".join(lines) + "\n"


def depth_curve(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    max_depth: int | None = None,
    criterion: str | None = None,
    min_samples_leaf: int = 1,
    ccp_alpha: float = 0.0,
    class_weight: str | None = None,
    seed: int = 0,
    task: str = "classification",
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> list[DepthPoint]:
    """Training and held-out score of trees limited to depth 1, 2, ... ``max_depth``.

    ``max_depth`` None goes up to the depth of the unlimited tree. Stoppable between
    depths.
    """
    model, x_train, y_train, x_test, y_test, _ = _prepare(
        x_train, y_train, x_test, y_test, None, None, criterion, None,
        min_samples_leaf, ccp_alpha, class_weight, seed, task,
    )
    if max_depth is None:
        check_stop(should_stop)
        max_depth = max(int(model.fit(x_train, y_train).get_depth()), 1)
    points = []
    for depth in range(1, max_depth + 1):
        check_stop(should_stop)
        report(progress, (depth - 1) / max_depth, f"depth {depth}")
        model.set_params(max_depth=depth)
        model.fit(x_train, y_train)
        test = float(model.score(x_test, y_test)) if x_test is not None else None
        points.append(DepthPoint(depth, float(model.score(x_train, y_train)), test))
    report(progress, 1.0, "depth curve done")
    return points


def depth_curve_frame(points: Sequence[DepthPoint]) -> pd.DataFrame:
    return pd.DataFrame(points, columns=list(DepthPoint._fields))


def _prepare(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray | None,
    y_test: np.ndarray | None,
    feature_names: list[str] | None,
    class_names: list[str] | None,
    criterion: str | None,
    max_depth: int | None,
    min_samples_leaf: int,
    ccp_alpha: float,
    class_weight: str | None,
    seed: int,
    task: str,
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None, list[str]]:
    """Checked inputs and an unfitted estimator; every user mistake becomes a DataError."""
    x_train = check_matrix(x_train, "training features")
    y_train = _check_targets(y_train, len(x_train), task, "training")
    if (x_test is None) != (y_test is None):
        raise DataError("give both held-out features and targets, or neither")
    if x_test is not None:
        x_test = check_matrix(x_test, "held-out features")
        if x_test.shape[1] != x_train.shape[1]:
            raise DataError(
                f"held-out rows have {x_test.shape[1]} features, training rows"
                f" {x_train.shape[1]}"
            )
        y_test = _check_targets(y_test, len(x_test), task, "held-out")
    names = check_feature_names(feature_names, x_train.shape[1])
    if max_depth is not None and max_depth < 1:
        raise DataError(f"maximum depth must be at least 1, got {max_depth}")
    if min_samples_leaf < 1:
        raise DataError(f"minimum samples per leaf must be at least 1, got {min_samples_leaf}")
    if ccp_alpha < 0:
        raise DataError(f"pruning strength (ccp_alpha) must be 0 or more, got {ccp_alpha}")
    if task == "classification":
        criterion = criterion or "gini"
        _check_choice("criterion", criterion, CLASSIFICATION_CRITERIA, task)
        if class_weight not in (None, "balanced"):
            raise DataError(f"class weight must be 'balanced' or none, got {class_weight!r}")
        if len(np.unique(y_train)) < 2:
            raise DataError("the training rows hold only one class; a tree needs two or more")
        if class_names is not None and int(y_train.max()) >= len(class_names):
            raise DataError(f"class index {int(y_train.max())} has no class name")
        model: Any = DecisionTreeClassifier(
            criterion=criterion, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
            ccp_alpha=ccp_alpha, class_weight=class_weight, random_state=seed,
        )
    elif task == "regression":
        criterion = criterion or "squared_error"
        _check_choice("criterion", criterion, REGRESSION_CRITERIA, task)
        if class_weight is not None:
            raise DataError("class weights apply to classification trees only")
        if criterion == "poisson" and (y_train < 0).any():
            raise DataError("the poisson criterion needs targets of 0 or more")
        model = DecisionTreeRegressor(
            criterion=criterion, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
            ccp_alpha=ccp_alpha, random_state=seed,
        )
    else:
        raise DataError(f"unknown task {task!r}; use classification or regression")
    return model, x_train, y_train, x_test, y_test, names


def _check_choice(what: str, value: str, allowed: Sequence[str], task: str) -> None:
    if value not in allowed:
        raise DataError(f"{what} {value!r} does not suit {task}; use {', '.join(allowed)}")


def _check_targets(y: np.ndarray, n: int, task: str, which: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise DataError(f"{which} rows: {len(y)} targets for {n} samples")
    if task == "classification":
        if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
            raise DataError(f"{which} targets must be class indices for a classification tree")
        return y.astype(np.int64)
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        raise DataError(f"{which} targets hold missing or infinite values")
    return y


def _metrics(
    model: Any, x: np.ndarray, y: np.ndarray, task: str, class_names: list[str] | None
) -> dict[str, Any]:
    """The metrics the networks report, so a tree and a network compare line by line."""
    if task == "regression":
        return regression_metrics(y, model.predict(x))
    n_classes = len(class_names) if class_names else int(model.classes_.max()) + 1
    proba = np.zeros((len(x), n_classes))
    proba[:, model.classes_] = model.predict_proba(x)  # classes absent from training: 0
    return classification_metrics(y, proba, class_names)


def _nodes(
    model: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    features: list[Feature],
    class_names: list[str] | None,
    task: str,
) -> list[TreeNode]:
    """The fitted tree as plain data, with raw (unweighted) class counts per node."""
    t = model.tree_
    n = t.node_count
    parent = np.full(n, -1)
    depth = np.zeros(n, dtype=int)
    for i in range(n):  # sklearn numbers parents before children (depth-first)
        for child in (t.children_left[i], t.children_right[i]):
            if child >= 0:
                parent[child] = i
                depth[child] = depth[i] + 1
    if task == "classification":
        n_classes = len(class_names) if class_names else int(model.classes_.max()) + 1
        path = model.decision_path(x_train)  # sparse (samples x nodes)
        onehot = np.zeros((len(y_train), n_classes))
        onehot[np.arange(len(y_train)), y_train] = 1.0
        counts = np.asarray(path.T @ onehot)
        labels = class_names or [str(c) for c in range(n_classes)]
    nodes = []
    for i in range(n):
        leaf = t.children_left[i] < 0
        feature = None if leaf else int(t.feature[i])
        threshold = None if leaf else float(t.threshold[i])
        if task == "classification":
            value = [float(c) for c in counts[i]]
            # the weighted value is what the tree predicts (differs with class weights)
            prediction = str(labels[int(model.classes_[np.argmax(t.value[i][0])])])
        else:
            value = [float(t.value[i].ravel()[0])]
            prediction = f"{value[0]:.4g}"
        rule = right_rule = question = left_answer = right_answer = None
        if feature is not None and threshold is not None:
            described = features[feature]
            rule, right_rule = described.split_texts(threshold)
            if described.reads_as_choice(threshold):
                question = described.subject
                left_answer = rule.removeprefix(f"{described.subject} ")
                right_answer = right_rule.removeprefix(f"{described.subject} ")
            else:
                question, left_answer, right_answer = rule, "yes", "no"
        nodes.append(TreeNode(
            id=i,
            depth=int(depth[i]),
            parent=None if parent[i] < 0 else int(parent[i]),
            left=None if leaf else int(t.children_left[i]),
            right=None if leaf else int(t.children_right[i]),
            is_leaf=bool(leaf),
            feature=None if feature is None else features[feature].label,
            feature_index=feature,
            threshold=threshold,
            rule=rule,
            impurity=float(t.impurity[i]),
            n_samples=int(t.n_node_samples[i]),
            value=value,
            prediction=prediction,
            right_rule=right_rule,
            question=question,
            left_answer=left_answer,
            right_answer=right_answer,
        ))
    return nodes
