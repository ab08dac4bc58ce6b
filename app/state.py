"""The one session state every page reads and updates.

The main window creates a single ``AppState`` and hands it to each page. Its fields are
typed and documented (``FIELDS``); each is changed through a ``set_*`` method that emits
the field's signal only when the value really changes (napari's ``EventedModel``, glue's
state classes). Forms write through the setters and are updated, with their signals
blocked, from the signals; Start reads the state, never a form.

What the user chose (data source and load options, encoding, split, network, training
configuration, recent files) converts to a plain, versioned JSON document and back
(``to_document`` / ``apply_document``): settings are saved this way, and a project file
will hold exactly this document. What is computed from the choices (the dataset, its
split and summary, the last run) is not in the document: it is made again from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.classic.baseline_info import DEFAULT_CHOICES, check_names
from core.data.dataset import Dataset, Split
from core.data.options import EncodingOptions, LoadOptions
from core.data.splits import SplitOptions
from core.errors import MendelError
from core.nn.spec import NetworkSpec
from core.train.config import TrainConfig

if TYPE_CHECKING:  # importing it loads torch, which the window must not wait for
    from core.train.run import TrainingOutcome

__all__ = ["AppState", "SplitOptions", "DOCUMENT_VERSION", "FIELDS"]

MAX_RECENT = 10
DOCUMENT_VERSION = 1

# The session's fields: name -> what it holds. The document fields are saved.
FIELDS = {
    "source": "the path (or 'demo:NAME') of the loaded data, or None",
    "load_options": "how the data was read (core.data.options.LoadOptions)",
    "encoding": "how records become tensors (core.data.options.EncodingOptions)",
    "split_options": "train/val/test fractions, the split's seed, the file's own split",
    "network_spec": "a network designed on the Network page, or None (use the preset)",
    "network_source": "where network_spec came from ('Network page', a file name)",
    "preset": "the Train page's preset and its options, (name, options), or None",
    "train_config": "every training option, the training seed included (TrainConfig)",
    "baselines": "the classic baselines a run fits beside the network (names of "
                 "core.classic.baseline_info.BASELINES; a name runs as its twin for the "
                 "other task)",
    "recent_sources": "recently opened paths, newest first",
    # computed, not saved
    "dataset": "the loaded Dataset, or None",
    "split": "the train/val/test indices of the dataset (None without data)",
    "summary": "core.data.summary of the dataset with its split and encoding, or None",
    "run": "the last finished run (core.train.run.TrainingOutcome), or None",
    "training": "True while a run is in progress",
    "run_state": "one line for the status bar: idle, training: epoch 3/30...",
    "device_text": "'CPU, 2 threads' or the GPU's name, once the engine is loaded",
}
DOCUMENT_FIELDS = ("source", "load_options", "encoding", "split_options", "network_spec",
                   "network_source", "preset", "train_config", "baselines", "recent_sources")


class AppState(QObject):
    """Dataset, split, encoding, network, training options and the last run (``FIELDS``).

    Read the attributes freely; change them through the ``set_*`` methods. Shortcuts:
    ``input_shape`` and ``n_outputs`` for the Network page.
    """

    datasetChanged = Signal()
    loadOptionsChanged = Signal()
    splitChanged = Signal()
    encodingChanged = Signal()
    summaryChanged = Signal()
    networkChanged = Signal()
    presetChanged = Signal()
    trainConfigChanged = Signal()
    baselinesChanged = Signal()
    runStarted = Signal()
    runFinished = Signal()
    runStateChanged = Signal(str)  # one line for the status bar
    deviceChanged = Signal(str)
    recentChanged = Signal()
    projectChanged = Signal()  # another project, or its runs changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source: str | None = None
        self.load_options = LoadOptions()
        self.dataset: Dataset | None = None
        self.split_options = SplitOptions()
        self.split: Split | None = None
        self.encoding = EncodingOptions()
        self.summary: dict[str, Any] | None = None
        self.network_spec: NetworkSpec | None = None
        self.network_source = ""
        self.preset: tuple[str, dict[str, Any]] | None = None
        self.train_config = TrainConfig()
        self.baselines: tuple[str, ...] = DEFAULT_CHOICES
        self.run: TrainingOutcome | None = None
        self.training = False
        self.run_state = "idle"
        self.device_text = ""
        self.recent_sources: list[str] = []
        self.project_folder: Path | None = None  # the saved project, None: unsaved

    # -- data -----------------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset, source: str, load_options: LoadOptions) -> None:
        """Use a newly loaded dataset; its split is made at once (``DataError`` if impossible:
        the previous dataset then stays)."""
        options = replace(self.split_options,
                          use_file_split=self.split_options.use_file_split
                          and dataset.split_labels is not None)
        split = _make_split(dataset, options)
        options_changed = load_options != self.load_options
        self.dataset, self.source, self.load_options = dataset, source, load_options
        self.split_options, self.split = options, split
        self.summary = None
        if not source.startswith("demo:"):
            self.add_recent(source)
        if options_changed:
            self.loadOptionsChanged.emit()
        self.datasetChanged.emit()
        self.splitChanged.emit()

    def set_source(self, source: str | None, load_options: LoadOptions) -> None:
        """What to load (a restored document); the dataset itself comes with
        ``set_dataset`` once it is read."""
        changed = load_options != self.load_options
        self.source, self.load_options = source, load_options
        if changed:
            self.loadOptionsChanged.emit()

    def set_split_options(self, options: SplitOptions) -> None:
        """Change the split; raises ``DataError`` (and changes nothing) when impossible."""
        if options == self.split_options and (self.split is not None or self.dataset is None):
            return
        split = _make_split(self.dataset, options) if self.dataset is not None else None
        self.split_options, self.split = options, split
        self.summary = None  # it was measured on the old split
        self.splitChanged.emit()

    def set_encoding(self, encoding: EncodingOptions) -> None:
        if encoding == self.encoding:
            return
        self.encoding = encoding
        self.summary = None  # the input shape may change
        self.encodingChanged.emit()

    def set_summary(self, summary: dict[str, Any] | None) -> None:
        if summary is self.summary:
            return
        self.summary = summary
        self.summaryChanged.emit()

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """The encoded shape of one sample (e.g. (60, 4) for one-hot DNA), once known."""
        if self.summary is None or "input_shape" not in self.summary:
            return None
        return tuple(int(s) for s in self.summary["input_shape"])

    @property
    def n_outputs(self) -> int | None:
        """Output units a network needs: classes, 1 value, or (reconstruct) one per input
        value, which waits for the input shape."""
        ds = self.dataset
        if ds is None:
            return None
        if ds.training_task == "reconstruct":
            shape = self.input_shape
            return None if shape is None else ds.output_units(shape)
        return ds.n_outputs

    def suggested_preset(self) -> str:
        """The preset that suits the loaded data ("mlp" without data)."""
        from core.nn.presets import suggest_preset

        ds = self.dataset
        if ds is None:
            return "mlp"
        return suggest_preset(ds.modality, self._expected_rank(), self.encoding.encoding,
                              ds.training_task)

    def _expected_rank(self) -> tuple[int, ...]:
        """The input shape once the Data page's summary knows it; before that a stand-in of
        the right rank (all ``suggest_preset`` reads): one-hot sequences are (length,
        letters), images (C, H, W), the rest flat."""
        ds = self.dataset
        if ds is None:
            return (1,)
        if self.input_shape is not None:
            return self.input_shape
        if ds.modality == "image":
            return (1, 1, 1)
        if ds.modality == "sequence" and self.encoding.encoding == "onehot":
            return (1, 1)
        return (1,)

    def network_problem(self) -> str | None:
        """Why the designed network cannot train on the loaded data, or None.

        Shapes only (no torch), so it is cheap enough to run on every edit."""
        spec, shape, n_out = self.network_spec, self.input_shape, self.n_outputs
        if spec is None or shape is None or n_out is None:
            return None
        from core.nn.shapes import infer

        summary = infer(spec, shape, n_out)
        return None if summary.ok else summary.errors[0]

    # -- network and training -------------------------------------------------------------
    def set_network(self, spec: NetworkSpec | None, source: str = "Network page") -> None:
        """A custom network (``None`` returns the Train page to its preset)."""
        source = source if spec is not None else ""
        if spec == self.network_spec and source == self.network_source:
            return
        self.network_spec, self.network_source = spec, source
        self.networkChanged.emit()

    def set_preset(self, name: str, options: dict[str, Any]) -> None:
        if self.preset == (name, options):
            return
        self.preset = (name, dict(options))
        self.presetChanged.emit()

    def set_train_config(self, config: TrainConfig) -> None:
        if config == self.train_config:
            return
        self.train_config = config
        self.trainConfigChanged.emit()

    def set_baselines(self, names: Sequence[str]) -> None:
        """The baselines to fit (``TrainError`` for an unknown name, nothing changed)."""
        check_names(names)
        if tuple(names) == self.baselines:
            return
        self.baselines = tuple(names)
        self.baselinesChanged.emit()

    def set_training(self, training: bool) -> None:
        if training == self.training:
            return
        self.training = training
        if training:
            self.runStarted.emit()

    def set_run(self, outcome: TrainingOutcome) -> None:
        """Keep a finished run (a ``TrainingOutcome``) for export and evaluation."""
        self.run = outcome
        self.training = False
        self.runFinished.emit()

    def set_run_state(self, text: str) -> None:
        if text == self.run_state:
            return
        self.run_state = text
        self.runStateChanged.emit(text)

    def set_device_text(self, text: str) -> None:
        if text == self.device_text:
            return
        self.device_text = text
        self.deviceChanged.emit(text)

    # -- the project ----------------------------------------------------------------------
    def set_project_folder(self, folder: Path | None) -> None:
        """The project the session is saved in; also emitted when its runs change."""
        self.project_folder = folder
        self.projectChanged.emit()

    # -- recent files ---------------------------------------------------------------------
    def set_recent(self, sources: list[str]) -> None:
        recent = list(dict.fromkeys(sources))[:MAX_RECENT]
        if recent == self.recent_sources:
            return
        self.recent_sources = recent
        self.recentChanged.emit()

    def add_recent(self, source: str) -> None:
        self.set_recent([source, *[s for s in self.recent_sources if s != source]])

    # -- the document ---------------------------------------------------------------------
    def to_document(self) -> dict[str, Any]:
        """The user's choices as plain JSON types, with the document's version."""
        preset = None if self.preset is None else {"name": self.preset[0],
                                                   "options": _plain(self.preset[1])}
        return {
            "version": DOCUMENT_VERSION,
            "source": self.source,
            "load_options": _plain(asdict(self.load_options)),
            "encoding": _plain(asdict(self.encoding)),
            "split_options": self.split_options.to_dict(),
            "network_spec": None if self.network_spec is None else self.network_spec.to_dict(),
            "network_source": self.network_source,
            "preset": preset,
            "train_config": self.train_config.to_dict(),
            "baselines": list(self.baselines),
            "recent_sources": list(self.recent_sources),
        }

    def apply_document(self, doc: dict[str, Any]) -> list[str]:
        """Set every field the document holds, through the setters (so views follow).

        A field that does not fit (another version's option, a bad value) is skipped and
        named in the returned list; the rest still apply. The data itself is not read:
        the caller loads ``source`` when it wants the dataset back."""
        problems: list[str] = []
        version = doc.get("version")
        if version != DOCUMENT_VERSION:
            problems.append(f"document version {version!r}, expected {DOCUMENT_VERSION}")

        def apply(key: str, fn: Any) -> None:
            if key not in doc:
                return
            try:
                fn(doc[key])
            except (MendelError, TypeError, ValueError, KeyError, AttributeError) as exc:
                problems.append(f"{key}: {exc}")

        apply("load_options", lambda v: self.set_source(
            doc.get("source"), _dataclass_from(LoadOptions, v)))
        apply("encoding", lambda v: self.set_encoding(_dataclass_from(EncodingOptions, v)))
        apply("split_options", lambda v: self.set_split_options(SplitOptions.from_dict(v)))
        apply("train_config", lambda v: self.set_train_config(_valid_config(v)))
        apply("network_spec", lambda v: self.set_network(
            None if v is None else NetworkSpec.from_dict(v),
            doc.get("network_source") or "Network page"))
        apply("preset", lambda v: v is not None and self.set_preset(
            str(v["name"]), dict(v.get("options") or {})))
        apply("baselines", lambda v: self.set_baselines([str(n) for n in v]))
        apply("recent_sources", lambda v: self.set_recent([str(s) for s in v]))
        return problems


def _valid_config(d: dict[str, Any]) -> TrainConfig:
    config = TrainConfig.from_dict(d)
    config.validate()
    return config


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively: what JSON holds."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _dataclass_from(cls: type, data: dict[str, Any]) -> Any:
    """An options dataclass from its plain dict: lists back to tuples where the default
    or the annotation is a tuple; an unknown key is an error (another version's option)."""
    names = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(names)
    if unknown:
        raise KeyError(f"unknown option(s) {', '.join(sorted(unknown))}")
    kwargs = {}
    for key, value in data.items():
        is_tuple = "tuple" in str(names[key].type)
        kwargs[key] = tuple(value) if is_tuple and isinstance(value, list) else value
    return cls(**kwargs)


def _make_split(dataset: Dataset, options: SplitOptions) -> Split:
    from core.data.splits import make_split

    return make_split(dataset, options.val_fraction, options.test_fraction, options.seed,
                      stratify=True, use_file_split=options.use_file_split)
