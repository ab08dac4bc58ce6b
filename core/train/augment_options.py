"""Which random augmentations a run applies to its training batches: the options alone.

No torch here: ``TrainConfig.validate``, the CLI and the Train page's form read these
without paying for the torch import (``core.train.augment`` does the arithmetic).

A run's choice lives in ``TrainConfig.augment`` as a plain dict holding only the options
that differ from "off" (``AugmentOptions.to_dict``), so an empty dict means no
augmentation and the state document and ``metrics.json`` keep it as JSON. The command
line spells it as one comma-separated flag (``parse_augment``)::

    --augment hflip,rotate=10,shift=2,noise=0.05      images
    --augment rc,shift=3,mutate=0.02                  one-hot DNA / RNA
    --augment off                                     none (the default)

A bare name switches a yes/no option on (``hflip`` = ``hflip=on``).

Which options fit which inputs depends on the run's input layout
(``core.data.tensors.input_layout``: "image", "onehot:DNA", "kmer:DNA", "table"...):
images take the image options, one-hot sequences the sequence ones, and reverse
complements need DNA or RNA. ``check_fits`` says, in one line, why an option does not.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from core.errors import TrainError

IMAGE_OPTIONS = ("hflip", "vflip", "rotate", "shift", "crop", "brightness", "noise")
SEQUENCE_OPTIONS = ("shift", "rc", "mutate")
NUCLEOTIDE_ONLY = ("rc",)

# (lowest, highest) allowed for each number; 0 is always "off".
RANGES: dict[str, tuple[float, float]] = {
    "rotate": (0.0, 45.0), "shift": (0, 1000), "crop": (0.0, 0.99),
    "brightness": (0.0, 1.0), "noise": (0.0, 1.0), "mutate": (0.0, 0.5),
}

# The one sentence that teaches each option: the form's tooltips, the CLI help.
HELP = {
    "hflip": "Mirror each training image left-right with probability 1/2. Use it only when "
             "a mirrored picture still shows the same class (a cell, yes; a digit, no).",
    "vflip": "Turn each training image upside down with probability 1/2; right for "
             "micrographs and tissue, wrong for photos with a sky.",
    "rotate": "Rotate each training image by a random angle up to this many degrees either "
              "way (0 = off, at most 45); corners that come into view are black.",
    "shift": "Move each training image by up to this many pixels in x and y, or each "
             "one-hot sequence by up to this many positions (the gap fills with zeros, "
             "like padding): the network learns that position does not matter.",
    "crop": "Random crop: each training image is cut to a random square-ish window holding "
            "at least this share of its area (e.g. 0.8) and scaled back to full size, "
            "so it is zoomed in a little (0 = off).",
    "brightness": "Scale each training image's brightness by a random factor within this "
                  "share (0.2 = 80% to 120%), so lighting differences stop mattering.",
    "noise": "Add Gaussian noise of this standard deviation to every pixel (pixels run "
             "0..1; 0.05 is visible grain), so the network cannot rely on exact values.",
    "rc": "Replace each training sequence by its reverse complement with probability 1/2 "
          "(DNA/RNA only): both strands carry the same gene, so the label stays.",
    "mutate": "Point-mutation noise: change this share of each training sequence's "
              "positions to another random base (0.02 = 2 in 100), so no single letter "
              "decides the prediction.",
}

_ON = ("on", "true", "yes", "1")
_OFF = ("off", "false", "no", "0")


@dataclass(frozen=True)
class AugmentOptions:
    """Random transformations of each training batch; every default is off.

    Images (C, H, W) in [0, 1]: ``hflip`` / ``vflip`` (p = 1/2 each), ``rotate`` (max
    degrees either way), ``shift`` (max whole pixels in x and y), ``crop`` (random-resized
    crop: the least share of the area kept, aspect ratio kept, scaled back to H x W),
    ``brightness`` (max relative change of a per-image factor), ``noise`` (Gaussian
    standard deviation). One-hot sequences (L, A): ``shift`` (max positions, zeros fill
    the gap), ``rc`` (reverse complement with p = 1/2; DNA/RNA), ``mutate`` (share of
    the letter positions changed to a different random letter).
    """

    hflip: bool = False
    vflip: bool = False
    rotate: float = 0.0
    shift: int = 0
    crop: float = 0.0
    brightness: float = 0.0
    noise: float = 0.0
    rc: bool = False
    mutate: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "bool":
                if not isinstance(value, bool):
                    raise TrainError(f"augmentation {f.name} is on or off, got {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TrainError(f"augmentation {f.name} needs a number, got {value!r}")
            if f.type == "int" and value != int(value):
                raise TrainError(f"augmentation {f.name} needs a whole number, got {value!r}")
            lo, hi = RANGES[f.name]
            if not lo <= value <= hi:
                raise TrainError(f"augmentation {f.name} must be between {lo:g} and {hi:g},"
                                 f" got {value:g}")

    @property
    def active(self) -> tuple[str, ...]:
        """The names of the options that are on, in declaration order."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name))

    def to_dict(self) -> dict[str, Any]:
        """Only the options that are on: ``{}`` is no augmentation."""
        return {name: getattr(self, name) for name in self.active}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> AugmentOptions:
        if d is None:
            return cls()
        if not isinstance(d, dict):
            raise TrainError(f"augment must be a mapping of options, got {d!r}")
        unknown = sorted(set(d) - set(NAMES))
        if unknown:
            raise TrainError(f"unknown augmentation {', '.join(unknown)};"
                             f" use {', '.join(NAMES)}")
        kinds = {f.name: f.type for f in fields(cls)}
        values = {k: (float(v) if kinds[k] == "float" and isinstance(v, int)
                      and not isinstance(v, bool) else v) for k, v in d.items()}
        if "shift" in values and isinstance(values["shift"], float) \
                and values["shift"].is_integer():
            values["shift"] = int(values["shift"])  # JSON may hold 2.0
        return cls(**values)


