"""Networks as data: a ``NetworkSpec`` is a JSON-serializable list of layer specs.

JSON form (what the Network page saves and ``mendel train --model spec.json`` reads)::

    {
      "format": "mendel-network/1",
      "name": "motif CNN",
      "layers": [
        {"kind": "Conv1D", "filters": 32, "kernel": 9, "activation": "relu"},
        {"kind": "MaxPool1D", "pool": 2},
        {"kind": "Residual", "layers": [{"kind": "Dense", "units": 32, "activation": "relu"}]},
        {"kind": "Flatten"},
        {"kind": "Dense", "units": 64, "activation": "relu"},
        {"kind": "Dropout", "rate": 0.2}
      ]
    }

The output layer is not part of ``layers``: it is added from the task (a Dense with one
unit per class, or one unit for regression) when the network is built, after an automatic
Flatten when the last hidden output has more than one axis.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SpecError

FORMAT = "mendel-network/1"
# A network of more layers, or residual blocks nested deeper, is not one anybody builds:
# refusing it up front keeps a tampered file from building for minutes (10^6 layers) or
# from exhausting Python's recursion (5,000 nested blocks).
MAX_LAYERS = 1000  # every layer, those inside residual blocks included
MAX_DEPTH = 50  # residual blocks inside residual blocks
MAX_FILE_BYTES = 4 << 20  # 1,000 layers of JSON are well under a megabyte


def size_problem(layers: list[Any]) -> str | None:
    """Why a stack (``LayerSpec`` objects or their JSON dicts) is too big, or None; walks
    it without recursion and stops at the first layer past a limit."""
    todo: list[tuple[list[Any], int]] = [(layers, 0)]  # a stack and the blocks around it
    count = 0
    while todo:
        stack, depth = todo.pop()
        if depth > MAX_DEPTH:
            return (f"residual blocks are nested more than {MAX_DEPTH} deep; a network "
                    "holds blocks one after another, rarely one inside another")
        count += len(stack)
        if count > MAX_LAYERS:
            return f"the network has more than {MAX_LAYERS:,} layers, the most Mendel builds"
        for layer in stack:
            inner = layer.get("layers") if isinstance(layer, dict) else getattr(
                layer, "layers", None)
            if isinstance(inner, list) and inner:
                todo.append((inner, depth + 1))
    return None


@dataclass
class LayerSpec:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    layers: list[LayerSpec] | None = None  # inner stack of a Residual block

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, **self.params}
        if self.layers is not None:
            d["layers"] = [layer.to_dict() for layer in self.layers]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LayerSpec:
        if not isinstance(d, dict) or "kind" not in d:
            raise SpecError(f"each layer needs a 'kind', got {d!r:.60}")
        params = {k: v for k, v in d.items() if k not in ("kind", "layers")}
        inner = d.get("layers")
        if inner is not None and not isinstance(inner, list):
            raise SpecError(f"{d['kind']}: 'layers' must be a list")
        return cls(
            kind=str(d["kind"]),
            params=params,
            layers=[cls.from_dict(x) for x in inner] if inner is not None else None,
        )

    def copy(self) -> LayerSpec:
        return copy.deepcopy(self)


@dataclass
class NetworkSpec:
    layers: list[LayerSpec] = field(default_factory=list)
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "layers": [layer.to_dict() for layer in self.layers],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetworkSpec:
        if not isinstance(d, dict) or not isinstance(d.get("layers"), list):
            raise SpecError("a network spec is a JSON object with a 'layers' list")
        fmt = d.get("format", FORMAT)
        if fmt != FORMAT:
            raise SpecError(f"unsupported network format {fmt!r}; expected {FORMAT!r}")
        if problem := size_problem(d["layers"]):
            raise SpecError(problem)
        return cls(layers=[LayerSpec.from_dict(x) for x in d["layers"]],
                   name=str(d.get("name", "")))

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> NetworkSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
        except RecursionError:  # thousands of nested brackets
            raise SpecError(f"the JSON is nested too deeply for a network (residual blocks"
                            f" at most {MAX_DEPTH} deep)") from None
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        from core.atomic import write_text_atomic

        write_text_atomic(Path(path), self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> NetworkSpec:
        try:
            size = Path(path).stat().st_size
            if size > MAX_FILE_BYTES:
                raise SpecError(f"{size / 2**20:.1f} MB is far more than a network file holds"
                                f" (at most {MAX_LAYERS:,} layers); is this the right file?",
                                str(path))
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"cannot read network file: {exc}", str(path)) from None
        try:
            return cls.from_json(text)
        except SpecError as exc:
            raise SpecError(str(exc), str(path)) from None

    def copy(self) -> NetworkSpec:
        return copy.deepcopy(self)
