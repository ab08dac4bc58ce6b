"""What a dataset holds, and what in it may mislead a model, before anything is trained.

``summarize`` returns plain JSON-able facts (the data page, ``mendel inspect --json`` and
the model card read the same dict); ``format_summary`` prints them for a terminal.
Warnings are the things a course tells students to check by hand: class imbalance,
test samples that also sit in the training set (``duplicates`` counts every repeated
record, so the Data page can offer to remove them), sequences cut to fit, and what the
split itself says (``Split.warnings``: a side left empty, a file's split not followed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from core.budget import human_bytes, memory_budget
from core.data.dataset import Dataset, Split
from core.data.groups import count_duplicates, record_codes
from core.data.preprocessing import Preprocessing, make_preprocessing
from core.data.tensors import MEASURE_CELL_BYTES, encoded_bytes

IMBALANCE_WARN_RATIO = 3.0


def summarize(
    ds: Dataset, split: Split | None = None, preprocessing: Preprocessing | None = None
) -> dict[str, Any]:
    """Facts and warnings about ``ds``; ``preprocessing`` (fitted) gives the input shape."""
    if preprocessing is None:
        preprocessing = make_preprocessing(ds)
        preprocessing.fit(ds, np.arange(len(ds)))
    d: dict[str, Any] = {
        "name": ds.name,
        "source": ds.provenance.source if ds.provenance else "",
        "n_samples": len(ds),
        "task": ds.task,
        "modality": ds.modality,
        "input_shape": [int(s) for s in preprocessing.input_shape],
    }
    warnings: list[str] = []
    if ds.info.get("unlabelled"):  # prediction input: its targets are placeholders
        d["unlabelled"] = True
    elif ds.task == "classification" and ds.class_names:
        counts = np.bincount(ds.targets, minlength=len(ds.class_names))
        d["classes"] = {name: int(n) for name, n in zip(ds.class_names, counts, strict=True)}
        warnings += _class_warnings(d["classes"])
    elif len(ds):
        t = np.asarray(ds.targets, dtype=np.float64)
        d["target_range"] = [float(t.min()), float(t.max())]
    if "task_reason" in ds.info:
        d["task_reason"] = ds.info["task_reason"]
    if ds.info.get("reconstruct"):
        d["reconstruct"] = True
    d.update(_modality_facts(ds))
    codes = record_codes(ds)
    d["duplicates"] = count_duplicates(codes)
    if split is not None:
        d["split"] = split.sizes()
        warnings += _leakage_warnings(ds, split, codes) + split.warnings
    warnings += preprocessing.report() or _length_warnings(ds, preprocessing)
    warnings += ds.warnings
    d["warnings"] = warnings
    d["memory"] = _memory(ds, split, d["input_shape"])
    return d


def _memory(ds: Dataset, split: Split | None, input_shape: list[int]) -> dict[str, int]:
    """Bytes training on ``ds`` takes whatever the network: its encoded tensors, and
    measuring a trained network on the largest split (rows x outputs: a 10,000-class
    FASTA costs gigabytes there, ``core.train.run.run_memory``), beside the budget."""
    sizes = split.sizes() if split is not None else {"train": len(ds)}
    rows = max(sizes.values(), default=0)
    outputs = (len(ds.class_names or ()) if ds.task == "classification"
               else math.prod(input_shape) if ds.info.get("reconstruct") else 1)
    streamed = bool(ds.info.get("streamed"))  # read from disk batch by batch: not held
    return {"encoded": 0 if streamed else encoded_bytes(tuple(input_shape), len(ds),
                                                        sizes.get("train", 0)),
            "streamed": int(streamed),
            "measuring": MEASURE_CELL_BYTES * rows * max(outputs, 1),
            "budget": memory_budget()}


def _class_warnings(classes: dict[str, int]) -> list[str]:
    empty = [name for name, n in classes.items() if n == 0]
    present = {name: n for name, n in classes.items() if n > 0}
    out = [f"classes without samples: {', '.join(empty)}"] if empty else []
    if len(present) >= 2:
        most = max(present, key=lambda k: present[k])
        fewest = min(present, key=lambda k: present[k])
        ratio = present[most] / present[fewest]
        if ratio > IMBALANCE_WARN_RATIO:
            out.append(
                f"classes are imbalanced {ratio:.1f}:1 ({most} {present[most]}, {fewest}"
                f" {present[fewest]}): consider class weights 'balanced'"
            )
    return out


def _modality_facts(ds: Dataset) -> dict[str, Any]:
    if ds.modality == "sequence":
        lengths = ds.sequence_lengths() if len(ds) else np.zeros(1)
        return {
            "alphabet": ds.alphabet,
            "length_min": int(lengths.min()),
            "length_median": float(np.median(lengths)),
            "length_max": int(lengths.max()),
        }
    if ds.modality == "image":
        shape = ds.records.shape  # type: ignore[union-attr]  # a LazyRows: nothing decoded
        return {"image_size": [int(shape[2]), int(shape[3])], "channels": int(shape[1])}
    frame: pd.DataFrame = ds.records  # type: ignore[assignment]
    missing = frame.isna().sum()
    return {
        "n_features": int(frame.shape[1]),
        "missing_values": {str(c): int(n) for c, n in missing.items() if n > 0},
        # inf, -inf and values beyond float32, already turned into missing values (tabular)
        "non_finite_values": {str(c): int(n) for c, n in ds.info.get("non_finite", {}).items()},
    }


def _leakage_warnings(ds: Dataset, split: Split, codes: np.ndarray) -> list[str]:
    train = set(codes[split.train].tolist())
    out = []
    for side, idx in (("test", split.test), ("validation", split.val)):
        shared = sum(c in train for c in codes[idx].tolist())
        if shared:
            out.append(
                f"{shared} of {len(idx)} {side} samples are exact duplicates of training"
                f" samples: {side} scores will look better than they are (leakage);"
                " remove duplicates or split by group"
            )
    return out


def _length_warnings(ds: Dataset, preprocessing: Preprocessing) -> list[str]:
    """Padding / truncation of one-hot or integer sequences when the preprocessing has not
    said it."""
    settings = preprocessing.to_dict()
    if (ds.modality != "sequence" or settings.get("encoding") not in ("onehot", "integer")
            or not len(ds)):
        return []
    length = int(preprocessing.input_shape[0])
    lengths = ds.sequence_lengths()
    padded, truncated = int((lengths < length).sum()), int((lengths > length).sum())
    if not (padded or truncated):
        return []
    return [f"{padded} sequences padded and {truncated} truncated to length {length}"]


def format_summary(d: dict[str, Any]) -> str:
    """A readable block of aligned ``key: value`` lines, classes and warnings last."""
    rows: list[tuple[str, str]] = [
        ("dataset", str(d["name"])),
        ("source", str(d.get("source") or "-")),
        ("samples", str(d["n_samples"])),
        ("task", d["task"] + (f" ({d['task_reason']})" if d.get("task_reason") else "")),
        ("modality", str(d["modality"])),
        ("input shape", " x ".join(str(s) for s in d["input_shape"])),
    ]
    if d.get("unlabelled"):
        rows.append(("labels", "none (inputs for prediction)"))
    if d.get("reconstruct"):
        rows.append(("training", "reconstruct the inputs (autoencoder); the labels only "
                                 "colour the pictures"))
    if "alphabet" in d:
        rows.append(("alphabet", str(d["alphabet"])))
        rows.append(("length", f"{d['length_min']} / {d['length_median']:g} / {d['length_max']}"
                               " (min / median / max)"))  # fmt: skip
    if "image_size" in d:
        rows.append(("image size", f"{d['image_size'][0]} x {d['image_size'][1]},"
                                   f" {d['channels']} channel(s)"))  # fmt: skip
    if "n_features" in d:
        rows.append(("features", str(d["n_features"])))
        missing = d.get("missing_values") or {}
        rows.append(("missing values", ", ".join(f"{c} {n}" for c, n in missing.items())
                     or "none"))  # fmt: skip
        if d.get("non_finite_values"):
            rows.append(("non-finite values", ", ".join(
                f"{c} {n}" for c, n in d["non_finite_values"].items())
                + " (infinite or too large: counted as missing)"))
    if "target_range" in d:
        rows.append(("target range", f"{d['target_range'][0]:g} .. {d['target_range'][1]:g}"))
    if "split" in d:
        rows.append(("split", ", ".join(f"{k} {v}" for k, v in d["split"].items())))
    if "memory" in d:
        m = d["memory"]
        held = "streamed from disk" if m.get("streamed") else \
            f"{human_bytes(m['encoded'])} to encode"
        rows.append(("memory", f"{held}, about"
                               f" {human_bytes(m['measuring'])} to measure a trained network;"
                               f" budget {human_bytes(m['budget'])}"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    if d.get("classes"):
        lines.append("classes:")
        name_width = max(len(n) for n in d["classes"])
        total = max(sum(d["classes"].values()), 1)
        for name, n in d["classes"].items():
            lines.append(f"  {name.ljust(name_width)}  {n:>7}  {100 * n / total:5.1f} %")
    if d.get("warnings"):
        lines.append("warnings:")
        lines += [f"  - {w}" for w in d["warnings"]]
    return "\n".join(lines)
