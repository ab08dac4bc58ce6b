"""What a search may change, as a JSON document (``mendel search --space space.json``).

Each key names a setting: a ``TrainConfig`` field (``lr``, ``batch_size``, ``optimizer``,
``weight_decay``, ``momentum``, ``epochs``, ``schedule``, ...) or one of the network rules
of ``core.select.design`` (``width``, ``depth``, ``dropout``). Its value is

- a range ``{"low": 1e-4, "high": 0.1, "log": true}`` (whole numbers for whole-number
  settings such as ``depth`` or ``epochs``), with an optional ``"grid": [...]`` of the
  values the grid sampler tries (default: both ends and the middle, or every whole
  number when there are at most 5);
- choices ``{"choices": ["adam", "sgd"]}`` or simply a list ``["adam", "sgd"]``;
- a plain value, which fixes the setting for every trial.

Settings left out keep the training configuration's (and the design's) values.

The default space (``default_space``): learning rate log-uniform from 1e-4 to 0.1, batch
size 16 to 128 (only sizes below the training rows), optimizer Adam, AdamW or SGD with
momentum fixed at 0.9 (which Adam and AdamW ignore) unless the configuration uses its own
momentum, weight decay 0 to 1e-3, dropout 0 to 0.5, width x0.5, x1 or x2 and depth -1 to
+1, each network rule only where the design has something for it to act on and each
value checked against the data's shapes. The configuration's own values are always among
the choices, so the first trial can be the user's own settings.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from core.errors import MendelError, SpecError, TrainError
from core.nn.shapes import check
from core.nn.spec import NetworkSpec
from core.select.design import dropout_of, dropout_rates, has_width, n_blocks, vary
from core.train.config import TrainConfig

NETWORK = ("width", "depth", "dropout")
_NOT_SEARCHED = {"seed", "device", "amp", "deterministic", "batch_event_hz", "checkpoint_every",
                 "augment", "extra", "betas"}
CONFIG = tuple(f.name for f in fields(TrainConfig) if f.name not in _NOT_SEARCHED)
_WHOLE = {"depth", "epochs", "batch_size", "early_stopping", "step_size", "plateau_patience"}


@dataclass(frozen=True)
class Param:
    """One searched setting: a range (``low``..``high``) or ``choices``."""

    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] | None = None
    grid_values: tuple[Any, ...] | None = None

    @property
    def whole(self) -> bool:
        return self.name in _WHOLE

    def grid(self) -> list[Any]:
        """The values the grid sampler tries."""
        if self.choices is not None:
            return list(self.choices)
        if self.grid_values is not None:
            return list(self.grid_values)
        lo, hi = self.low, self.high
        assert lo is not None and hi is not None
        if self.whole:
            ints = list(range(int(lo), int(hi) + 1))
            return ints if len(ints) <= 5 else sorted({int(lo), round((lo + hi) / 2), int(hi)})
        mid = math.sqrt(lo * hi) if self.log else (lo + hi) / 2
        return sorted({lo, mid, hi})

    def to_json(self) -> Any:
        if self.choices is not None:
            return {"choices": list(self.choices)}
        d: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.log:
            d["log"] = True
        if self.grid_values is not None:
            d["grid"] = list(self.grid_values)
        return d


@dataclass
class SearchSpace:
    params: dict[str, Param] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``from_dict`` reads."""
        return {**{n: p.to_json() for n, p in self.params.items()}, **self.fixed}

    @classmethod
    def from_dict(cls, d: Any) -> SearchSpace:
        if not isinstance(d, dict):
            raise TrainError("a search space is a JSON object of setting: range or choices")
        space = cls()
        for name, value in d.items():
            if name not in CONFIG and name not in NETWORK:
                raise TrainError(f"unknown setting {name!r}; a space may set "
                                 f"{', '.join((*NETWORK, *CONFIG))}")
            if isinstance(value, list):
                value = {"choices": value}
            if isinstance(value, dict):
                space.params[name] = _param(name, value)
            else:
                space.fixed[name] = value
        return space

    @classmethod
    def load(cls, path: str | Path) -> SearchSpace:
        try:
            text = Path(path).read_text(encoding="utf-8")
            return cls.from_dict(json.loads(text))
        except (OSError, UnicodeDecodeError) as exc:
            raise TrainError(f"cannot read the search space: {exc}", str(path)) from None
        except json.JSONDecodeError as exc:
            raise TrainError(f"not valid JSON: {exc.msg} (line {exc.lineno})",
                             str(path)) from None
        except MendelError as exc:
            raise TrainError(str(exc), str(path)) from None

    def check(self, spec: NetworkSpec, config: TrainConfig, input_shape: tuple[int, ...],
              n_outputs: int) -> None:
        """Every choice and both ends of every range make a valid configuration and a
        network that fits the data (``TrainError`` / ``SpecError`` naming the setting)."""
        base = {**self.fixed}
        for name, value in self.fixed.items():
            _try(name, value, spec, config, base, input_shape, n_outputs)
        for name, p in self.params.items():
            for value in p.grid() if p.choices is not None else (p.low, p.high):
                _try(name, value, spec, config, base, input_shape, n_outputs)


