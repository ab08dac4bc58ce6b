"""A run bundle: one folder that holds everything needed to use or audit a trained model.

    network.json         the NetworkSpec + input_shape, n_outputs, task, class_names
                         (loadable as a spec by itself: ``mendel train --model network.json``)
    preprocessing.json   the fitted preprocessing + the load/encoding options of training
                         + the Playground extras (x1^2, sin(x1)...) rebuilt from new input
    train_config.json    the TrainConfig (``TrainConfig.from_dict`` reads it back)
    model.safetensors    the weights (no code inside: safe to share)
    model.onnx           ONNX (opset 17, dynamic batch), checked with onnxruntime
    model.torchscript.pt TorchScript (traced), checked against the model
    history.csv          one row per epoch
    metrics.json         train/val/test metrics, baselines, run facts, export checks
    MODEL_CARD.md        what it was trained on, how, how well, and what it is not for
    checkpoint/          the last checkpoint (``core.train.checkpoint``: checkpoint.json +
                         checkpoint-eNNNNN-<id>.safetensors), so ``mendel train --resume``
                         can continue the run; absent when checkpoints were off
    manifest.json        every file above with its size and sha256, written last: a folder
                         without it, or whose files differ from it, is refused
                         (``core.export.folder``)

The run is written into a hidden sibling folder and moved into place when whole, so an
interrupted export leaves the previous folder as it was (``core.export.folder``).
Loading reads JSON and safetensors only: nothing is unpickled.
"""

from __future__ import annotations

import copy
import json
import math
import platform
import shutil
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from core.atomic import write_text_atomic
from core.data.dataset import Dataset
from core.data.load import load_dataset
from core.data.options import EncodingOptions, LoadOptions
from core.data.playground import (
    extra_column_names,
    features_record,
    features_requirement,
    read_features_record,
    restore_features,
)
from core.data.preprocessing import Preprocessing, preprocessing_from_dict
from core.errors import DataError, ExportError, MendelError, SpecError
from core.export.folder import (
    MANIFEST_FILE,
    check_target,
    move_into_place,
    staging_folder,
    verify_run,
    write_manifest,
)
from core.export.onnx_export import export_onnx
from core.export.safeload import refuse_pickle
from core.export.schema import check_fits, validate
from core.export.torchscript import export_torchscript
from core.nn.spec import NetworkSpec
from core.train.checkpoint import (
    checkpoint_files,
    has_checkpoint,
    save_checkpoint,
)
from core.train.run import TrainingOutcome

PREPROCESSING_FORMAT = "mendel-preprocessing/1"
NETWORK_FILE = "network.json"
PREPROCESSING_FILE = "preprocessing.json"
CONFIG_FILE = "train_config.json"
WEIGHTS_FILE = "model.safetensors"
ONNX_FILE = "model.onnx"
TORCHSCRIPT_FILE = "model.torchscript.pt"
HISTORY_FILE = "history.csv"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"
CHECKPOINT_DIR = "checkpoint"
# bytes a run's JSON file may have: a network of 1,000 layers is about 200 kB; a table's
# preprocessing grows with its columns (about 150 bytes each)
_JSON_LIMITS = {NETWORK_FILE: 2 << 20}
_JSON_LIMIT = 256 << 20
# the files load_bundle reads: their sha256 must be the manifest's
READ_FILES = (NETWORK_FILE, PREPROCESSING_FILE, WEIGHTS_FILE, METRICS_FILE)
_SAMPLE_ROWS = 8  # rows of real input the ONNX / TorchScript checks run on


@dataclass
class BundleReport:
    """What ``save_bundle`` wrote and how closely the exports reproduce the model."""

    out_dir: Path
    files: list[str]
    onnx_max_abs_diff: float
    torchscript_max_abs_diff: float


