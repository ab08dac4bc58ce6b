"""A linear model read in the user's units: intercept and coefficients of a run whose
network is one ``nn.Linear`` (the "linear" preset: no hidden layer) on a table.

The network learned ``y = b + w · z`` on standardized features ``z = (x - mean) / std``
(``core.data.tabular.TabularPreprocessing``, means and deviations of the training rows).
Undoing it gives ``y = (b - Σ w mean / std) + Σ (w / std) x``: the numbers the course's
``y = 1 + 2x + noise`` example should give back, read in the data's own units. One-hot
columns of text features are 0/1 already and keep their weights. Targets are never
scaled (``core.data.tensors``), so nothing is undone on that side. A classifier has one
such line per class: the class's score (logit) before the softmax.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_TERMS = 6  # terms an equation shows before "…"


def linear_coefficients(outcome: Any) -> dict[str, Any] | None:
    """{"intercept", "coefficients", "equation"} of a finished ``TrainingOutcome`` whose
    network is a single linear layer on table features; None for any other run.

    Regression with one target: ``intercept`` is a number and ``coefficients`` maps each
    feature to its number. Otherwise (classes, several targets) both are keyed by the
    output's name first. ``equation`` is one line per output ("y = 1.0235 + 1.9690 x").
    """
    weights = _single_linear(outcome)
    prep = getattr(outcome, "preprocessing", None)
    if weights is None or getattr(prep, "kind", None) != "tabular" or prep.columns is None:
        return None
    w, b = weights
    names = list(prep.feature_names)
    if w.shape[1] != len(names):
        return None
    mean, scale = np.zeros(len(names)), np.ones(len(names))
    i = 0
    for column in prep.columns:  # one feature per numeric column, one per category
        width = 1 if column.kind == "numeric" else len(column.categories)
        if column.kind == "numeric" and prep.standardize:
            mean[i], scale[i] = column.mean, column.std
        i += width
    coef = w / scale  # (outputs, features)
    intercept = b - coef @ mean
    outputs, labels = _output_names(outcome, len(b))
    lines = [equation(label, float(c0), dict(zip(names, row.tolist(), strict=True)))
             for label, c0, row in zip(labels, intercept, coef, strict=True)]
    if len(outputs) == 1 and outcome.data.task == "regression":
        return {"intercept": float(intercept[0]),
                "coefficients": dict(zip(names, coef[0].tolist(), strict=True)),
                "equation": lines[0]}
    return {"intercept": {o: float(v) for o, v in zip(outputs, intercept, strict=True)},
            "coefficients": {o: dict(zip(names, row.tolist(), strict=True))
                             for o, row in zip(outputs, coef, strict=True)},
            "equation": "\n".join(lines)}


def equation(target: str, intercept: float, coefficients: dict[str, float]) -> str:
    """'y = 1.0235 + 1.9690 x - 0.5000 z', four decimals, at most ``MAX_TERMS`` terms."""
    text = f"{target} = {intercept:.4f}"
    for k, (name, value) in enumerate(coefficients.items()):
        if k == MAX_TERMS:
            return text + " + \u2026"
        sign = "-" if value < 0 else "+"
        text += f" {sign} {abs(value):.4f} {name}"
    return text


def _single_linear(outcome: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(weight (outputs, features), bias) when the model is exactly one nn.Linear."""
    import torch

    result = getattr(outcome, "result", None)
    model = getattr(result, "model", None)
    spec = getattr(outcome, "spec", None)
    if model is None or spec is None or spec.layers:
        return None
    children = list(model.children())
    if len(children) != 1 or not isinstance(children[0], torch.nn.Linear):
        return None
    layer = children[0]
    with torch.no_grad():
        w = layer.weight.detach().cpu().double().numpy()
        b = (layer.bias.detach().cpu().double().numpy() if layer.bias is not None
             else np.zeros(w.shape[0]))
    return w, b


def _output_names(outcome: Any, n: int) -> tuple[list[str], list[str]]:
    """(each output's key, its name in the equation): a class and "score(class)", or the
    target column ("y" when the data does not name it)."""
    data = outcome.data
    if data.task == "classification" and data.class_names and len(data.class_names) == n:
        return list(data.class_names), [f"score({c})" for c in data.class_names]
    target = str(outcome.dataset.info.get("target_column") or "y")
    keys = [target] if n == 1 else [f"{target}[{k}]" for k in range(n)]
    return keys, keys
