"""What an exported script needs from a run folder, read and checked: the run's files,
its split, how its data were read, and (for a demo) the demo's rows written as a CSV.

Everything that the script cannot do the way the run did is refused here, in one line
(``ExportError``), before anything is written: a script that trained on other rows or
other encodings than the run would teach the wrong lesson.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.atomic import write_text_atomic
from core.data.alphabet import AMINO_ACIDS, IUPAC_NUCLEOTIDES, IUPAC_PROTEIN, NUCLEOTIDES
from core.errors import ExportError, MendelError
from core.export.bundle import (
    CHECKPOINT_DIR,
    CONFIG_FILE,
    NETWORK_FILE,
    PREPROCESSING_FILE,
    load_bundle,
)
from core.train.checkpoint import has_checkpoint, load_checkpoint
from core.train.config import TrainConfig


@dataclass
class RunSource:
    """A run folder's facts, as the script embeds them."""

    run_dir: Path
    network: dict[str, Any]
    preprocessing: dict[str, Any]
    config: dict[str, Any]
    split: dict[str, list[int]]
    n_samples: int
    loader: str  # table | sequence_table | fasta | image_folder | pixel_table
    source: str  # the data the run read (a path or demo:NAME)
    constants: dict[str, Any] = field(default_factory=dict)  # loader-specific settings
    demo: Any = None  # the demo's Dataset, to be written as a CSV

    @property
    def is_demo(self) -> bool:
        return self.source.startswith("demo:")


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot read {path.name} ({exc})", str(path.parent)) from None


def read_run(run_dir: str | Path) -> RunSource:
    """The run's files (checked as ``load_bundle`` checks them) and its recorded split."""
    run = Path(run_dir)
    load_bundle(run)  # the manifest, the schemas, the network builds and its weights load
    network, prep = _json(run / NETWORK_FILE), _json(run / PREPROCESSING_FILE)
    config = _json(run / CONFIG_FILE)
    try:
        TrainConfig.from_dict(config).validate()
    except (MendelError, TypeError, ValueError) as exc:
        raise ExportError(f"{CONFIG_FILE} does not read back ({str(exc)[:80]})",
                          str(run)) from None
    if not has_checkpoint(run / CHECKPOINT_DIR):
        raise ExportError("the run has no checkpoint, so its train/validation/test split is "
                          "not recorded; train it again with checkpoints on (the default)",
                          str(run))
    try:
        record = load_checkpoint(run / CHECKPOINT_DIR).record
    except MendelError as exc:
        raise ExportError(f"its checkpoint does not read back: {exc}", str(run)) from None
    if record is None or not record.split:
        raise ExportError("the run's checkpoint does not record its split", str(run))
    split = {side: [int(i) for i in np.asarray(record.split.get(side, []))]
             for side in ("train", "val", "test")}
    info = record.info
    src = RunSource(run_dir=run, network=network, preprocessing=prep, config=config,
                    split=split, loader="",
                    n_samples=int(info.get("n_samples") or sum(map(len, split.values()))),
                    source=str(info.get("source") or ""))
    _refuse_unexported(src)
    _choose_loader(src, info)
    return src


# the training options the script follows, and those that do not change what it computes
_FOLLOWED = {"epochs", "batch_size", "optimizer", "lr", "momentum", "nesterov", "weight_decay",
             "betas", "loss", "huber_delta", "reconstruct_noise", "class_weights", "schedule",
             "step_size", "gamma", "plateau_patience", "l1", "l2", "grad_clip",
             "early_stopping", "min_delta", "restore_best", "seed", "deterministic", "amp",
             "augment", "device", "batch_event_hz", "checkpoint_every", "extra"}


def _refuse_unexported(src: RunSource) -> None:
    """One line when the script would train differently from the run: Mendel's random
    batch augmentation (its own random streams on the device) is not retold, nor is an
    option newer than the script's parts (set away from its default)."""
    defaults = TrainConfig().to_dict()
    unknown = [k for k, v in src.config.items() if k not in _FOLLOWED and v != defaults.get(k)]
    if unknown:
        raise ExportError(f"the run sets {', '.join(unknown)}, which the exported script "
                          "does not follow yet", str(src.run_dir))
    augment = src.config.get("augment")
    if augment:
        raise ExportError(f"the run uses random augmentation of training batches "
                          f"({', '.join(augment)}), which the exported script does not do "
                          "yet; export a run without it", str(src.run_dir))