@dataclass
class LoadedBundle:
    """A bundle read back: enough to turn new raw input into predictions."""

    run_dir: Path
    spec: NetworkSpec
    input_shape: tuple[int, ...]
    n_outputs: int
    task: str
    class_names: list[str] | None
    modality: str
    preprocessing: Preprocessing
    load_options: LoadOptions
    encoding_options: EncodingOptions
    model: nn.Module
    metrics: dict[str, Any] = field(default_factory=dict)
    # Playground extras the run was trained with (``core.data.playground.features_record``)
    playground: dict[str, list[str]] | None = None
    # the folder of the run's last checkpoint (``core.train.checkpoint.load_checkpoint``
    # reads it; read only on demand, so listing many runs stays fast), or None
    checkpoint_dir: Path | None = None

    def load_data(self, source: str, labels: str | None = None,
                  labelled: bool = False) -> Dataset:
        """Read ``source`` as training read its input.

        ``labelled=False`` (prediction) reads inputs only: a target column or labels may
        be absent and are ignored. ``labelled=True`` (evaluation) requires them, and maps
        the data's class names onto the model's class order. A run trained with Playground
        extras reads the two base columns and computes the extras from them.
        """
        options = copy.deepcopy(self.load_options)
        options.labels = labels
        options.labelled = labelled
        # duplicates and groups only shaped the training split: new data is read whole
        options.drop_duplicates, options.group_by = False, None
        if self.modality == "image" and Path(source).is_dir():
            options.format = options.format or "images"  # a flat folder is not guessed
        try:
            ds = load_dataset(source, options)
        except DataError as exc:  # e.g. a base column missing: say what the model needs
            if self.playground is None or not Path(source).is_file():
                raise
            raise DataError(f"{exc}; {features_requirement(self.playground)}",
                            None if exc.path else source) from None
        if ds.modality != self.modality:
            raise DataError(f"the model was trained on {self.modality} data, this is "
                            f"{ds.modality} data", source)
        if self.playground is not None:
            ds = restore_features(ds, self.playground)
        if labelled and self.task == "classification" and self.class_names:
            _map_classes(ds, self.class_names, source)
        return ds

    def predict(self, ds: Dataset) -> tuple[np.ndarray, np.ndarray | None]:
        """(predictions, probabilities) for every record of ``ds`` (see core.nn.predict)."""
        from core.nn.predict import predict

        return predict(self.model, self._encoded(ds), self.task)

    def encode(self, ds: Dataset) -> np.ndarray:
        """``ds``'s records as the model's input tensors, encoded as training did."""
        return self._encoded(ds)

    def _encoded(self, ds: Dataset) -> np.ndarray:
        if self.playground is not None:  # a table from elsewhere may lack the extras
            ds = restore_features(ds, self.playground)
        return self.preprocessing.transform(ds)

    def evaluate(self, ds: Dataset) -> dict[str, Any]:
        """Metrics of the model on labelled ``ds`` (from ``load_data(labelled=True)``)."""
        from core.metrics import (
            classification_metrics,
            reconstruction_metrics,
            regression_metrics,
        )

        pred, proba = self.predict(ds)
        out: dict[str, Any] = {"n": len(ds)}
        if self.task == "reconstruct":  # the targets are the encoded inputs themselves
            out.update(reconstruction_metrics(self._encoded(ds), pred))
        elif self.task == "classification":
            out.update(classification_metrics(ds.targets, proba, self.class_names))
        else:
            out.update(regression_metrics(ds.targets, pred))
        return out

    def predictions_table(self, ds: Dataset) -> pd.DataFrame:
        """Columns id, prediction (class name or value), then p_<class> per class."""
        pred, proba = self.predict(ds)
        table = pd.DataFrame({"id": list(ds.ids)})
        if self.task == "classification":
            names = self.class_names or [str(i) for i in range(self.n_outputs)]
            table["prediction"] = [names[i] for i in pred]
            for j, name in enumerate(names):
                table[f"p_{name}"] = proba[:, j]
        elif pred.ndim == 1:
            table["prediction"] = pred
        else:
            for j in range(pred.shape[1]):
                table[f"prediction_{j}"] = pred[:, j]
        return table


