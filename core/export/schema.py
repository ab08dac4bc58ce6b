"""JSON Schemas of a run folder's files, checked before anything is built from them.

A run folder may come from anyone; its manifest proves only that the files are the ones
its writer saved. So ``network.json`` and ``preprocessing.json`` are checked against the
schemas below (``jsonschema``) and against each other before a network is built or a
number is used: types, ranges (a standard deviation of 0 would divide by zero), sizes
(10^6 layers, 10^9 outputs) and depth (5,000 nested Residual blocks would overflow
Python's stack). Every failure is one ``ExportError`` line naming the file and the field.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from core.errors import ExportError

MAX_DEPTH = 40  # nesting of a run's JSON; a network nests Residuals a few levels deep
MAX_LAYERS = 1000  # layers of a network, counting the blocks' own
MAX_OUTPUTS = 100_000
MAX_CLASSES_NAMED = MAX_OUTPUTS
MAX_INPUT_VALUES = 50_000_000  # numbers in one sample: a 4,000 x 4,000 RGB image is 48 M

_OPTIONAL_STR = {"type": ["string", "null"]}
_OPTIONAL_BOOL = {"type": ["boolean", "null"]}
_POSITIVE = {"type": "integer", "minimum": 1}
_PAIR = {"type": ["array", "null"], "items": _POSITIVE, "minItems": 2, "maxItems": 2}
_FINITE = {"type": "number"}  # NaN and inf are not JSON numbers once written by Mendel

_LAYER: dict[str, Any] = {
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"type": "string", "minLength": 1, "maxLength": 64},
                   "layers": {"type": "array", "items": {"$ref": "#/$defs/layer"},
                              "maxItems": MAX_LAYERS}},
}

NETWORK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["layers", "input_shape", "n_outputs", "task", "modality"],
    "$defs": {"layer": _LAYER},
    "properties": {
        "format": {"const": "mendel-network/1"},
        "name": {"type": "string"},
        "layers": {"type": "array", "items": {"$ref": "#/$defs/layer"},
                   "maxItems": MAX_LAYERS},
        "input_shape": {"type": "array", "items": _POSITIVE, "minItems": 1, "maxItems": 3},
        "n_outputs": {"type": "integer", "minimum": 1, "maximum": MAX_OUTPUTS},
        "task": {"enum": ["classification", "regression", "reconstruct"]},
        "class_names": {"type": ["array", "null"], "items": {"type": "string"},
                        "maxItems": MAX_CLASSES_NAMED},
        "modality": {"enum": ["tabular", "sequence", "image"]},
        "preset": _OPTIONAL_STR,
    },
}

_COLUMN = {
    "type": "object",
    "required": ["name", "kind", "fill"],
    "properties": {
        "name": {"type": "string"},
        "kind": {"enum": ["numeric", "categorical"]},
        "fill": {"type": ["number", "string"]},
        "mean": _FINITE,
        "std": {"type": "number", "exclusiveMinimum": 0},
        "categories": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}

_KINDS: dict[str, dict[str, Any]] = {
    "tabular": {"properties": {"standardize": {"type": "boolean"},
                               "columns": {"type": "array", "items": _COLUMN, "minItems": 1}},
                "required": ["standardize", "columns"]},
    "sequence": {"properties": {"alphabet": {"enum": ["DNA", "RNA", "protein"]},
                                "encoding": {"enum": ["onehot", "integer", "kmer"]},
                                "k": {"type": "integer", "minimum": 1, "maximum": 8},
                                "normalize": {"type": "boolean"},
                                "both_strands": {"type": "boolean"},
                                "length": {"type": ["integer", "null"], "minimum": 1},
                                "max_length": _POSITIVE, "rc_augment": {"type": "boolean"}},
                 "required": ["alphabet", "encoding"]},
    "image": {"properties": {"shape": {"type": "array", "items": _POSITIVE, "minItems": 3,
                                       "maxItems": 3}},
              "required": ["shape"]},
}
# one branch per kind (if/then rather than oneOf, so an error names the field at fault)
_PREPROCESSING = {
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"enum": list(_KINDS)}},
    "allOf": [{"if": {"properties": {"kind": {"const": kind}}}, "then": branch}
              for kind, branch in _KINDS.items()],
}

_LOAD_OPTIONS = {
    "type": "object",
    "properties": {
        "format": _OPTIONAL_STR, "labels": _OPTIONAL_STR, "target": _OPTIONAL_STR,
        "task": _OPTIONAL_STR,
        "features": {"type": ["array", "null"], "items": {"type": "string"}},
        "sequence_column": _OPTIONAL_STR, "missing": {"enum": ["impute", "drop"]},
        "split_column": _OPTIONAL_STR, "group_column": _OPTIONAL_STR,
        "group_by": _OPTIONAL_STR, "drop_duplicates": {"type": "boolean"},
        "image_shape": _PAIR, "image_size": _PAIR, "grayscale": _OPTIONAL_BOOL,
        "skip_bad_files": {"type": "boolean"}, "labelled": {"type": "boolean"},
        "demo_noise": {"type": ["number", "null"]}, "demo_size": {"type": ["integer", "null"]},
        "demo_seed": {"type": "integer"},
    },
}

_ENCODING_OPTIONS = {
    "type": "object",
    "properties": {
        "encoding": {"enum": ["onehot", "integer", "kmer"]},
        "k": {"type": "integer", "minimum": 1, "maximum": 8},
        "kmer_normalize": {"type": "boolean"}, "both_strands": {"type": "boolean"},
        "length": {"type": ["integer", "null"], "minimum": 1}, "max_length": _POSITIVE,
        "rc_augment": {"type": "boolean"}, "standardize": {"type": "boolean"},
        "image_size": _PAIR, "grayscale": _OPTIONAL_BOOL,
    },
}

PREPROCESSING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "preprocessing"],
    "properties": {
        "format": {"type": "string"},
        "preprocessing": _PREPROCESSING,
        "load_options": _LOAD_OPTIONS,
        "encoding_options": _ENCODING_OPTIONS,
        "playground_features": {"type": ["object", "null"]},
    },
}

_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in
               (("network", NETWORK_SCHEMA), ("preprocessing", PREPROCESSING_SCHEMA))}


def depth(obj: Any) -> int:
    """How deeply ``obj`` nests lists and objects (iterative: any depth is safe)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        stack.extend((child, level + 1) for child in children)
    return deepest


