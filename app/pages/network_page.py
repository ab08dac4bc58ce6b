"""The Network page: the network builder wired to the session state.

All building happens in ``NetworkEditor``; this page only translates between it and
``AppState``: the loaded data and encoding decide the input shape and the output size,
every edit becomes the session's custom network (which the Train page then trains), and
a finished run's weights recolour the neuron view.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.pages.page import Page
from app.state import AppState
from app.widgets.network_editor import BATCH, NetworkEditor
from core.data.preprocessing import make_preprocessing
from core.errors import MendelError
from core.nn.presets import make_preset
from core.nn.spec import NetworkSpec

SOURCE = "Network page"


class NetworkPage(Page):
    """``NetworkPage(state)``; ``editor`` is the builder (its signals are public API)."""

    title = "Network"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.editor = NetworkEditor()
        self._syncing = False
        self._suggested = False  # the editor shows an automatic suggestion, not a design
        self._input: tuple[str, tuple[int, ...], int] | None = None  # modality, shape, outputs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor)
        state.datasetChanged.connect(self._data_changed)
        state.splitChanged.connect(self._data_changed)
        state.encodingChanged.connect(self._data_changed)
        state.networkChanged.connect(self._network_changed)
        state.presetChanged.connect(self._preset_changed)
        state.runFinished.connect(self._run_finished)
        state.trainConfigChanged.connect(self._training_changed)
        state.splitChanged.connect(self._training_changed)  # a full batch is the train split
        self.editor.specChanged.connect(self._spec_edited)
        self._data_changed()
        self._network_changed()
        self._training_changed()

    def is_valid(self) -> bool:
        """Whether the network fits the loaded data (the Train page may disable Train)."""
        return self.editor.is_valid()

    @Slot()
    def _data_changed(self) -> None:
        """Input shape from the encoding fitted on the training rows, as training will."""
        ds = self.state.dataset
        if ds is None:
            self.editor.set_input(None, 1, "classification", "")
            return
        split = self.state.split
        train = split.train if split is not None else np.arange(len(ds))
        try:
            preprocessing = make_preprocessing(ds, self.state.encoding)
            preprocessing.fit(ds, train)
            shape = tuple(int(n) for n in preprocessing.input_shape)
        except MendelError as exc:
            self.editor.messages.show_error(f"Cannot encode the data for this network: {exc}")
            self.editor.set_input(None, ds.n_outputs, ds.training_task, ds.modality)
            return
        outputs = ds.output_units(shape)  # an autoencoder: one per input value
        self.editor.set_input(shape, outputs, ds.training_task, ds.modality)
        self._input = (ds.modality, shape, outputs)
        if self.state.network_spec is None and (self._suggested or not self.editor.spec().layers):
            self._show_suggestion(ds.modality, shape, outputs)

    @Slot()
    def _training_changed(self) -> None:
        """The memory estimate assumes the Train page's batch size and optimizer."""
        config = self.state.train_config
        split = self.state.split
        # full batch (every training row) and auto both depend on the training split
        batch = (config.batch_for(len(split.train)) if split is not None
                 else config.batch_size or BATCH)
        self.editor.set_training(batch, config.optimizer, config.momentum)

    @Slot()
    def _preset_changed(self) -> None:
        if self._input is not None and self.state.network_spec is None and self._suggested:
            self._show_suggestion(*self._input)

    def _show_suggestion(self, modality: str, shape: tuple[int, ...], n_outputs: int) -> None:
        """Until the user designs a network, show the network Start would train: the Train
        page's preset with its options (else the preset suited to the data), so the page
        never opens empty; it is not pushed to the Train page until edited."""
        spec = None
        if self.state.preset is not None:
            name, options = self.state.preset
            try:
                spec = make_preset(name, shape, n_outputs, **options)
            except (MendelError, TypeError, ValueError):
                spec = None  # a preset for other data, or half-typed options
        if spec is None:
            try:
                spec = make_preset(self.state.suggested_preset(), shape, n_outputs)
            except MendelError:
                return
        self._syncing = True
        try:
            self.editor.set_spec(spec)
        finally:
            self._syncing = False
        self._suggested = True

    @Slot()
    def _network_changed(self) -> None:
        spec = self.state.network_spec
        # None means the Train page went back to its preset: keep the design here.
        if spec is None or spec.to_dict() == self.editor.spec().to_dict():
            return
        self._syncing = True
        try:
            self.editor.set_spec(spec)
        finally:
            self._syncing = False

    @Slot(object)
    def _spec_edited(self, spec: NetworkSpec) -> None:
        if not self._syncing:
            self._suggested = False
            self.state.set_network(spec, SOURCE)

    @Slot()
    def _run_finished(self) -> None:
        run = self.state.run
        model = getattr(getattr(run, "result", None), "model", None)
        if model is not None:
            self.editor.on_epoch_weights(model)