def check_out_folder(out_dir: str | Path, overwrite: bool = False) -> Path:
    """``ExportError`` now, before any training, unless a run can be saved at ``out_dir``:
    the folder itself when it exists, else its nearest existing parent, must be a folder
    this process may write into, and ``out_dir`` must be new, empty, or (with
    ``overwrite``) a run folder of Mendel's own files (``core.export.folder``). Nothing is
    created."""
    import os
    import tempfile

    out = Path(out_dir)
    check_target(out, overwrite)
    probe = out.parent if out.exists() else out  # the run is written beside it, then moved
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ExportError(f"cannot make a folder there: {probe} is a file; choose another "
                          "--out", str(out))
    try:  # a real try (root passes every os.access check, and /proc refuses anyway)
        os.rmdir(tempfile.mkdtemp(prefix=".mendel-check-", dir=probe))
    except OSError as exc:
        raise ExportError(f"cannot write there ({exc.strerror or exc} in {probe}); choose "
                          "another --out", str(out)) from None
    return out


def incomplete_folder(out_dir: str | Path) -> Path:
    """Where ``mendel train --out OUT`` keeps its checkpoints while it trains
    (``OUT.incomplete``): beside OUT, so a run already at OUT stays whole until the new
    one replaces it, and visible, so an interrupted run can be continued with --resume."""
    out = Path(out_dir)
    return out.with_name(f"{out.name}.incomplete")


def save_bundle(out_dir: str | Path, outcome: TrainingOutcome,
                overwrite: bool = False) -> BundleReport:
    """Write the run folder ``out_dir`` whole, or leave what was there as it was.

    The files go into a hidden sibling, the manifest last, and the folder is then moved
    into place (``core.export.folder``). ``out_dir`` may be new or empty; an existing run
    folder is replaced only with ``overwrite``; a folder holding other files never."""
    out = Path(out_dir)
    check_target(out, overwrite)
    result = outcome.result
    if not outcome.succeeded or result is None or result.model is None:
        reason = result.message if result is not None and result.message else "no model"
        raise ExportError(f"nothing to export: the run did not finish ({reason})")
    try:
        staging = staging_folder(out)
    except OSError as exc:
        raise ExportError(f"cannot write there ({exc.strerror or exc}); choose another "
                          "folder", str(out)) from None
    try:
        report = _write_bundle(staging, outcome)
        write_manifest(staging)
        move_into_place(staging, out)
    except OSError as exc:  # a full disk, a folder gone read-only: nothing half-saved
        raise ExportError(f"cannot save the run ({exc.strerror or exc}); nothing was "
                          "changed there", str(out)) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    report.out_dir = out
    report.files.append(MANIFEST_FILE)
    return report


def _write_bundle(out: Path, outcome: TrainingOutcome) -> BundleReport:
    """Every file of the run but the manifest, into the new folder ``out``."""
    from core.export.card import model_card

    result = outcome.result
    assert result is not None and result.model is not None  # save_bundle checked
    model = copy.deepcopy(result.model).cpu().eval()
    sample = torch.from_numpy(_sample_rows(outcome))
    data = outcome.data

    _write_json(out / NETWORK_FILE, {
        **outcome.spec.to_dict(),
        "input_shape": list(data.input_shape), "n_outputs": data.n_outputs,
        "task": data.task, "class_names": data.class_names,
        "modality": outcome.dataset.modality, "preset": outcome.network_source,
    })
    _write_json(out / PREPROCESSING_FILE, {
        "format": PREPROCESSING_FORMAT,
        "preprocessing": outcome.preprocessing.to_dict(),
        "load_options": asdict(reading_options(outcome)),
        "encoding_options": outcome.encoding_options.to_dict(),
        "playground_features": features_record(outcome.dataset),
    })
    _write_json(out / CONFIG_FILE, outcome.config.to_dict())
    _save_weights(model, out / WEIGHTS_FILE)
    write_text_atomic(out / HISTORY_FILE, pd.DataFrame(result.history.rows).to_csv(index=False))
    onnx_diff = export_onnx(model, sample, out / ONNX_FILE)
    ts_diff = export_torchscript(model, sample, out / TORCHSCRIPT_FILE)
    metrics = run_metrics(outcome, onnx_diff, ts_diff)
    _write_json(out / METRICS_FILE, metrics)
    write_text_atomic(out / CARD_FILE, model_card(outcome, metrics))
    files = [NETWORK_FILE, PREPROCESSING_FILE, CONFIG_FILE, WEIGHTS_FILE, ONNX_FILE,
             TORCHSCRIPT_FILE, HISTORY_FILE, METRICS_FILE, CARD_FILE]
    if result.checkpoint is not None:  # the state training ended with, written anew
        save_checkpoint(out / CHECKPOINT_DIR, result.checkpoint)
        files += [f"{CHECKPOINT_DIR}/{name}" for name in checkpoint_files(out / CHECKPOINT_DIR)]
    return BundleReport(out_dir=out, files=files, onnx_max_abs_diff=onnx_diff,
                        torchscript_max_abs_diff=ts_diff)


