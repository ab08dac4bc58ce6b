"""Export a run as one standalone PyTorch training script (``mendel export-script``).

The script needs torch, numpy, safetensors (pandas for tables and sequences in tables,
Pillow for images) and no Mendel. It embeds what the run recorded: the network (as
``nn.Module`` code with Mendel's layer names, ``core.export.script_model``), the fitted
preprocessing, the training configuration and the split's row indices; it reads the
run's input format (``core.export.script_data``), trains as Mendel's trainer does
(``core.export.script_train``) in one process or under ``torchrun`` with
DistributedDataParallel, and writes a run folder ``mendel predict`` reads
(``core.export.script_main``).

A demo run (``demo:circle``...) has no file to read: the export writes the demo's rows
as a CSV beside the script (``<script>_data.csv``), in the demo's own order, so the
embedded split picks the run's rows.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core import __version__
from core.atomic import write_text_atomic
from core.errors import ExportError
from core.export import script_data as data_parts
from core.export import script_main, script_train
from core.export.script_model import WIDTH, model_code
from core.export.script_source import RunSource, read_run, write_demo_csv
from core.nn.spec import NetworkSpec

# the reader of each input format, and the parts it is made of
_READERS = {
    "table": ["TARGETS", "READ_TABLE", "LABELLED_ROWS", "TABLE"],
    "sequence_table": ["TARGETS", "READ_TABLE", "LABELLED_ROWS", "SEQUENCES", "SEQUENCE_TABLE"],
    "fasta": ["TARGETS", "READ_TABLE", "SEQUENCES", "FASTA"],
    "image_folder": ["TARGETS", "IMAGE_FOLDER"],
    "idx": ["TARGETS", "IDX"],
    "pixel_table": ["TARGETS", "READ_TABLE", "LABELLED_ROWS", "PIXEL_TABLE"],
}
_DATA_HELP = {
    "table": "a CSV/TSV table with the run's feature columns and its target column",
    "sequence_table": "a CSV/TSV table with the run's sequence column and its target",
    "fasta": "a FASTA file (labels in the headers or in LABELS_TABLE) or a folder of "
             "one FASTA file per class",
    "image_folder": "a folder of class sub-folders of images",
    "idx": "an IDX images file (with its labels file beside it) or a folder of such pairs",
    "pixel_table": "a CSV/TSV table of pixel columns and the target column",
}


@dataclass
class ScriptReport:
    """What ``export_script`` wrote."""

    script: Path
    data: Path | None  # the demo's rows as a CSV, for a demo run
    loader: str
    command: str  # how to run it

    def text(self) -> str:
        extra = f" and the demo's data to {self.data}" if self.data else ""
        return f"wrote {self.script}{extra}; run it with: {self.command}"


def export_script(run_dir: str | Path, out_path: str | Path) -> ScriptReport:
    """Write the training script for the run folder ``run_dir`` to ``out_path`` (and, for
    a demo run, the demo's data beside it). ``ExportError`` (one line) for a run the
    script cannot reproduce; nothing is written then."""
    out = Path(out_path)
    if out.is_dir():
        raise ExportError("is a folder; give the script's file name, e.g. train.py", str(out))
    if out.suffix != ".py":
        raise ExportError("the script's name must end in .py", str(out))
    src = read_run(run_dir)
    text = script_text(src, out.name)
    data_path = out.with_name(f"{out.stem}_data.csv") if src.is_demo else None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if data_path is not None:
            write_demo_csv(src, data_path)
        write_text_atomic(out, text)
        out.chmod(0o755)  # it starts with #!: ./train.py DATA runs it
    except OSError as exc:
        raise ExportError(f"cannot write the script ({exc.strerror or exc})", str(out)) from None
    data_arg = data_path.name if data_path is not None else "DATA"
    return ScriptReport(out, data_path, src.loader, f"python {out.name} {data_arg}")


def script_text(src: RunSource, name: str = "train.py") -> str:
    """The whole script for ``src``: header, imports, constants, network, data, training."""
    net = src.network
    spec = NetworkSpec.from_dict(net)
    model = model_code(spec, net["input_shape"], int(net["n_outputs"]))
    reader = _READERS[src.loader]
    parts = [getattr(data_parts, p) for p in reader]
    main = script_main.MAIN.replace(script_main.TRAINING_ROWS_MARK, "")
    pre = src.preprocessing["preprocessing"]
    if pre.get("rc_augment") and pre.get("alphabet") != "protein":  # Mendel's rule
        parts.append(data_parts.REVERSE_COMPLEMENTS)
        main = script_main.MAIN.replace(script_main.TRAINING_ROWS_MARK,
                                        script_main.REVERSE_COMPLEMENTS)
    sections = [
        _header(src, name),
        _imports(src.loader),
        _rule("what the run recorded"),
        _constants(src),
        _rule("the network (Mendel's modules, Mendel's names)"),
        *([model.helpers] if model.helpers else []),
        model.function,
        _rule("reading and encoding the data"),
        script_train.SETUP.strip() + "\n",
        *[p.strip() + "\n" for p in parts],
        _rule("training, as Mendel's trainer does"),
        script_train.LOSS.strip() + "\n",
        script_train.LOOP.strip() + "\n",
        _rule("measuring and saving"),
        main.strip() + "\n",
    ]
    # two blank lines between the parts, as between top-level definitions; a section's
    # rule sits one blank line above its part (and below the imports, as isort wants)
    text = ""
    for i, part in enumerate(s.rstrip("\n") for s in sections):
        if i:
            rule_next = part.startswith("# --- ")
            after_rule = sections[i - 1].startswith("# --- ")
            text += "\n\n" if after_rule or i == 1 or (rule_next and i == 2) else "\n\n\n"
        text += part
    return text + "\n"


def _rule(title: str) -> str:
    return f"# --- {title} " + "-" * max(3, 82 - len(title))


def _header(src: RunSource, name: str) -> str:
    net, c = src.network, src.config
    data_arg = f"{Path(name).stem}_data.csv" if src.is_demo else "DATA"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = net.get("name") or "network"
    lines = [
        "#!/usr/bin/env python3",
        f'"""Train the {title} of the Mendel run {src.run_dir.name!r}, in plain PyTorch.',
        "",
        f"Exported by Mendel {__version__} on {when}; needs no Mendel, only torch, numpy,",
        "safetensors" + {"image_folder": " and Pillow", "idx": ""}.get(src.loader,
                                                                      " and pandas") + ".",
        "",
        f"    python {name} {data_arg} [--out trained_run] [--epochs N] [--device cpu]",
        f"    torchrun --nproc_per_node=N {name} {data_arg}",
        "",
        *textwrap.wrap(f"DATA: {_DATA_HELP[src.loader]} (" + (
            f"the rows of {src.source}, written beside this script)." if src.is_demo
            else f"the run read {src.source}).").replace("\\", "/"), 88),
        "",
        "One process repeats the run: the same rows for training, validation and test (the",
        "run's split), the same preprocessing, initial weights (seed "
        f"{c['seed']}), batch order,",
        f"optimizer ({c['optimizer']}, lr {c['lr']:g}), schedule ({c['schedule']}), loss "
        f"({c['loss']}) and epochs ({c['epochs']}).",
        "Under torchrun each process trains on its own shard (DistributedSampler, gloo on",
        "CPUs, NCCL on GPUs); gradients are averaged, so the results are close to, not",
        "equal to, one process's. Only process 0 prints and writes files.",
        "",
        "It writes a run folder (--out) with the new model.safetensors and Mendel's files,",
        "so `mendel predict OUT DATA` uses the weights this script trained.",
        '"""',
    ]
    return "\n".join(lines)