def _where(error: ValidationError) -> str:
    path = "/".join(str(p) for p in error.absolute_path)
    return path or "the top level"


def validate(obj: Any, kind: str, path: Path) -> None:
    """``ExportError`` naming the file and the first field that breaks the schema."""
    if depth(obj) > MAX_DEPTH:
        raise ExportError(f"nested more than {MAX_DEPTH} levels deep; this is not a run "
                          "Mendel wrote", str(path))
    error = next(iter(sorted(_VALIDATORS[kind].iter_errors(obj),
                             key=lambda e: len(list(e.absolute_path)))), None)
    if error is not None:
        message = error.message if len(error.message) <= 120 else error.message[:117] + "..."
        raise ExportError(f"{_where(error)}: {message}; the file was altered or is not "
                          "from this version of Mendel", str(path))
    bad = _non_finite(obj)
    if bad is not None:
        raise ExportError(f"{bad}: NaN or infinite number; the file was altered", str(path))
    if kind == "network":
        _check_network(obj, path)


def _non_finite(obj: Any) -> str | None:
    """The path of the first NaN or infinite number in ``obj`` (Python's json reads the
    tokens NaN and Infinity, which Mendel never writes), or None."""
    stack: list[tuple[Any, str]] = [(obj, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return where or "the top level"
        if isinstance(value, dict):
            stack.extend((v, f"{where}/{k}" if where else str(k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{where}/{i}" if where else str(i)) for i, v in enumerate(value))
    return None


def _count_layers(layers: list[Any]) -> int:
    count, stack = 0, list(layers)
    while stack:
        layer = stack.pop()
        count += 1
        stack.extend(layer.get("layers") or [])
    return count


def _check_network(net: dict[str, Any], path: Path) -> None:
    """What a schema cannot say: the layer total, classes matching the outputs."""
    if math.prod(net["input_shape"]) > MAX_INPUT_VALUES:
        raise ExportError(f"an input of shape {tuple(net['input_shape'])} is more than the "
                          f"{MAX_INPUT_VALUES:,} numbers a sample may have", str(path))
    if (count := _count_layers(net["layers"])) > MAX_LAYERS:
        raise ExportError(f"{count:,} layers, more than the {MAX_LAYERS:,} a network may "
                          "have", str(path))
    names = net.get("class_names")
    if net["task"] == "classification":
        if not names or len(names) != net["n_outputs"]:
            given = len(names) if names else 0
            raise ExportError(f"a classifier of {net['n_outputs']} outputs names {given} "
                              "classes; the file was altered", str(path))
        if len(names) < 2:
            raise ExportError("a classifier needs at least two classes; this one has "
                              f"{names!r}", str(path))
        if len(set(names)) != len(names):
            raise ExportError("two classes have the same name; the file was altered",
                              str(path))


def check_fits(input_shape: tuple[int, ...], produced: tuple[int, ...], path: Path) -> None:
    """The preprocessing must produce what the network takes."""
    if tuple(produced) != tuple(input_shape):
        raise ExportError(f"the preprocessing makes inputs of shape {tuple(produced)}, but "
                          f"the network takes {tuple(input_shape)}; the files do not belong "
                          "together", str(path))
