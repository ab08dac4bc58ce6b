"""The search space a user points at: which settings are searched, over what.

The Tune page lists the settings a search can vary (``SETTINGS``) with a tick box and a
text each: a range "0.0001 to 0.1" or choices "adam, adamw, sgd". ``chosen_space`` turns
the ticked ones into a ``SearchSpace`` over the design's default one
(``core.select.space.default_space``): a ticked setting without text keeps its default
range, an unticked one keeps the training configuration's value, and a network rule the
design has nothing for (dropout without a Dropout layer) is left out with a note.
"""

from __future__ import annotations

import math
from typing import Any

from core.errors import TrainError
from core.select.space import SearchSpace

# (setting, label, whether a range of it is searched on a log scale)
SETTINGS = (
    ("lr", "learning rate", True),
    ("batch_size", "batch size", False),
    ("optimizer", "optimizer", False),
    ("weight_decay", "weight decay", False),
    ("dropout", "dropout", False),
    ("width", "width (x units)", False),
    ("depth", "depth (+/- blocks)", False),
)
LOG = {name for name, _, log in SETTINGS if log}
_WHY_ABSENT = {
    "dropout": "the design has no Dropout layer",
    "width": "the design has no layer with units or filters to widen",
    "depth": "the design has no block that can be repeated or removed",
}


def parse_values(name: str, text: str) -> dict[str, Any] | None:
    """One setting's text as a space entry; None for empty text (the default range).

    "A to B" is a range (log for the learning rate); "a, b, c" are choices (numbers
    where they read as numbers). ``TrainError`` names the setting for anything else.
    """
    text = text.strip()
    if not text:
        return None
    if " to " in text:
        low_text, high_text = (p.strip() for p in text.split(" to ", 1))
        low, high = _number(name, low_text), _number(name, high_text)
        if not (isinstance(low, float | int) and isinstance(high, float | int)):
            raise TrainError(f"{name}: a range is two numbers, e.g. 0.001 to 0.1")
        entry: dict[str, Any] = {"low": low, "high": high}
        if name in LOG:
            entry["log"] = True
        return entry
    choices = [_number(name, part.strip()) for part in text.split(",") if part.strip()]
    if not choices:
        raise TrainError(f"{name}: give a range (0.001 to 0.1) or choices (a, b, c)")
    return {"choices": choices}


def _number(name: str, text: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        if name in ("optimizer",):
            return text.lower()
        raise TrainError(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise TrainError(f"{name}: {text!r} is not a finite number")
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() \
        else value


def chosen_space(default: SearchSpace,
                 chosen: dict[str, str]) -> tuple[SearchSpace, list[str]]:
    """The space of the ticked settings (``chosen``: setting -> its text, "" for the
    default range) and notes on settings the design could not search."""
    if not chosen:
        raise TrainError("tick at least one setting to search")
    space = SearchSpace(fixed=dict(default.fixed))
    notes: list[str] = []
    entries: dict[str, Any] = {}
    for name, text in chosen.items():
        entry = parse_values(name, text)
        if entry is None:
            if name not in default.params:
                notes.append(f"{name} is not searched: {_WHY_ABSENT.get(name, 'no range')}")
                continue
            entries[name] = default.params[name].to_json()
        else:
            entries[name] = entry
    if not entries:
        raise TrainError("none of the ticked settings can be searched with this design: "
                         + "; ".join(notes))
    parsed = SearchSpace.from_dict(entries)
    space.params.update(parsed.params)
    space.fixed.update(parsed.fixed)
    for name in space.params:
        space.fixed.pop(name, None)
    return space, notes