def _imports(loader: str) -> str:
    std = ["argparse", "csv", "hashlib", "json", "math", "os", "shutil", "sys"]
    if loader == "fasta":
        std += ["gzip", "re"]
    if loader == "idx":
        std += ["gzip", "struct"]
    third = ["import numpy as np"]
    if loader not in ("image_folder", "idx"):
        third.append("import pandas as pd")
    third += ["import torch", "import torch.distributed as dist",
              "import torch.nn.functional as F"]
    if loader == "image_folder":
        third.append("from PIL import Image, ImageOps")
    third += ["from safetensors.torch import save_file", "from torch import nn",
              "from torch.nn.parallel import DistributedDataParallel",
              "from torch.utils.data import DistributedSampler, TensorDataset"]
    return "\n".join([
        "from __future__ import annotations", "",
        *[f"import {m}" for m in sorted(std)],
        "from collections.abc import Callable", "from pathlib import Path",
        "from typing import Any", "", *third,
    ])


def _constants(src: RunSource) -> str:
    net = src.network
    values: dict[str, Any] = {
        "RUN_NAME": src.run_dir.name,
        "TASK": net["task"],
        "CLASS_NAMES": net.get("class_names") or [],
        "INPUT_SHAPE": tuple(net["input_shape"]),
        "N_OUTPUTS": int(net["n_outputs"]),
        "N_SAMPLES": src.n_samples,
        "DATA_HELP": _DATA_HELP[src.loader],
        **src.constants,
        "CONFIG": src.config,
        "NETWORK": net,
        "PREPROCESSING": src.preprocessing,
        "SPLIT": src.split,
    }
    if src.loader != "table":  # only a table's rows with missing features may be dropped
        values.pop("MISSING", None)
    if src.loader in ("fasta", "image_folder", "idx"):  # their labels are not in a column
        values.pop("TARGET_COLUMN", None)
    notes = {
        "CONFIG": "# train_config.json of the run",
        "NETWORK": "# network.json of the run (copied into the folder the script writes)",
        "PREPROCESSING": "# preprocessing.json: the preprocessing fitted on the training rows",
        "SPLIT": "# row indices of the run's split, in its order (the batch order uses it)",
        "LABELS_TABLE": "# the labels table the run read; edit if it moved",
    }
    out = []
    for key, value in values.items():
        if key in notes:
            out.append(notes[key])
        out += literal(value, f"{key} = ", "")
    return "\n".join(out)


def literal(value: Any, prefix: str, suffix: str, indent: str = "") -> list[str]:
    """Python source lines for a JSON-like value, one item a line when it does not fit;
    a long list of numbers is packed many to a line."""
    one = f"{indent}{prefix}{_inline(value)}{suffix}"
    if len(one) <= WIDTH or not isinstance(value, (dict, list, tuple)) or not value:
        return [one + ("  # noqa: E501" if len(one) > WIDTH + 1 else "")]
    inner = indent + "    "
    open_, close = ("{", "}") if isinstance(value, dict) else (
        ("(", ")") if isinstance(value, tuple) else ("[", "]"))
    lines = [f"{indent}{prefix}{open_}"]
    if isinstance(value, dict):
        for k, v in value.items():
            lines += literal(v, f"{k!r}: ", ",", inner)
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        row = ""
        for v in value:
            item = f"{_inline(v)},"
            if row and len(inner) + len(row) + 1 + len(item) > WIDTH:
                lines.append(inner + row)
                row = ""
            row = f"{row} {item}" if row else item
        lines.append(inner + row)
    else:
        for v in value:
            lines += literal(v, "", ",", inner)
    return [*lines, f"{indent}{close}{suffix}"]


def _inline(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_inline(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return repr(value)
