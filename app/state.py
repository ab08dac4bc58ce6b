"""The one session state every page reads and updates.

The main window creates a single ``AppState`` and hands it to each page. A page changes
it through the ``set_*`` methods, which emit the matching signal; other pages listen to
the signals they care about (napari's views subscribe to their model the same way). It
lives on the main thread and holds plain core objects, never widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.data.dataset import Dataset, Split
from core.data.load import LoadOptions
from core.data.preprocessing import EncodingOptions
from core.nn.spec import NetworkSpec
from core.train.config import TrainConfig

if TYPE_CHECKING:  # importing it loads torch, which the window must not wait for
    from core.train.run import TrainingOutcome

MAX_RECENT = 10


@dataclass
class SplitOptions:
    """How the dataset is split (the Data page's split box; ``mendel train`` flags)."""

    val_fraction: float = 0.15
    test_fraction: float = 0.15
    seed: int = 0
    use_file_split: bool = False  # use the file's own train/val/test column


class AppState(QObject):
    """Dataset, split, encoding, network, training options and the last run.

    Attributes (read freely; change through the ``set_*`` methods):

    - ``source``, ``load_options``, ``dataset``: what is loaded and how it was read.
    - ``split_options``, ``split``: the train/val/test indices (``None`` without data).
    - ``encoding``: how records become tensors (one-hot / k-mer, image size...).
    - ``summary``: ``core.data.summary.summarize`` of the dataset with its split and
      encoding (``input_shape``, classes, warnings...), or ``None`` while it is computed;
      ``input_shape`` and ``n_outputs`` are shortcuts for the Network page.
    - ``network_spec``: a network built on the Network page, or ``None``: the Train page
      then uses its preset. ``network_source`` names where it came from.
    - ``preset``: the Train page's preset and its options, ``(name, options)``; the
      Network page shows that network until the user designs one.
    - ``train_config``: the Train page's options.
    - ``run``: the last finished run, a ``core.train.run.TrainingOutcome`` (its
      ``result``: RunResult with model and history; ``data``: the TensorData;
      ``metrics``, ``baseline``, ``spec``, ``config``, ``preprocessing``...).
    - ``training``: True while a run is in progress.
    - ``device_text``: "CPU, 2 threads" or the GPU's name, once the engine is loaded.
    - ``recent_sources``: recently opened paths, newest first.
    """

    datasetChanged = Signal()
    splitChanged = Signal()
    encodingChanged = Signal()
    summaryChanged = Signal()
    networkChanged = Signal()
    presetChanged = Signal()
    trainConfigChanged = Signal()
    runStarted = Signal()
    runFinished = Signal()
    runStateChanged = Signal(str)  # one line for the status bar
    deviceChanged = Signal(str)
    recentChanged = Signal()

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
        self.run: TrainingOutcome | None = None
        self.training = False
        self.run_state = "idle"
        self.device_text = ""
        self.recent_sources: list[str] = []

    # -- data -----------------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset, source: str, load_options: LoadOptions) -> None:
        """Use a newly loaded dataset; its split is made at once (``DataError`` if impossible:
        the previous dataset then stays)."""
        options = replace(self.split_options,
                          use_file_split=self.split_options.use_file_split
                          and dataset.split_labels is not None)
        split = _make_split(dataset, options)
        self.dataset, self.source, self.load_options = dataset, source, load_options
        self.split_options, self.split = options, split
        self.summary = None
        if not source.startswith("demo:"):
            self.add_recent(source)
        self.datasetChanged.emit()
        self.splitChanged.emit()

    def set_split_options(self, options: SplitOptions) -> None:
        """Change the split; raises ``DataError`` (and changes nothing) when impossible."""
        split = _make_split(self.dataset, options) if self.dataset is not None else None
        self.split_options, self.split = options, split
        self.summary = None  # it was measured on the old split
        self.splitChanged.emit()

    def set_encoding(self, encoding: EncodingOptions) -> None:
        self.encoding = encoding
        self.summary = None  # the input shape may change
        self.encodingChanged.emit()

    def set_summary(self, summary: dict[str, Any] | None) -> None:
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
        return self.dataset.n_outputs if self.dataset is not None else None

    # -- network and training -------------------------------------------------------------
    def set_network(self, spec: NetworkSpec | None, source: str = "Network page") -> None:
        """A custom network (``None`` returns the Train page to its preset)."""
        self.network_spec = spec
        self.network_source = source if spec is not None else ""
        self.networkChanged.emit()

    def set_preset(self, name: str, options: dict[str, Any]) -> None:
        if self.preset == (name, options):
            return
        self.preset = (name, dict(options))
        self.presetChanged.emit()

    def set_train_config(self, config: TrainConfig) -> None:
        self.train_config = config
        self.trainConfigChanged.emit()

    def set_training(self, training: bool) -> None:
        self.training = training
        if training:
            self.runStarted.emit()

    def set_run(self, outcome: TrainingOutcome) -> None:
        """Keep a finished run (a ``TrainingOutcome``) for export and evaluation."""
        self.run = outcome
        self.training = False
        self.runFinished.emit()

    def set_run_state(self, text: str) -> None:
        self.run_state = text
        self.runStateChanged.emit(text)

    def set_device_text(self, text: str) -> None:
        self.device_text = text
        self.deviceChanged.emit(text)

    # -- recent files ---------------------------------------------------------------------
    def set_recent(self, sources: list[str]) -> None:
        self.recent_sources = list(dict.fromkeys(sources))[:MAX_RECENT]
        self.recentChanged.emit()

    def add_recent(self, source: str) -> None:
        self.set_recent([source, *[s for s in self.recent_sources if s != source]])


def _make_split(dataset: Dataset, options: SplitOptions) -> Split:
    from core.data.splits import make_split

    return make_split(dataset, options.val_fraction, options.test_fraction, options.seed,
                      stratify=True, use_file_split=options.use_file_split)
