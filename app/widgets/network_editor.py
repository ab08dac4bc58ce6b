"""The network builder: palette, layer stack, property editor, diagram, neuron view and
text summary around one ``NetworkDocument`` and its undo stack.

Every edit is an undoable command; after each one the engine's ``infer`` re-checks the
whole network, so every card, box and the header show the shapes, parameter counts and
problems the trainer will see. The editor knows nothing about the session: the page
feeds it the data's input (``set_input``) and the training options the memory estimate
depends on (``set_training``), and listens to ``specChanged``.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QFontDatabase,
    QKeySequence,
    QStandardItemModel,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.file_guard import read_small_text, write_problem
from app.network_commands import (
    InsertLayer,
    LayerPath,
    MoveLayer,
    NetworkDocument,
    RemoveLayer,
    ReplaceNetwork,
    SetParam,
    has_path,
    layer_at,
    move_target,
    siblings,
)
from app.settings import dialog_dir, dialog_path, remember_dialog_dir
from app.widgets.layer_editor import LayerEditor
from app.widgets.layer_palette import LayerPalette
from app.widgets.layer_stack import LayerStackModel, LayerStackView, Role, shape_text
from app.widgets.message_bar import MessageBar
from app.widgets.network_diagram import DiagramPanel
from app.widgets.neuron_view import NeuronPanel
from core.data.files import display
from core.errors import MendelError, SpecError
from core.nn.layers import default_layer
from core.nn.presets import PRESETS, make_preset, suggest_preset
from core.nn.shapes import LayerInfo, NetworkSummary, infer, optimizer_name, summary_text
from core.nn.spec import NetworkSpec

log = logging.getLogger(__name__)

MAX_NETWORK_BYTES = 16 << 20  # a network file is a few KB; past this it is not one
BATCH = 32  # batch size of the header's memory estimate until the page says otherwise
EMPTY = ""  # the preset combo's "empty network" entry


def human_bytes(n: int) -> str:
    """1234567 -> "1.2 MB"; three significant digits at most."""
    if n < 1000:
        return f"{n} B"
    exponent = min(int(math.log(n, 1000)), 3)
    value = n / 1000 ** exponent
    digits = 0 if value >= 100 else 1
    return f"{value:.{digits}f} {('KB', 'MB', 'GB')[exponent - 1]}"


class NetworkEditor(QWidget):
    """Builds a ``NetworkSpec`` point and click; see the module docstring."""

    specChanged = Signal(object)  # a copy of the NetworkSpec after every change
    validityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = NetworkDocument(parent=self)
        self.undo_stack = QUndoStack(self)
        self._input: tuple[int, ...] | None = None
        self._n_outputs = 1
        self._task = "classification"
        self._modality = ""
        self._summary: NetworkSummary | None = None
        self._batch, self._optimizer, self._momentum = BATCH, "adam", 0.0
        self._valid = False
        self._selected: LayerPath | None = None
        self._refreshing = False
        self._session = 0  # SetParam merges only within one selection

        self._build_toolbar()
        self.messages = MessageBar()
        self.banner = QLabel()
        self.banner.setObjectName("networkBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setStyleSheet("QLabel#networkBanner { background: #fdecea; color: #8c1d18;"
                                  " border: 1px solid #c62828; border-radius: 4px;"
                                  " padding: 6px 8px; }")
        self.banner.hide()

        self.palette_panel = LayerPalette()
        self.palette_panel.layerActivated.connect(self.add_layer)

        self.model = LayerStackModel(self)
        self.stack = LayerStackView()
        self.stack.setModel(self.model)
        self.stack.selectionModel().currentChanged.connect(self._current_changed)
        self.stack.deleteRequested.connect(self.remove_selected)
        self.stack.duplicateRequested.connect(self.duplicate_selected)
        self.stack.shiftRequested.connect(self.shift_selected)
        self.model.insertRequested.connect(self.add_layer)
        self.model.moveRequested.connect(self.move_layer)

        self.input_label = QLabel()
        self.input_label.setWordWrap(True)
        self.stats_label = QLabel()
        self.stats_label.setObjectName("networkStats")
        self.properties = LayerEditor()
        self.properties.paramEdited.connect(self._param_edited)

        self.diagram_panel = DiagramPanel()
        self.diagram = self.diagram_panel.diagram
        self.diagram.layerClicked.connect(self.select)
        self.diagram_panel.exportFailed.connect(self.messages.show_error)
        self.neurons = NeuronPanel()
        self.summary_box = QPlainTextEdit()
        self.summary_box.setReadOnly(True)
        self.summary_box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.summary_box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton("Copy summary")
        self.copy_button.clicked.connect(self.copy_summary)

        self._lay_out()
        self.document.changed.connect(self._document_changed)
        self._refresh(None)

    # --- construction --------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        self.preset_combo = QComboBox()
        self.preset_combo.setMinimumContentsLength(22)
        self.preset_combo.addItem("Empty network", EMPTY)
        self.preset_combo.setItemData(0, "Only the output layer; add layers from the palette.",
                                      Qt.ItemDataRole.ToolTipRole)
        for preset in PRESETS.values():
            self.preset_combo.addItem(preset.title, preset.name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, preset.description,
                                          Qt.ItemDataRole.ToolTipRole)
        self.preset_combo.currentIndexChanged.connect(self._preset_highlighted)
        self.preset_description = QLabel()
        self.preset_description.setStyleSheet("color: #5f6368")
        self.preset_description.setWordWrap(True)
        self.preset_button = QPushButton("Start from this")
        self.preset_button.setToolTip("Replace the network with the chosen starting point "
                                      "(undo brings the old one back).")
        self.preset_button.clicked.connect(self.apply_preset)

        # Fixed labels (the stack's own actions rename themselves after every command,
        # which makes the toolbar jump); the command's name goes into the tooltip.
        self.undo_action = QAction("\u21b6 Undo", self)
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo_stack.undo)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(
            lambda text: self.undo_action.setToolTip(f"Undo {text} (Ctrl+Z)"))
        self.redo_action = QAction("\u21b7 Redo", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(self.undo_stack.redo)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.redoTextChanged.connect(
            lambda text: self.redo_action.setToolTip(f"Redo {text} (Ctrl+Shift+Z)"))
        for action in (self.undo_action, self.redo_action):
            action.setEnabled(False)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.undo_action)
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(self.redo_action)
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a network saved as JSON")
        self.open_button.clicked.connect(self._open_clicked)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the network as JSON (for another dataset, or "
                                    "`mendel train --model`)")
        self.save_button.clicked.connect(self._save_clicked)

        self.up_button = QToolButton()
        self.up_button.setText("\u2191 Up")
        self.up_button.setToolTip("Move the selected layer up (Alt+Up)")
        self.up_button.clicked.connect(lambda: self.shift_selected(-1))
        self.down_button = QToolButton()
        self.down_button.setText("\u2193 Down")
        self.down_button.setToolTip("Move the selected layer down (Alt+Down)")
        self.down_button.clicked.connect(lambda: self.shift_selected(1))
        self.duplicate_button = QToolButton()
        self.duplicate_button.setText("Duplicate")
        self.duplicate_button.setToolTip("Duplicate the selected layer (Ctrl+D)")
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.delete_button = QToolButton()
        self.delete_button.setText("Delete")
        self.delete_button.setToolTip("Delete the selected layer (Delete)")
        self.delete_button.clicked.connect(self.remove_selected)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Start from:"))
        top.addWidget(self.preset_combo)
        top.addWidget(self.preset_button)
        top.addWidget(self.preset_description, 1)
        top.addSpacing(12)
        top.addWidget(self.undo_button)
        top.addWidget(self.redo_button)
        top.addSpacing(12)
        top.addWidget(self.open_button)
        top.addWidget(self.save_button)

        edit_bar = QHBoxLayout()
        edit_bar.setContentsMargins(0, 0, 0, 0)
        for button in (self.up_button, self.down_button, self.duplicate_button,
                       self.delete_button):
            edit_bar.addWidget(button)
        edit_bar.addStretch(1)
        stack_box = QWidget()
        stack_layout = QVBoxLayout(stack_box)
        stack_layout.setContentsMargins(0, 0, 0, 0)
        stack_layout.addWidget(self.input_label)
        stack_layout.addWidget(self.stats_label)
        stack_layout.addLayout(edit_bar)
        stack_layout.addWidget(self.stack, 1)
        props = QGroupBox("Selected layer")
        props_layout = QVBoxLayout(props)
        props_layout.addWidget(self.properties)
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(stack_box)
        middle.addWidget(props)
        middle.setStretchFactor(0, 1)
        middle.setStretchFactor(1, 1)
        middle.setSizes([430, 370])

        summary_page = QWidget()
        summary_layout = QVBoxLayout(summary_page)
        summary_layout.addWidget(self.summary_box, 1)
        copy_row = QHBoxLayout()
        copy_row.addStretch(1)
        copy_row.addWidget(self.copy_button)
        summary_layout.addLayout(copy_row)
        self.views = QTabWidget()
        self.views.addTab(self.diagram_panel, "Diagram")
        self.views.addTab(self.neurons, "Neurons")
        self.views.addTab(summary_page, "Summary")

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.palette_panel)
        split.addWidget(middle)
        split.addWidget(self.views)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 3)
        split.setSizes([290, 530, 560])
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.messages)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)

    # --- public API ----------------------------------------------------------------------
    def set_input(self, input_shape: tuple[int, ...] | None, n_outputs: int, task: str,
                  modality: str) -> None:
        """The data the network must fit (None: no dataset yet); re-checks every layer."""
        self._input = tuple(int(n) for n in input_shape) if input_shape else None
        self._n_outputs, self._task, self._modality = int(n_outputs), task, modality
        combo_model = self.preset_combo.model()
        assert isinstance(combo_model, QStandardItemModel)
        for row in range(1, self.preset_combo.count()):
            preset = PRESETS[self.preset_combo.itemData(row)]
            fits = self._input is not None and len(self._input) in preset.input_ranks
            item = combo_model.item(row)
            item.setEnabled(fits)
        if self._input is not None:
            name = suggest_preset(modality, self._input)
            self.preset_combo.setCurrentIndex(self.preset_combo.findData(name))
        self._preset_highlighted()
        self._refresh(self._selected, spec_changed=False)

    def set_training(self, batch_size: int, optimizer: str, momentum: float = 0.0) -> None:
        """The batch size and optimizer the memory estimate assumes (the run's options)."""
        training = (max(int(batch_size), 1), optimizer, float(momentum))
        if training == (self._batch, self._optimizer, self._momentum):
            return
        self._batch, self._optimizer, self._momentum = training
        if self._summary is not None:
            self._show_verdict()

    def spec(self) -> NetworkSpec:
        return self.document.spec.copy()

    def set_spec(self, spec: NetworkSpec) -> None:
        """Load ``spec`` as a fresh document (no undo step back to the previous one)."""
        self.undo_stack.clear()
        self.document.spec = spec.copy()
        self.document.notify(None)

    def summary(self) -> NetworkSummary | None:
        """The engine's verdict on the current network, None without input data."""
        return self._summary

    def is_valid(self) -> bool:
        return self._valid

    def selected_path(self) -> LayerPath | None:
        return self._selected

    @Slot(object)
    def on_epoch_weights(self, state_dict_or_model: Any) -> None:
        """Recolour the neuron view from trained weights (a torch model or state dict)."""
        self.neurons.update_weights(state_dict_or_model)

    # --- editing -------------------------------------------------------------------------
    @Slot(str)
    def add_layer(self, kind: str, target: LayerPath | None = None) -> None:
        """Add a ``kind`` layer at ``target``, or after the selected layer (into a selected
        empty residual block), or at the end of the stack."""
        sel = self._selected
        if target is None:
            if sel is None:
                target = (len(self.document.spec.layers),)
            else:
                layer = layer_at(self.document.spec, sel)
                if layer.layers is not None and not layer.layers:
                    target = (*sel, 0)
                else:
                    target = (*sel[:-1], sel[-1] + 1)
        self.undo_stack.push(InsertLayer(self.document, tuple(target), default_layer(kind),
                                         f"Add {kind}", sel))

    def remove_selected(self) -> None:
        if self._selected is not None:
            self.undo_stack.push(RemoveLayer(self.document, self._selected))

    def duplicate_selected(self) -> None:
        sel = self._selected
        if sel is None:
            return
        layer = layer_at(self.document.spec, sel)
        self.undo_stack.push(InsertLayer(self.document, (*sel[:-1], sel[-1] + 1), layer,
                                         f"Duplicate {layer.kind}", sel))

    def shift_selected(self, delta: int) -> None:
        """Move the selected layer one place up (-1) or down (+1); past the edge of a
        residual block it leaves the block."""
        sel = self._selected
        if sel is None:
            return
        row, n = sel[-1], len(siblings(self.document.spec, sel[:-1]))
        if delta < 0:
            target = (*sel[:-1], row - 1) if row > 0 else (sel[:-1] if len(sel) > 1 else None)
        elif row + 1 < n:
            target = (*sel[:-1], row + 2)
        else:
            target = (*sel[:-2], sel[-2] + 1) if len(sel) > 1 else None
        if target is not None:
            self.move_layer(sel, target)

    def move_layer(self, source: LayerPath, target: LayerPath) -> None:
        """Move a layer to an insertion point (both paths in the current network)."""
        if not has_path(self.document.spec, source) or move_target(source, target) is None:
            return
        self.undo_stack.push(MoveLayer(self.document, source, target))

    def select(self, path: LayerPath | None) -> None:
        index = self.model.index_of(path)
        if index.isValid():
            self.stack.setCurrentIndex(index)
        else:
            self.stack.clearSelection()
            self.stack.setCurrentIndex(QModelIndex())

    @Slot()
    def apply_preset(self) -> None:
        name = self.preset_combo.currentData()
        if name == EMPTY:
            spec = NetworkSpec()
        else:
            if self._input is None:
                self.messages.show_error("Load a dataset first: a preset is sized to the data.")
                return
            try:
                spec = make_preset(name, self._input, self._n_outputs)
            except MendelError as exc:
                self.messages.show_error(str(exc))
                return
        self.messages.clear()
        self.undo_stack.push(ReplaceNetwork(self.document, spec,
                                            f"Start from {self.preset_combo.currentText()}",
                                            self._selected))

    def save_to(self, path: str | Path) -> bool:
        try:
            self.document.spec.save(path)
        except MendelError as exc:
            self.messages.show_error(f"Could not save the network: {exc}")
            return False
        except OSError as exc:
            self.messages.show_error(f"{display(path)}: {write_problem(path, exc)}")
            return False
        self.messages.show_message(f"Saved the network to {path}", "success")
        return True

    def open_from(self, path: str | Path) -> bool:
        """Open a saved network; a bad file leaves the current one and shows why.

        It is read here, on the main thread, so it is checked first: a regular file of at
        most ``MAX_NETWORK_BYTES`` (never a FIFO or ``/dev/zero``, which would freeze the
        window), and anything its parsing throws becomes one line naming it."""
        try:
            spec = read_network_file(path)
        except MendelError as exc:
            self.messages.show_error(str(exc))
            return False
        self.undo_stack.push(ReplaceNetwork(self.document, spec, f"Open {Path(path).name}",
                                            self._selected))
        self.messages.show_message(f"Opened {path}", "success")
        return True

    def copy_summary(self) -> None:
        QApplication.clipboard().setText(self.summary_box.toPlainText())

    # --- reactions -----------------------------------------------------------------------
    def _param_edited(self, name: str, value: Any) -> None:
        sel = self._selected
        if sel is None or layer_at(self.document.spec, sel).params.get(name) == value:
            return
        self.undo_stack.push(SetParam(self.document, sel, name, value, self._session))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._refreshing:
            return
        self._selected = current.data(Role.PATH) if current.isValid() else None
        self._session += 1
        self._show_selection(current)

    def _show_selection(self, current: QModelIndex) -> None:
        sel = self._selected
        info = self._info(sel) if sel else None
        if sel is not None:
            self.properties.show_layer(layer_at(self.document.spec, sel), sel, info)
        elif current.isValid() and current.data(Role.AUTO):
            self.properties.show_layer(None, None, self._auto_info(current.row()))
        else:
            self.properties.show_layer(None)
        self.diagram.select(sel)
        for button in (self.up_button, self.down_button, self.duplicate_button,
                       self.delete_button):
            button.setEnabled(sel is not None)

    def _info(self, path: LayerPath) -> LayerInfo | None:
        if self._summary is None:
            return None
        return next((i for i in self._summary.layers if i.path == path and not i.auto), None)

    def _auto_info(self, row: int) -> LayerInfo | None:
        autos = [i for i in self._summary.layers if i.auto] if self._summary else []
        index = row - len(self.document.spec.layers)
        return autos[index] if 0 <= index < len(autos) else None

    def _document_changed(self, select: LayerPath | None) -> None:
        self._refresh(select)

    def _refresh(self, select: LayerPath | None, spec_changed: bool = True) -> None:
        spec = self.document.spec
        if not has_path(spec, select):
            select = None
        self._summary = infer(spec, self._input, self._n_outputs) if self._input else None
        self._refreshing = True
        try:
            self.model.set_network(spec, self._summary)
            self.stack.expandAll()
            self.select(select)
        finally:
            self._refreshing = False
        if select != self._selected:
            self._session += 1
        self._selected = select
        self._show_selection(self.stack.currentIndex())
        self.diagram.set_network(spec, self._summary, self._input)
        self.neurons.set_network(spec, self._input, self._n_outputs)
        self._show_verdict()
        if spec_changed:
            self.specChanged.emit(spec.copy())
        valid = self._summary is not None and self._summary.ok
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)

    def _show_verdict(self) -> None:
        summary = self._summary
        outputs = (f"{self._n_outputs} class{'es' if self._n_outputs != 1 else ''}"
                   if self._task == "classification"
                   else f"{self._n_outputs} value{'s' if self._n_outputs != 1 else ''}")
        if self._input is None:
            self.input_label.setText("<b>No dataset loaded.</b> Load one on the Data page to "
                                     "see shapes; you can build the network already.")
            self.stats_label.setText("")
            self.summary_box.setPlainText("Load a dataset to see the layer table.")
            self.banner.hide()
            return
        self.input_label.setText(f"<b>Input</b> {shape_text(self._input)} "
                                 f"<span style='color:#5f6368'>from the dataset</span>"
                                 f" &nbsp;\u2192&nbsp; <b>Output</b> {outputs} "
                                 f"<span style='color:#5f6368'>({self._task})</span>")
        assert summary is not None
        training = (self._batch, self._optimizer, self._momentum)
        self.summary_box.setPlainText(summary_text(summary, *training))
        if summary.ok:
            mem = human_bytes(summary.memory_per_batch(*training))
            self.stats_label.setText(f"<b>{summary.total_params:,}</b> parameters &nbsp;·&nbsp;"
                                     f" about <b>{mem}</b> to train a batch of {self._batch}"
                                     f" with {optimizer_name(self._optimizer, self._momentum)}")
            self.banner.hide()
            return
        self.stats_label.setText(f"<b>{summary.total_params:,}</b> parameters so far "
                                 "&nbsp;·&nbsp; <span style='color:#c62828'>not trainable "
                                 "yet</span>")
        shown = summary.errors[:4]
        more = len(summary.errors) - len(shown)
        items = "".join(f"<li>{_escape(e)}</li>" for e in shown)
        if more:
            items += f"<li>and {more} more (see the red cards)</li>"
        self.banner.setText(f"<b>\u26a0 This network does not fit the data (input "
                            f"{shape_text(self._input)}, {outputs}).</b> Fix the layers marked "
                            f"red; training stays disabled until then.<ul style='margin:0'>"
                            f"{items}</ul>")
        self.banner.show()

    def _preset_highlighted(self, _index: int = 0) -> None:
        name = self.preset_combo.currentData()
        if name == EMPTY:
            text = "Only the output layer; add layers from the palette."
        else:
            preset = PRESETS[name]
            text = preset.description
            if self._input is not None and len(self._input) not in preset.input_ranks:
                text += " (does not suit this data's input shape)"
        self.preset_description.setText(text)

    def _open_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open network", dialog_dir("network"),
                                              "Network JSON (*.json);;All files (*)")
        if name:
            remember_dialog_dir("network", name)
            self.open_from(name)

    def _save_clicked(self) -> None:
        default = (self.document.spec.name or "network").replace(" ", "-") + ".json"
        name, _ = QFileDialog.getSaveFileName(self, "Save network",
                                              dialog_path("network", default),
                                              "Network JSON (*.json)")
        if name:
            remember_dialog_dir("network", name)
            self.save_to(name)


def read_network_file(path: str | Path) -> NetworkSpec:
    """``NetworkSpec.load`` that never blocks or swells: see ``NetworkEditor.open_from``."""
    name = display(path)
    try:
        text = read_small_text(path, MAX_NETWORK_BYTES, "a network file")
        return NetworkSpec.from_json(text)
    except MendelError as exc:
        raise SpecError(str(exc) if getattr(exc, "path", None) else f"{name}: {exc}") from None
    except RecursionError:
        raise SpecError("nested too deeply to be a network Mendel can read", name) from None
    except Exception as exc:  # a malformed file must not throw inside a button's slot
        log.exception("reading the network file %s failed", name)
        raise SpecError(f"not a network file Mendel can read ({type(exc).__name__})",
                        name) from None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