def reading_options(outcome: TrainingOutcome) -> LoadOptions:
    """The load options that read *new* input as the training input was read.

    What the loader decided by itself (target and sequence columns, feature columns,
    image size and channels, the task) is written down, so a file that lacks the target
    or holds other images sizes is still read the same way. Options that only describe
    the training files (labels table, split and group columns) are left out, and so are
    Playground extras: they are computed from the two base columns (``load_data``).
    """
    ds, opts = outcome.dataset, copy.deepcopy(outcome.load_options)
    opts.task = ds.training_task  # "reconstruct" reads new data as inputs-as-targets too
    opts.labels = opts.split_column = opts.group_column = None
    opts.target = opts.target or ds.info.get("target_column")
    opts.sequence_column = opts.sequence_column or ds.info.get("sequence_column")
    if isinstance(ds.records, pd.DataFrame):
        extras = set(extra_column_names(ds))
        opts.features = [str(c) for c in ds.records.columns if str(c) not in extras]
    if ds.modality == "image":  # new pictures are resized to the network's input
        channels, height, width = outcome.data.input_shape
        opts.image_size, opts.grayscale = (height, width), channels == 1
    return opts


def run_metrics(outcome: TrainingOutcome, onnx_diff: float | None = None,
                ts_diff: float | None = None) -> dict[str, Any]:
    """The metrics.json object (also what ``mendel train --json`` prints, plus ``out``)."""
    result = outcome.result
    assert result is not None  # only finished outcomes are reported
    prov = outcome.dataset.provenance
    best = next((row.get("val_loss") for row in result.history.rows
                 if row.get("epoch") == result.best_epoch), None)
    return jsonable({
        "train": outcome.metrics.get("train", {}),
        "val": outcome.metrics.get("val", {}),
        "test": outcome.metrics.get("test", {}),
        "baseline": {name: entry.get("test", {}) for name, entry in outcome.baseline.items()},
        "task": outcome.data.task,
        "network": outcome.network_source,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "best_val_loss": best,  # a runs table reads it here, not from history.csv
        "stopped_because": result.stopped_because,
        "message": result.message,
        "resumed_from": result.resumed_from,  # the checkpoint's epoch, 0 for a fresh run
        "notes": [*outcome.data.notes, *outcome.notes],
        "train_seconds": result.train_seconds,
        "device": result.device,
        "n_params": result.n_params,
        "data": {"name": outcome.dataset.name, "modality": outcome.dataset.modality,
                 "source": prov.source if prov else None,
                 "sha256": prov.sha256 if prov else None,
                 "streamed": outcome.data.streamed},  # read from disk batch by batch
        "split_sizes": outcome.data.sizes(),
        "split_seed": outcome.split.seed,  # which samples are train / val / test
        "training_seed": outcome.config.seed,  # initial weights, batch order, baselines
        "onnx_max_abs_diff": onnx_diff,
        "torchscript_max_abs_diff": ts_diff,
        "versions": library_versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })


