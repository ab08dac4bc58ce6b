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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.data.dataset import Dataset, Split
from core.data.load import load_dataset
from core.data.options import EncodingOptions, LoadOptions
from core.data.preprocessing import Preprocessing, make_preprocessing
from core.data.splits import make_split
from core.data.tensors import TensorData, prepare_tensors
from core.errors import SpecError, TrainError
from core.nn.shapes import NetworkSummary, check
from core.nn.spec import NetworkSpec
from core.progress import ProgressFn, StopFn
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.events import Event
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
    scored on every split). Both are empty when the run failed or diverged:
    ``result.message`` says why. ``notes`` holds facts such as skipped baselines.
    """

    config: TrainConfig = field(default_factory=TrainConfig)
    result: RunResult | None = None
    metrics: dict[str, Metrics] = field(default_factory=dict)
    baseline: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

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
    if split is None:
        split = make_split(dataset, val_fraction, test_fraction, seed,
                           use_file_split=use_file_split)
    preprocessing = make_preprocessing(dataset, encoding_options)
    data = prepare_tensors(dataset, split, preprocessing)
    spec, source = _resolve_network(network, preset_options or {}, dataset, data)
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
    baselines: bool = True,
) -> TrainingOutcome:
    """Train, then measure the network on every split and the classic baselines on test.

    Never raises for a run that fails or diverges (the outcome says so); raises
    ``TrainError`` for an invalid configuration before anything starts.
    """
    config.validate()
    result = train_network(prepared.spec, config, prepared.data, control, on_event)
    outcome = TrainingOutcome(**vars(prepared), config=copy.deepcopy(config), result=result)
    if result.failed or result.model is None or result.stopped_because == "nan":
        return outcome
    from core.train.predict import evaluate_model

    outcome.metrics = evaluate_model(result.model, prepared.data)
    if baselines:
        from core.classic.baselines import fit_baselines

        try:
            outcome.baseline = fit_baselines(prepared.data, config.seed)
        except TrainError as exc:  # e.g. one class in training: the network still ran
            outcome.notes.append(f"baselines skipped: {exc}")
    return outcome


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
    baselines: bool = True,
) -> TrainingOutcome:
    """``prepare_run`` then ``train_prepared``; the split uses ``config.seed``."""
    config = config or TrainConfig()
    config.validate()
    prepared = prepare_run(dataset, load_options, encoding_options, network=network,
                           preset_options=preset_options, val_fraction=val_fraction,
                           test_fraction=test_fraction, seed=config.seed,
                           use_file_split=use_file_split)
    return train_prepared(prepared, config, control, on_event, baselines)


def _resolve_network(
    network: NetworkSpec | str, options: dict[str, Any], ds: Dataset, data: TensorData
) -> tuple[NetworkSpec, str]:
    if isinstance(network, NetworkSpec):
        if options:
            raise SpecError(
                f"option(s) {', '.join(sorted(options))} apply to presets, not to a custom "
                "network; edit the network instead"
            )
        return network, "custom"
    from core.nn.presets import make_preset, suggest_preset

    name = suggest_preset(ds.modality, data.input_shape) if network == "auto" else network
    return make_preset(name, data.input_shape, data.n_outputs, **options), name
