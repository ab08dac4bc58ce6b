"""Side-by-side configuration diff of runs: only the options whose values differ.

Options come from each run's small JSON files: the training options (train_config.json),
the network (network.json, one entry per layer so a changed width reads as one line),
how the data was read and encoded (preprocessing.json's options, not its fitted
statistics) and the split (metrics.json). Names are dotted: ``train.lr``,
``network.layer 2``, ``load.target``, ``encoding.scaling``, ``split.seed``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.project.runs import CONFIG_FILE, METRICS_FILE, NETWORK_FILE

PREPROCESSING_FILE = "preprocessing.json"
_NETWORK_SKIP = {"format", "layers", "class_names"}


def config_diff(runs: Sequence[str | Path]) -> list[tuple[str, list[Any]]]:
    """(option, [value per run]) for every option whose values are not all equal; a
    value a run does not record is None."""
    options = [run_options(Path(r)) for r in runs]
    if len(options) < 2:
        return []
    names = list(dict.fromkeys(k for o in options for k in o))
    out = []
    for name in names:
        values = [o.get(name) for o in options]
        if any(v != values[0] for v in values[1:]):
            out.append((name, values))
    return out


def run_options(run: Path) -> dict[str, Any]:
    """Every option of one run, flattened to dotted names (missing files give nothing)."""
    out: dict[str, Any] = {}
    _flatten("train", _read(run / CONFIG_FILE), out)
    net = _read(run / NETWORK_FILE)
    for key, value in net.items():
        if key not in _NETWORK_SKIP:
            _flatten(f"network.{key}", value, out)
    for i, layer in enumerate(net.get("layers") or [], start=1):
        out[f"network.layer {i}"] = _layer_text(layer)
    prep = _read(run / PREPROCESSING_FILE)
    _flatten("load", prep.get("load_options") or {}, out)
    _flatten("encoding", prep.get("encoding_options") or {}, out)
    metrics = _read(run / METRICS_FILE)
    data = metrics.get("data") if isinstance(metrics.get("data"), dict) else {}
    for key in ("name", "source", "sha256"):
        if data.get(key):
            out[f"data.{key}"] = data[key]
    if "split_seed" in metrics:
        out["split.seed"] = metrics["split_seed"]
    sizes = metrics.get("split_sizes")
    if isinstance(sizes, dict):
        out["split.sizes"] = " / ".join(str(sizes.get(k, "?")) for k in ("train", "val", "test"))
    return out


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out)
    elif isinstance(value, list) and not all(isinstance(v, (int, float, str)) for v in value):
        out[prefix] = json.dumps(value)
    else:
        out[prefix] = value


def _layer_text(layer: Any) -> str:
    """'Dense(units=8, activation=relu)'."""
    if not isinstance(layer, dict):
        return str(layer)
    args = ", ".join(f"{k}={v}" for k, v in layer.items() if k != "kind")
    return f"{layer.get('kind', '?')}({args})"


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}