NAMES = tuple(f.name for f in fields(AugmentOptions))


def parse_augment(text: str) -> dict[str, Any]:
    """``"hflip,rotate=10,noise=0.05"`` -> ``{"hflip": True, "rotate": 10.0, ...}``.

    Comma-separated ``name`` or ``name=value``; a bare name switches a yes/no option on;
    yes/no values are on/off (true/false, yes/no, 1/0); "off", "none" or "" is no
    augmentation. Raises TrainError with one line for anything else.
    """
    text = text.strip()
    if text.lower() in ("", "off", "none"):
        return {}
    kinds = {f.name: f.type for f in fields(AugmentOptions)}
    values: dict[str, Any] = {}
    for part in text.split(","):
        name, eq, raw = (s.strip() for s in part.partition("="))
        name = name.lower().replace("-", "_")
        if name not in kinds:
            raise TrainError(f"unknown augmentation {name!r} in {text!r};"
                             f" use {', '.join(NAMES)}")
        if name in values:
            raise TrainError(f"augmentation {name} is given twice in {text!r}")
        if kinds[name] == "bool":
            word = raw.lower() if eq else "on"
            if word not in _ON + _OFF:
                raise TrainError(f"augmentation {name} is on or off, got {raw!r}")
            values[name] = word in _ON
            continue
        if not eq:
            raise TrainError(f"augmentation {name} needs a value, e.g. {name}={_EXAMPLE[name]}")
        try:
            number = float(raw)
        except ValueError:
            raise TrainError(f"augmentation {name} needs a number, got {raw!r}") from None
        values[name] = int(number) if kinds[name] == "int" and number.is_integer() else number
    return AugmentOptions.from_dict(values).to_dict()


_EXAMPLE = {"rotate": "10", "shift": "2", "crop": "0.8", "brightness": "0.2",
            "noise": "0.05", "mutate": "0.02"}


def format_augment(d: dict[str, Any] | None) -> str:
    """The ``parse_augment`` spelling of a choice ("off" for none): for help and cards."""
    parts = []
    for name, value in AugmentOptions.from_dict(d).to_dict().items():
        parts.append(name if value is True else f"{name}={value:g}")
    return ",".join(parts) or "off"


def fitting_options(layout: str) -> tuple[str, ...]:
    """The options that apply to inputs of ``layout`` (empty: none do)."""
    if layout == "image":
        return IMAGE_OPTIONS
    kind, _, alphabet = layout.partition(":")
    if kind != "onehot":
        return ()
    if alphabet in ("DNA", "RNA"):
        return SEQUENCE_OPTIONS
    return tuple(n for n in SEQUENCE_OPTIONS if n not in NUCLEOTIDE_ONLY)


def describe_layout(layout: str) -> str:
    """Inputs of ``layout`` in words, for messages."""
    kind, _, alphabet = layout.partition(":")
    words = {"image": "images", "table": "a table", "onehot": f"one-hot {alphabet} sequences",
             "integer": f"integer-coded {alphabet} sequences",
             "kmer": f"{alphabet} k-mer profiles"}
    return words.get(kind, "inputs of unknown kind")


def check_fits(options: AugmentOptions, layout: str) -> None:
    """Raise TrainError (one line) for the first option that does not fit ``layout``."""
    active = options.active
    if not active:
        return
    fits = fitting_options(layout)
    what = describe_layout(layout)
    kind = layout.partition(":")[0]
    for name in active:
        if name in fits:
            continue
        if kind == "image":
            raise TrainError(f"augmentation {name} is for one-hot sequences; this run's"
                             f" inputs are {what} (turn it off)")
        if kind == "onehot" and name in NUCLEOTIDE_ONLY:
            raise TrainError(f"augmentation {name} (reverse complement) needs DNA or RNA"
                             f" sequences; these are {what}")
        if kind in ("integer", "kmer") and name in SEQUENCE_OPTIONS:
            raise TrainError(f"augmentation {name} needs the one-hot encoding; this run's"
                             f" inputs are {what} (choose encoding onehot or turn it off)")
        if kind in ("onehot", "integer", "kmer"):
            raise TrainError(f"augmentation {name} is for images; this run's inputs are"
                             f" {what} (turn it off)")
        raise TrainError(f"augmentation {name} is for images and one-hot sequences; this"
                         f" run's inputs are {what} (turn it off)")


def drop_unfitting(d: dict[str, Any], layout: str) -> tuple[dict[str, Any], list[str]]:
    """(the choice without the options ``layout`` cannot take, the names dropped)."""
    fits = fitting_options(layout)
    kept = {k: v for k, v in d.items() if k in fits}
    return kept, [k for k in d if k not in fits]