def apply(spec: NetworkSpec, config: TrainConfig,
          values: dict[str, Any]) -> tuple[NetworkSpec, TrainConfig]:
    """The trial's network and configuration: ``values`` over the template's."""
    changes = {k: _typed(k, v) for k, v in values.items() if k in CONFIG}
    for name in NETWORK:
        if name in values:
            _typed(name, values[name])
    try:
        new_config = dataclasses.replace(config, **changes)
    except TypeError as exc:
        raise TrainError(f"search space: {exc}") from None
    new_config.validate()
    if any(k in values for k in NETWORK):
        spec = vary(spec, float(values.get("width", 1.0)), int(values.get("depth", 0)),
                    None if values.get("dropout") is None else float(values["dropout"]))
    return spec, new_config


def default_space(spec: NetworkSpec, config: TrainConfig, input_shape: tuple[int, ...],
                  n_outputs: int, n_train: int) -> SearchSpace:
    """The space the module describes, fitted to this design, configuration and data."""
    space = SearchSpace()
    lr = config.lr
    space.params["lr"] = Param("lr", min(1e-4, lr), max(0.1, lr), log=True)
    own_batch = config.batch_for(n_train)
    sizes = sorted({b for b in (16, 32, 64, 128) if b < n_train} | {own_batch})
    space.params["batch_size"] = Param("batch_size", choices=tuple(sizes))
    optimizers = ["adam", "adamw", "sgd"]
    if config.optimizer not in optimizers:
        optimizers.append(config.optimizer)
    space.params["optimizer"] = Param("optimizer", choices=tuple(optimizers))
    if config.momentum == 0 and config.optimizer not in ("sgd", "rmsprop"):
        space.fixed["momentum"] = 0.9  # SGD without momentum crawls; Adam ignores it
    decays = sorted({0.0, 1e-5, 1e-4, 1e-3, config.weight_decay})
    space.params["weight_decay"] = Param("weight_decay", choices=tuple(decays))
    rate = dropout_of(spec)
    if rate is not None:
        space.params["dropout"] = Param("dropout", 0.0, max(0.5, rate))
    if has_width(spec):
        space.params["width"] = Param("width", choices=(0.5, 1.0, 2.0))
    depths = [d for d in (-1, 0, 1) if n_blocks(spec) and _fits(spec, d, input_shape,
                                                                  n_outputs)]
    if len(depths) > 1:
        space.params["depth"] = Param("depth", min(depths), max(depths))
    return space