def load_bundle(run_dir: str | Path) -> LoadedBundle:
    """Read a run folder written by ``save_bundle``; ``ExportError`` says what is wrong."""
    from core.nn.build import build_model

    run = Path(run_dir)
    if run.is_file():
        refuse_pickle(run)
        raise ExportError("is a file; give the run folder written by 'mendel train --out'",
                          str(run))
    if not run.is_dir():
        raise ExportError("no such run folder", str(run))
    verify_run(run, hashed=READ_FILES)
    net = _read_json(run / NETWORK_FILE)
    prep = _read_json(run / PREPROCESSING_FILE)
    validate(net, "network", run / NETWORK_FILE)
    validate(prep, "preprocessing", run / PREPROCESSING_FILE)
    if prep.get("format") != PREPROCESSING_FORMAT:
        raise ExportError(f"unsupported format {prep.get('format')!r}; expected "
                          f"{PREPROCESSING_FORMAT!r}", str(run / PREPROCESSING_FILE))
    try:
        spec = NetworkSpec.from_dict(net)
        input_shape = tuple(int(s) for s in net["input_shape"])
        n_outputs = int(net["n_outputs"])
        task = str(net["task"])
        class_names = net.get("class_names")
        modality = str(net["modality"])
        preprocessing = preprocessing_from_dict(prep["preprocessing"])
        load_options = _options_from_dict(LoadOptions, prep.get("load_options", {}))
        encoding_options = _options_from_dict(EncodingOptions,
                                               prep.get("encoding_options", {}))
        playground = read_features_record(prep.get("playground_features"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportError(f"{NETWORK_FILE} or {PREPROCESSING_FILE} is incomplete ({exc!r:.80}); "
                          "export the run again", str(run)) from None
    except MendelError as exc:
        raise ExportError(str(exc), str(run)) from None
    try:
        produced = preprocessing.input_shape
    except RuntimeError:  # e.g. a one-hot encoding without its length
        raise ExportError("the preprocessing was never fitted (a length or shape is "
                          "missing); the file was altered", str(run / PREPROCESSING_FILE)) from None
    check_fits(input_shape, produced, run / PREPROCESSING_FILE)
    _check_weights_fit_in_memory(spec, input_shape, n_outputs, run)
    try:
        model = build_model(spec, input_shape, n_outputs)
    except MendelError as exc:
        raise ExportError(f"{NETWORK_FILE} does not describe a network that fits: {exc}",
                          str(run)) from None
    _load_weights(model, run / WEIGHTS_FILE)
    model.eval()
    metrics = _read_json(run / METRICS_FILE)
    checkpoint = run / CHECKPOINT_DIR
    return LoadedBundle(run_dir=run, spec=spec, input_shape=input_shape, n_outputs=n_outputs,
                        task=task, class_names=class_names, modality=modality,
                        preprocessing=preprocessing, load_options=load_options,
                        encoding_options=encoding_options, model=model, metrics=metrics,
                        playground=playground,
                        checkpoint_dir=checkpoint if has_checkpoint(checkpoint) else None)


def library_versions() -> dict[str, str]:
    """Versions that decide whether a result can be reproduced."""
    import onnx
    import onnxruntime
    import safetensors
    import sklearn

    from core import __version__

    return {"mendel": __version__, "python": platform.python_version(),
            "torch": torch.__version__, "numpy": np.__version__, "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__, "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__, "safetensors": safetensors.__version__}


def jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars as Python numbers, tuples as lists, NaN/inf as null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _sample_rows(outcome: TrainingOutcome) -> np.ndarray:
    data = outcome.data
    for X in (data.X_test, data.X_val, data.X_train):
        if len(X):
            return np.ascontiguousarray(X[:_SAMPLE_ROWS], dtype=np.float32)
    raise ExportError("no input rows to check the exported model on")


def _write_json(path: Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(jsonable(obj), indent=2) + "\n")


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ExportError(f"{path.name} is missing; is this a run folder written by "
                          "'mendel train --out'?", str(path.parent))
    limit = _JSON_LIMITS.get(path.name, _JSON_LIMIT)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExportError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    if size > limit:  # 10^6 layers is 18 MB of JSON and a gigabyte of Python objects
        raise ExportError(f"{size / 1e6:.1f} MB, far more than a run's {path.name} holds; "
                          "this is not a file Mendel wrote", str(path))
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"cannot read: {exc}", str(path)) from None
    except RecursionError:
        raise ExportError("nested too deeply to read; this is not a file Mendel wrote",
                          str(path)) from None
    except json.JSONDecodeError as exc:
        raise ExportError(f"not valid JSON ({exc.msg}, line {exc.lineno}); the file is "
                          "damaged", str(path)) from None
    if not isinstance(obj, dict):
        raise ExportError("expected a JSON object; the file is damaged", str(path))
    return obj


def _save_weights(model: nn.Module, path: Path) -> None:
    from safetensors.torch import save_file

    from core.atomic import write_atomic

    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    write_atomic(path, lambda tmp: save_file(tensors, str(tmp), metadata={"format": "pt"}))


def _load_weights(model: nn.Module, path: Path) -> None:
    from safetensors.torch import load_file

    if not path.exists():
        raise ExportError(f"{path.name} is missing; the run folder is incomplete",
                          str(path.parent))
    refuse_pickle(path)
    try:
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise ExportError(f"not a readable safetensors file ({str(exc)[:80]}); the file is "
                          "damaged", str(path)) from None
    _check_tensors(tensors, path)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError:
        expected = set(model.state_dict())
        missing = sorted(expected - set(tensors))
        extra = sorted(set(tensors) - expected)
        detail = ", ".join(missing[:3]) or ", ".join(extra[:3]) or "tensor shapes differ"
        raise ExportError(f"the weights do not fit {NETWORK_FILE} ({detail})",
                          str(path)) from None


def _check_weights_fit_in_memory(spec: NetworkSpec, input_shape: tuple[int, ...],
                                  n_outputs: int, run: Path) -> None:
    """Price the network from its shapes before building it (three Dense layers of 65,536
    units would take 17 GB): its weights, read once more from the file, and one chunk of
    predictions must fit in the memory budget."""
    from core.nn.memory import INFERENCE_BATCH, check_network_memory

    try:
        check_network_memory(spec, input_shape, n_outputs, INFERENCE_BATCH, training=False,
                             path=str(run), error=ExportError)
    except SpecError as exc:
        raise ExportError(f"{NETWORK_FILE} does not describe a network that fits: {exc}",
                          str(run)) from None


def _check_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Weights must be finite floating-point numbers: NaN weights or integer tensors would
    predict plausible-looking nonsense (load_state_dict casts integers silently)."""
    for name, tensor in tensors.items():
        if name.endswith("num_batches_tracked"):  # BatchNorm's step counter is an integer
            continue
        if not tensor.is_floating_point():
            raise ExportError(f"the weight {name} holds {str(tensor.dtype).removeprefix('torch.')}"
                              " numbers, not floating point; the file was altered", str(path))
        if not bool(torch.isfinite(tensor).all()):
            raise ExportError(f"the weight {name} holds NaN or infinite values; the model "
                              "cannot predict (train it again)", str(path))


def _options_from_dict(cls: type, d: dict[str, Any]) -> Any:
    """A LoadOptions/EncodingOptions from JSON: unknown keys dropped, lists back to tuples."""
    known = {f.name for f in fields(cls)}
    values = {}
    for k, v in d.items():
        if k in known:
            values[k] = tuple(v) if k in ("image_shape", "image_size") and v else v
    return cls(**values)


def _map_classes(ds: Dataset, model_classes: list[str], source: str) -> None:
    """Re-index ``ds.targets`` from its own class list onto the model's (by name; names
    that are numbers match by value, so a table's ``1`` is the Playground class ``+1``)."""
    position = {name: i for i, name in enumerate(model_classes)}
    by_value = {v: i for i, name in enumerate(model_classes)
                if (v := _number(name)) is not None}
    found = {name: position.get(name, by_value.get(_number(name)))  # type: ignore[arg-type]
             for name in ds.class_names or []}
    unknown = [name for name, i in found.items() if i is None]
    if unknown:
        raise DataError(f"class {unknown[0]!r} was not among the model's classes "
                        f"({', '.join(model_classes)})", source)
    lookup = np.array([found[name] for name in ds.class_names or []], dtype=np.int64)
    ds.targets = lookup[np.asarray(ds.targets, dtype=np.int64)]
    ds.class_names = list(model_classes)


def _number(name: str) -> float | None:
    try:
        return float(name)
    except ValueError:
        return None
