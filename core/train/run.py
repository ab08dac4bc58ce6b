"""The whole training pipeline, headless: data -> split -> tensors -> network -> run -> metrics.

The Train page and ``mendel train`` call these same functions, so a result seen in the GUI
can be reproduced from the command line with the same options. It is two steps because
both front ends show the data and network summaries before the (long) training starts:

    prepared = prepare_run(source, load_options, encoding_options, network="cnn1d")
    outcome = train_prepared(prepared, TrainConfig(epochs=20), control, on_event)

``run_training`` does both at once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.data.dataset import Dataset, Split
from core.data.lazy import is_lazy
from core.data.load import check_trainable, load_dataset, naming_errors
from core.data.options import EncodingOptions, LoadOptions
from core.data.preprocessing import Preprocessing, make_preprocessing
from core.data.splits import make_split
from core.data.tensors import MEASURE_CELL_BYTES, TensorData, prepare_tensors
from core.errors import MendelError, SpecError, TrainError
from core.nn.shapes import NetworkSummary, check, optimizer_state
from core.nn.spec import NetworkSpec
from core.progress import ProgressFn, StopFn
from core.train.checkpoint import Checkpoint, RunRecord
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.events import Event
from core.train.stream import PREFETCH, WORKER_BYTES, stream_workers
from core.train.trainer import RunResult, train_network

Metrics = dict[str, float]


@dataclass
class PreparedRun:
    """Everything fixed before training: data, split, fitted preprocessing, network."""

    dataset: Dataset
    load_options: LoadOptions
    encoding_options: EncodingOptions
    split: Split
    preprocessing: Preprocessing
    data: TensorData
    spec: NetworkSpec
    summary: NetworkSummary
    network_source: str  # the preset name, or "custom" for a spec the user built


@dataclass
class TrainingOutcome(PreparedRun):
    """A finished (or stopped, or failed) run and what it measured.

    ``metrics`` maps "train"/"val"/"test" to metric dicts; ``baseline`` is
    ``fit_baselines``' result (each classic model, fitted on the same training tensors,
    scored on every split), or for a reconstruct run ``{"PCA": ...}``
    (``core.classic.pca_baseline``: as many components as the bottleneck). Both are
    empty when the run failed or diverged: ``result.message`` says why. ``notes`` holds
    facts such as skipped baselines.
    """

    config: TrainConfig = field(default_factory=TrainConfig)
    result: RunResult | None = None
    metrics: dict[str, Metrics] = field(default_factory=dict)
    baseline: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # the run's folder: where it was read back from (``core.export.reopen.open_run``; such
    # a run is not saved into a project again) or saved to; None until it has one
    run_dir: Path | None = None

    @property
    def succeeded(self) -> bool:
        return bool(self.metrics)


def prepare_run(
    dataset: Dataset | str,
    load_options: LoadOptions | None = None,
    encoding_options: EncodingOptions | None = None,
    *,
    network: NetworkSpec | str = "auto",
    preset_options: dict[str, Any] | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
    use_file_split: bool | None = None,
    split: Split | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> PreparedRun:
    """Load (when given a source string), split, fit the preprocessing and size the network.

    ``network`` is a ``NetworkSpec``, a preset name ("mlp", "cnn1d"...) or "auto" (the
    preset suggested for the data). ``use_file_split`` defaults to using the dataset's
    own train/val/test labels when it has them. A ``split`` already made for this dataset
    (the GUI's session holds one) is used as it is, and the fractions and seed are
    ignored. Raises ``DataError`` or ``SpecError``.
    """
    load_options = load_options or LoadOptions()
    encoding_options = encoding_options or EncodingOptions()
    if isinstance(dataset, str):
        dataset = load_dataset(dataset, load_options, progress, should_stop)
    if use_file_split is None:
        use_file_split = dataset.split_labels is not None
    # what goes wrong with the data from here on names the data's file too
    with naming_errors(dataset.provenance.source if dataset.provenance else dataset.name):
        check_trainable(dataset)
        if split is None:
            split = make_split(dataset, val_fraction, test_fraction, seed,
                               use_file_split=use_file_split)
        preprocessing = make_preprocessing(dataset, encoding_options)
        data = prepare_tensors(dataset, split, preprocessing)
    spec, source = _resolve_network(network, preset_options or {}, dataset, data,
                                   encoding_options.encoding)
    summary = check(spec, data.input_shape, data.n_outputs)
    return PreparedRun(dataset=dataset, load_options=load_options,
                       encoding_options=encoding_options, split=split,
                       preprocessing=preprocessing, data=data, spec=spec, summary=summary,
                       network_source=source)


def train_prepared(
    prepared: PreparedRun,
    config: TrainConfig,
    control: RunControl | None = None,
    on_event: Callable[[Event], None] | None = None,
    baselines: bool | Sequence[str] = True,
    *,
    checkpoint_dir: Path | None = None,
    resume: Checkpoint | None = None,
) -> TrainingOutcome:
    """Train, then measure the network on every split and the classic baselines on test.

    ``baselines``: True for every baseline of the task, False (or empty) for none, or the
    names to run (``core.classic.baseline_info.BASELINES``). Never raises for a run that
    fails or diverges (the outcome says so); raises ``TrainError`` for an invalid
    configuration or an unknown baseline name before anything starts.

    Checkpoints carry ``run_record(prepared)``, so a run can be continued from them alone
    (``core.train.resume``); ``checkpoint_dir`` also writes them there as the run goes,
    and ``resume`` continues a checkpoint of this same preparation.
    """
    config.validate()
    which = baseline_choice(baselines)
    check_run_memory(prepared, config, baselines)  # before anything starts
    result = train_network(prepared.spec, config, prepared.data, control, on_event,
                           checkpoint_dir=checkpoint_dir, resume=resume,
                           record=run_record(prepared) if config.checkpoint_every else None)
    outcome = TrainingOutcome(**vars(prepared), config=copy.deepcopy(config), result=result)
    if result.failed or result.model is None or result.stopped_because == "nan":
        return outcome
    from core.train.predict import evaluate_model

    outcome.metrics = evaluate_model(result.model, prepared.data)
    if which is None or which:
        fit_outcome_baselines(outcome, which)
    return outcome


# bytes per row and output to measure a trained network on a split (classes: the
# tensors' figure; values get float64 copies of targets, predictions and their errors)
_EVAL_CELL_BYTES = {"classification": MEASURE_CELL_BYTES, "regression": 40, "reconstruct": 40}


@dataclass
class MemoryEstimate:
    """What a run will hold at its peak, in bytes: the encoded ``data`` all along, and then
    one phase at a time, ``training`` (the network, ``core.nn.memory``, and what the trainer
    keeps per epoch), ``evaluation`` (every split measured) and ``baselines`` (the largest
    classic model, ``core.classic.baselines.baseline_memory``; 0 when none is fitted)."""

    data: int
    training: int
    evaluation: int
    baselines: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # baselines over the budget

    @property
    def peak(self) -> int:
        return self.data + max(self.training, self.evaluation, self.baselines)

    def text(self) -> str:
        from core.budget import human_bytes

        parts = [f"the data {human_bytes(self.data)}", f"training {human_bytes(self.training)}",
                 f"measuring {human_bytes(self.evaluation)}"]
        if self.baselines:
            parts.append(f"baselines {human_bytes(self.baselines)}")
        parts += [f"{name} {human_bytes(n)}: skipped, over the budget"
                  for name, n in self.skipped.items()]
        return f"about {human_bytes(self.peak)} at most ({', '.join(parts)})"


def run_memory(prepared: PreparedRun, config: TrainConfig,
               baselines: bool | Sequence[str] = True) -> MemoryEstimate:
    """The memory ``train_prepared(prepared, config, baselines=baselines)`` will need."""
    import math

    from core.budget import memory_budget
    from core.classic.baseline_info import display_name, resolve
    from core.classic.baselines import baseline_memory
    from core.nn.memory import summary_memory
    from core.train.device import resolve_device

    data = prepared.data
    arrays = [getattr(data, f"{x}_{side}") for x in "Xy" for side in ("train", "val", "test")]
    held = sum(0 if is_lazy(a) else a.nbytes for a in arrays)  # streamed rows stay on disk
    dev = resolve_device(config.device)
    if data.streamed:  # the batches the decoding workers hold ahead, and their pinned copies
        row = 4 * math.prod(data.input_shape)
        batch = config.batch_for(len(data.X_train), dev.type) or len(data.X_train)
        held += 2 * (stream_workers() * PREFETCH + 1) * batch * row
        held += stream_workers() * WORKER_BYTES + WORKER_BYTES // 8  # and the forkserver
    n, n_val, outputs = len(data.X_train), len(data.X_val), data.n_outputs
    params = prepared.summary.total_params
    training = summary_memory(prepared.summary, config.batch_for(n, dev.type),
                              config.optimizer, config.momentum, training=dev.type == "cpu")
    per_row = 8 if data.task == "classification" else 8 * outputs  # the epoch's outputs
    training += per_row * n + 8 * n_val * outputs  # the validation outputs, joined
    if config.early_stopping is not None and config.restore_best:
        training += 4 * params  # the best epoch's weights
    if config.checkpoint_every:  # a CPU copy of the weights and the optimizer's buffers
        training += 4 * params * (2 + optimizer_state(config.optimizer, config.momentum))
    rows = max(n, n_val, len(data.X_test))
    evaluation = 4 * params + _EVAL_CELL_BYTES.get(data.task, 40) * rows * outputs
    which = baseline_choice(baselines)
    names = [] if data.task == "reconstruct" else resolve(which, data.task)[0]
    each = {display_name(name): baseline_memory(data, name) for name in names}
    budget = memory_budget()
    fits = [n for n in each.values() if held + n <= budget]
    return MemoryEstimate(held, math.ceil(training), evaluation, max(fits, default=0),
                          {name: n for name, n in each.items() if held + n > budget})


def check_run_memory(prepared: PreparedRun, config: TrainConfig,
                     baselines: bool | Sequence[str] = True) -> MemoryEstimate:
    """``run_memory``, refused (``TrainError``, one line naming the data) when training or
    measuring the network would go over the memory budget; baselines over it are skipped
    with a note instead (``fit_outcome_baselines``). Returns the estimate."""
    from core.budget import check_budget

    memory = run_memory(prepared, config, baselines)
    data, where = prepared.data, _source(prepared)
    check_budget(memory.data + memory.training, f"training this network"
                 f" ({prepared.summary.total_params:,} weights) on {len(data.X_train):,}"
                 " samples", where, TrainError)
    rows = max(len(data.X_train), len(data.X_val), len(data.X_test))
    check_budget(memory.data + memory.evaluation, f"measuring the trained network on"
                 f" {rows:,} samples x {data.n_outputs:,} outputs", where, TrainError)
    return memory


def _source(prepared: PreparedRun) -> str:
    prov = prepared.dataset.provenance
    return prov.source if prov is not None and prov.source else prepared.dataset.name


def run_record(prepared: PreparedRun) -> RunRecord:
    """What a checkpoint needs beyond the trainer's state to be continued later: the data
    source and its sha256 (to notice a changed file), the options that read and encoded
    it, the split's indices and the network."""
    ds, prov = prepared.dataset, prepared.dataset.provenance
    source = prov.source if prov is not None else ""
    absolute = source
    if source and not source.startswith("demo:"):
        absolute = str(Path(source).resolve())
    info = {
        "source": source,
        "source_absolute": absolute,  # a relative path read from another folder later
        "sha256": prov.sha256 if prov is not None else "",
        "loader": prov.loader if prov is not None else "",
        "dataset_name": ds.name,
        "n_samples": len(ds),
        "load_options": asdict(prepared.load_options),
        "encoding_options": prepared.encoding_options.to_dict(),
        "split_seed": prepared.split.seed,
        "network": prepared.spec.to_dict(),
        "network_source": prepared.network_source,
    }
    split = {side: getattr(prepared.split, side) for side in ("train", "val", "test")}
    return RunRecord(info=info, split=split)


def fit_outcome_pca(outcome: TrainingOutcome) -> None:
    """A reconstruct run's baseline: PCA as wide as the network's bottleneck, into
    ``outcome.baseline["PCA"]``; what it could not do becomes a note."""
    from core.classic.pca_baseline import PCA_BASELINE, fit_pca_baseline
    from core.nn.embedding import bottleneck_path, bottleneck_width

    width = bottleneck_width(outcome.summary)
    n_inputs = outcome.data.n_outputs
    if width is None:
        outcome.notes.append("PCA baseline skipped: the network has no hidden layer to "
                             "compress through")
        return
    path = bottleneck_path(outcome.summary)
    where = ".".join(str(i + 1) for i in path or ())
    if width >= n_inputs:
        outcome.notes.append(f"the narrowest hidden layer (layer {where}, {width} values) "
                             f"is not narrower than the input ({n_inputs} values): the "
                             "network can learn to copy it; make a bottleneck narrower")
    try:
        entry = fit_pca_baseline(outcome.data, min(width, n_inputs), outcome.config.seed)
    except TrainError as exc:
        outcome.notes.append(f"PCA baseline skipped: {exc}")
        return
    outcome.baseline = {PCA_BASELINE: entry}
    outcome.notes += [f"PCA baseline: {n}" for n in entry["notes"]]
    outcome.notes.append(f"bottleneck: layer {where} ({width} values per sample)")


def baseline_choice(baselines: bool | Sequence[str]) -> list[str] | None:
    """``train_prepared``'s ``baselines`` as ``fit_baselines``' ``which``: None for all,
    [] for none, else the names (checked: ``TrainError`` for an unknown one)."""
    from core.classic.baseline_info import check_names

    if isinstance(baselines, bool):
        return None if baselines else []
    names = [baselines] if isinstance(baselines, str) else list(baselines)
    check_names(names)
    return names


def fit_outcome_baselines(outcome: TrainingOutcome, which: Sequence[str] | None,
                          should_stop: StopFn | None = None) -> None:
    """Fit the chosen baselines on the outcome's data into ``outcome.baseline``; what
    could not run becomes a note (the network's results stand either way). A reconstruct
    run has no labels to predict: its baseline is PCA (``fit_outcome_pca``)."""
    from core.classic.baseline_info import display_name, resolve
    from core.classic.baselines import fit_baselines

    if outcome.data.task == "reconstruct":
        fit_outcome_pca(outcome)
        return

    names, skipped = resolve(which, outcome.data.task)
    outcome.notes += [f"{display_name(n)} skipped: it is for classification only"
                      for n in skipped]
    data = outcome.data
    if data.streamed and names:
        try:
            data = _decoded_for_baselines(outcome)
        except MendelError as exc:
            outcome.notes.append(f"baselines skipped: {exc}")
            return
    fits = _within_budget(outcome, data, names)
    if not fits and names:
        return
    try:
        outcome.baseline = fit_baselines(data, outcome.config.seed, should_stop, fits)
    except TrainError as exc:  # e.g. one class in training: the network still ran
        outcome.notes.append(f"baselines skipped: {exc}")
    notes = {name: entry.get("notes") or [] for name, entry in outcome.baseline.items()}
    first = next(iter(notes.values()), []) if len(notes) > 1 else []
    shared = [n for n in first if all(n in v for v in notes.values())]
    outcome.notes += [f"baselines: {n}" for n in shared]  # e.g. a sample of the rows
    outcome.notes += [f"{display_name(name)}: {n}" for name, said in notes.items()
                      for n in said if n not in shared]  # e.g. which naive Bayes ran


def _decoded_for_baselines(outcome: TrainingOutcome) -> TensorData:
    """Streamed data (``core.data.lazy``) decoded for the classic models, which need the
    pixels in memory: the seeded sample of training rows they would fit on anyway
    (``sample_rows``), and the validation and test rows whole, so their test figures are
    on the network's own test split. Refused when that is over the memory budget."""
    from dataclasses import replace

    from core.classic.baselines import sample_rows

    data = outcome.data
    n = len(data.X_train)
    k = min(n, sample_rows(data.input_shape))
    rows = np.sort(np.random.default_rng(outcome.config.seed).choice(n, k, replace=False))
    decoded = replace(data, X_train=data.X_train.rows(rows), y_train=data.y_train[rows],
                      X_val=np.asarray(data.X_val), X_test=np.asarray(data.X_test))
    if k < n:
        outcome.notes.append(f"baselines: fitted on a random {k:,} of the {n:,} training "
                             "samples (the data is streamed)")
    return decoded


def _within_budget(outcome: TrainingOutcome, data: TensorData,
                   names: list[str]) -> list[str]:
    """The baselines of ``names`` that fit in the memory budget (each fits alone, after
    the one before it is gone); each other one becomes a note saying why it was skipped
    (a forest of 100 trees on 10,000 classes would need tens of gigabytes)."""
    from core.budget import check_budget
    from core.classic.baseline_info import display_name
    from core.classic.baselines import baseline_memory
    from core.errors import MendelError

    held = sum(getattr(data, f"{x}_{s}").nbytes for x in "Xy" for s in ("train", "val", "test"))
    fits = []
    for name in names:
        try:
            check_budget(held + baseline_memory(data, name), "it")
        except MendelError as exc:
            outcome.notes.append(f"{display_name(name)} skipped: {exc}")
            continue
        fits.append(name)
    return fits


def run_training(
    dataset: Dataset | str,
    load_options: LoadOptions | None = None,
    encoding_options: EncodingOptions | None = None,
    *,
    network: NetworkSpec | str = "auto",
    preset_options: dict[str, Any] | None = None,
    config: TrainConfig | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    use_file_split: bool | None = None,
    control: RunControl | None = None,
    on_event: Callable[[Event], None] | None = None,
    baselines: bool | Sequence[str] = True,
    checkpoint_dir: Path | None = None,
    resume: Checkpoint | None = None,
) -> TrainingOutcome:
    """``prepare_run`` then ``train_prepared``; the split uses ``config.seed`` (so a
    ``resume`` checkpoint must come from a run of the same call; a saved run folder is
    continued with ``core.export.resume``, which restores the recorded split)."""
    config = config or TrainConfig()
    config.validate()
    prepared = prepare_run(dataset, load_options, encoding_options, network=network,
                           preset_options=preset_options, val_fraction=val_fraction,
                           test_fraction=test_fraction, seed=config.seed,
                           use_file_split=use_file_split)
    return train_prepared(prepared, config, control, on_event, baselines,
                          checkpoint_dir=checkpoint_dir, resume=resume)


def _resolve_network(
    network: NetworkSpec | str, options: dict[str, Any], ds: Dataset, data: TensorData,
    encoding: str | None = None,
) -> tuple[NetworkSpec, str]:
    if isinstance(network, NetworkSpec):
        if options:
            raise SpecError(
                f"option(s) {', '.join(sorted(options))} apply to presets, not to a custom "
                "network; edit the network instead"
            )
        return network, "custom"
    from core.nn.presets import make_preset, suggest_preset

    name = (suggest_preset(ds.modality, data.input_shape, encoding, data.task)
            if network == "auto" else network)
    return make_preset(name, data.input_shape, data.n_outputs, **options), name