def _choose_loader(src: RunSource, info: dict[str, Any]) -> None:
    net, reading = src.network, src.preprocessing.get("load_options") or {}
    modality, loader = net.get("modality"), str(info.get("loader") or "")
    c = src.constants
    c["TARGET_COLUMN"] = reading.get("target") if not src.is_demo else "label"
    c["MISSING"] = reading.get("missing", "impute")
    # the run removed records repeating an earlier one (its split counts the rest)
    c["DROP_DUPLICATES"] = bool((info.get("load_options") or {}).get("drop_duplicates"))
    if src.is_demo:
        from core.data.load import load_dataset
        from core.data.options import LoadOptions
        from core.export.bundle import _options_from_dict

        options = _options_from_dict(LoadOptions, dict(info.get("load_options") or {}))
        src.demo = load_dataset(src.source, options)
        if len(src.demo) != src.n_samples:
            raise ExportError(f"the demo now makes {len(src.demo)} samples, the run had "
                              f"{src.n_samples}", str(src.run_dir))
        if net.get("task") == "reconstruct" and src.demo.info.get("unlabelled"):
            c["TARGET_COLUMN"] = None
    if modality == "tabular":
        src.loader = "table"
        # None, or the Playground extras (x1^2, sin(x1)...) the run computed from x1, x2
        c["PLAYGROUND"] = src.preprocessing.get("playground_features")
    elif modality == "sequence":
        pre = src.preprocessing["preprocessing"]
        protein = pre["alphabet"] == "protein"
        c["LETTERS"] = AMINO_ACIDS if protein else NUCLEOTIDES
        c["SPREAD"] = dict(IUPAC_PROTEIN if protein else IUPAC_NUCLEOTIDES)
        if src.is_demo or loader == "csv":
            src.loader = "sequence_table"
            c["SEQUENCE_COLUMN"] = "sequence" if src.is_demo else reading.get("sequence_column")
        else:
            _refuse_other_sequence_formats(src)
            src.loader = "fasta"
            labels = (info.get("load_options") or {}).get("labels")
            c["LABELS_TABLE"] = str(Path(labels).resolve()) if labels else None
    elif modality == "image":
        if loader == "images":
            src.loader = "image_folder"
        elif loader == "idx":
            src.loader = "idx"
        else:
            src.loader = "pixel_table"
            c["PIXEL_COLUMNS"] = (_pixel_names(net) if src.is_demo
                                  else list(reading.get("features") or []))
    else:
        raise ExportError(f"the run's data ({modality}) cannot be read by an exported "
                          "script yet", str(src.run_dir))


def _refuse_other_sequence_formats(src: RunSource) -> None:
    """The script reads FASTA only; FASTQ and GenBank runs are refused up front."""
    path = Path(src.source)
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    for f in files:
        name = f.name.lower().removesuffix(".gz")
        if Path(name).suffix in (".fq", ".fastq", ".gb", ".gbk", ".genbank"):
            raise ExportError(f"the run read {f.name}, and the exported script reads FASTA "
                              "only; convert it to FASTA and train again", str(src.run_dir))


def _pixel_names(net: dict[str, Any]) -> list[str]:
    return [f"p{i}" for i in range(int(np.prod(net["input_shape"])))]


def write_demo_csv(src: RunSource, path: Path) -> None:
    """The demo's records as a CSV in the demo's own order (the split's indices are
    positions in it), with the target as a "label" column of class names or values."""
    ds, net = src.demo, src.network
    if ds.modality == "tabular":
        frame = ds.records.copy()
    elif ds.modality == "sequence":
        frame = pd.DataFrame({"id": ds.ids, "sequence": ds.records})
    else:
        flat = np.asarray(ds.records, dtype=np.float32).reshape(len(ds), -1)
        frame = pd.DataFrame(flat, columns=_pixel_names(net))
    if src.constants.get("TARGET_COLUMN"):
        names = ds.class_names
        frame["label"] = ([names[int(t)] for t in ds.targets] if names
                          else [repr(float(t)) for t in ds.targets])
    write_text_atomic(path, frame.to_csv(index=False))