def own_values(space: SearchSpace, spec: NetworkSpec, config: TrainConfig,
               n_train: int) -> dict[str, Any] | None:
    """The template's own value of every searched setting, or None when one lies outside
    the space or a rule cannot say it (a design with several dropout rates): then the
    first trial cannot be the user's settings."""
    own: dict[str, Any] = {}
    if "dropout" in space.params and len(dropout_rates(spec)) > 1:
        return None
    for name, p in space.params.items():
        if name == "width":
            value: Any = 1.0
        elif name == "depth":
            value = 0
        elif name == "dropout":
            value = dropout_of(spec)
        elif name == "batch_size":
            value = config.batch_for(n_train)
        else:
            value = getattr(config, name)
        inside = (value in p.choices if p.choices is not None else
                  isinstance(value, int | float) and p.low <= value <= p.high)  # type: ignore[operator]
        if value is None or not inside:
            return None
        own[name] = value
    return own


_HINTS = {**get_type_hints(TrainConfig), "width": float, "depth": int, "dropout": float}


def _typed(name: str, value: Any) -> Any:
    """``value`` as the setting's type (an int for a float setting becomes a float);
    ``TrainError`` for a value of another kind, e.g. a word for the learning rate."""
    hint = _HINTS[name]
    optional = get_origin(hint) in (Union, UnionType) and type(None) in get_args(hint)
    kinds = [a for a in get_args(hint) if a is not type(None)] if optional else [hint]
    if value is None and optional:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    for kind in kinds:
        if kind is bool and isinstance(value, bool):
            return value
        if kind is float and number:
            return float(value)
        if kind is int and number and float(value).is_integer():
            return int(value)
        if kind is str and isinstance(value, str):
            return value
    what = " or ".join("number" if k in (int, float) else "true/false" if k is bool
                       else "word" if k is str else k.__name__ for k in kinds)
    if name in _WHOLE:
        what = "whole number"
    raise TrainError(f"{name} must be a {what}, got {value!r}")


def _param(name: str, d: dict[str, Any]) -> Param:
    unknown = set(d) - {"low", "high", "log", "choices", "grid"}
    if unknown:
        raise TrainError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}; use low, "
                         "high, log and grid, or choices")
    if "choices" in d:
        choices = d["choices"]
        if not isinstance(choices, list) or not choices:
            raise TrainError(f"{name}: choices must be a non-empty list")
        if any(isinstance(c, dict | list) for c in choices):
            raise TrainError(f"{name}: each choice must be a number, a word, true/false or "
                             "null")
        return Param(name, choices=tuple(dict.fromkeys(choices)))
    if "low" not in d or "high" not in d:
        raise TrainError(f"{name}: give low and high, or choices")
    lo, hi = d["low"], d["high"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
               for v in (lo, hi)):
        raise TrainError(f"{name}: low and high must be numbers")
    if lo >= hi:
        raise TrainError(f"{name}: low ({lo:g}) must be below high ({hi:g})")
    log = bool(d.get("log", False))
    if log and lo <= 0:
        raise TrainError(f"{name}: a log range needs low above 0, got {lo:g}")
    if name in _WHOLE and not (float(lo).is_integer() and float(hi).is_integer()):
        raise TrainError(f"{name} takes whole numbers; low and high must be whole")
    grid = d.get("grid")
    if grid is not None:
        if not isinstance(grid, list) or not grid or not all(
                isinstance(v, int | float) and lo <= v <= hi for v in grid):
            raise TrainError(f"{name}: grid must list numbers from low to high")
        grid = tuple(grid)
    cast = int if name in _WHOLE else float
    return Param(name, cast(lo), cast(hi), log, grid_values=grid)


def _try(name: str, value: Any, spec: NetworkSpec, config: TrainConfig,
         base: dict[str, Any], input_shape: tuple[int, ...], n_outputs: int) -> None:
    try:
        trial_spec, _ = apply(spec, config, {**base, name: value})
        check(trial_spec, input_shape, n_outputs)
    except MendelError as exc:
        kind = SpecError if isinstance(exc, SpecError) else TrainError
        raise kind(f"search space: {name} = {value!r}: {exc}") from None


def _fits(spec: NetworkSpec, depth: int, input_shape: tuple[int, ...],
          n_outputs: int) -> bool:
    try:
        check(vary(spec, depth=depth), input_shape, n_outputs)
    except SpecError:
        return False
    return True
