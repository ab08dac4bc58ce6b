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
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        from core.atomic import write_text_atomic

        write_text_atomic(Path(path), self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> NetworkSpec:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"cannot read network file: {exc}", str(path)) from None
        try:
            return cls.from_json(text)
        except SpecError as exc:
            raise SpecError(str(exc), str(path)) from None

    def copy(self) -> NetworkSpec:
        return copy.deepcopy(self)
