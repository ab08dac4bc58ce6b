"""The Network page, driven as a user would: palette clicks, the property editor, keys,
drops, undo/redo, files, the diagram and the neuron view; checked against the engine."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QSpinBox

from app.widgets.layer_stack import MIME_KIND, Role
from app.widgets.network_editor import NetworkEditor
from core.nn.build import build_model
from core.nn.shapes import infer
from core.nn.spec import NetworkSpec


def make_editor(qtbot, input_shape=(10,), n_outputs=3, task="classification",
                modality="tabular") -> NetworkEditor:
    editor = NetworkEditor()
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.set_input(input_shape, n_outputs, task, modality)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def spec_of(*layers: dict) -> NetworkSpec:
    return NetworkSpec.from_dict({"layers": list(layers)})


def double_click_palette(qtbot, editor: NetworkEditor, kind: str) -> None:
    tree = editor.palette_panel.tree
    item = editor.palette_panel.item(kind)
    tree.scrollToItem(item)
    center = tree.visualItemRect(item).center()
    # A real double-click: the first press selects, the second one is the double-click.
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=center)


def drop_on_stack(editor: NetworkEditor, mime: QMimeData, pos: QPoint) -> None:
    """What the view receives when a drag is released at ``pos`` (QDrag.exec would block)."""
    viewport = editor.stack.viewport()
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for event in (QDragEnterEvent(pos, actions, mime, buttons, mods),
                  QDragMoveEvent(pos, actions, mime, buttons, mods),
                  QDropEvent(QPointF(pos), actions, mime, buttons, mods)):
        QApplication.sendEvent(viewport, event)


def type_into(qtbot, spin: QSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def choose(combo: QComboBox, text: str) -> None:
    combo.setCurrentIndex(combo.findText(text))


def kinds(editor: NetworkEditor) -> list[str]:
    return [layer.kind for layer in editor.spec().layers]


def test_build_mlp_by_clicking_matches_engine_and_torch(qtbot):
    editor = make_editor(qtbot)
    double_click_palette(qtbot, editor, "Dense")
    assert kinds(editor) == ["Dense"] and editor.selected_path() == (0,)
    type_into(qtbot, editor.properties.field("units"), "16")
    choose(editor.properties.field("activation"), "tanh")
    double_click_palette(qtbot, editor, "Dense")
    type_into(qtbot, editor.properties.field("units"), "8")
    double_click_palette(qtbot, editor, "Dropout")

    spec = editor.spec()
    assert [layer.to_dict() for layer in spec.layers] == [
        {"kind": "Dense", "units": 16, "activation": "tanh"},
        {"kind": "Dense", "units": 8, "activation": "relu"},
        {"kind": "Dropout", "rate": 0.2},
    ]
    engine = infer(spec, (10,), 3)
    model = editor.model
    for row, info in enumerate(i for i in engine.layers if not i.auto):
        index = model.index(row, 0)
        assert index.data(Role.SHAPE) == str(info.output_shape).replace(",)", ")")
        assert index.data(Role.N_PARAMS) == info.n_params
    output = model.index(3, 0)
    assert output.data(Role.AUTO) and output.data(Role.SHAPE) == "(3)"
    assert not output.flags() & Qt.ItemFlag.ItemIsDragEnabled
    torch_count = sum(p.numel() for p in build_model(spec, (10,), 3).parameters())
    assert editor.summary().total_params == engine.total_params == torch_count == 339
    assert "339" in editor.stats_label.text()
    assert editor.is_valid()


def test_invalid_conv1d_shows_reason_and_blocks(qtbot):
    editor = make_editor(qtbot, (8, 4), 2, modality="sequence")
    assert editor.is_valid()
    double_click_palette(qtbot, editor, "Conv1D")
    with qtbot.waitSignal(editor.validityChanged) as blocker:
        type_into(qtbot, editor.properties.field("kernel"), "9")
    assert blocker.args == [False] and not editor.is_valid()
    card = editor.model.index(0, 0)
    assert "kernel 9 needs length >= 9, input length is 8" in card.data(Role.ERROR)
    assert card.data(Role.SHAPE) == "error"
    assert editor.banner.isVisible() and "kernel 9 needs length" in editor.banner.text()
    assert "kernel 9 needs length" in editor.properties.error.text()
    with qtbot.waitSignal(editor.validityChanged) as blocker:
        choose(editor.properties.field("padding"), "same")
    assert blocker.args == [True] and not editor.banner.isVisible()
    qtbot.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
    assert editor.properties.field("padding").currentText() == "valid"
    assert not editor.is_valid() and editor.properties.field("kernel").value() == 9


def test_reorder_by_drop_and_keyboard(qtbot):
    editor = make_editor(qtbot)
    editor.set_spec(spec_of({"kind": "Dense", "units": 8}, {"kind": "Dropout"},
                            {"kind": "Dense", "units": 4}))
    model = editor.model
    mime = model.mimeData([model.index(0, 0)])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, 3, 0, QModelIndex())
    assert [layer.params.get("units") for layer in editor.spec().layers] == [None, 4, 8]
    assert editor.selected_path() == (2,)
    last = editor.stack.visualRect(model.index(2, 0))
    drop_on_stack(editor, model.mimeData([model.index(1, 0)]), last.bottomLeft()
                  + QPoint(40, -2))  # the lower edge of the last card: after it
    assert [layer.params.get("units") for layer in editor.spec().layers] == [None, 8, 4]

    palette_drop = QMimeData()
    palette_drop.setData(MIME_KIND, b"BatchNorm")
    drop_on_stack(editor, palette_drop, editor.stack.visualRect(model.index(1, 0)).topLeft()
                  + QPoint(40, 2))  # the upper edge of the second card: before it
    assert kinds(editor) == ["Dropout", "BatchNorm", "Dense", "Dense"]

    stack = editor.stack
    stack.setFocus()
    editor.select((3,))
    qtbot.keyPress(stack, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [layer.params.get("units") for layer in editor.spec().layers] == [None, None, 4, 8]
    qtbot.keyPress(stack, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert editor.selected_path() == (3,) and editor.spec().layers[3].params["units"] == 4
    qtbot.keyPress(stack, Qt.Key.Key_Up)  # a plain arrow only moves the selection
    assert editor.selected_path() == (2,) and len(editor.spec().layers) == 4
    qtbot.keyPress(stack, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert kinds(editor) == ["Dropout", "BatchNorm", "Dense", "Dense", "Dense"]
    assert editor.selected_path() == (3,)
    qtbot.keyPress(stack, Qt.Key.Key_Delete)
    qtbot.keyPress(stack, Qt.Key.Key_Delete)
    assert kinds(editor) == ["Dropout", "BatchNorm", "Dense"]


def test_undo_redo_restore_exactly(qtbot):
    editor = make_editor(qtbot, (60, 4), 2, modality="sequence")
    states = [editor.spec().to_json()]

    def step(action) -> None:
        action()
        states.append(editor.spec().to_json())

    step(lambda: editor.apply_preset())  # the suggested 1-D CNN
    step(lambda: editor.select((0,)) or type_into(qtbot, editor.properties.field("filters"),
                                                   "12"))
    step(lambda: choose(editor.properties.field("activation"), "gelu"))
    step(lambda: qtbot.keyPress(editor.stack, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier))
    step(lambda: double_click_palette(qtbot, editor, "Residual"))
    step(lambda: double_click_palette(qtbot, editor, "Dense"))  # into the empty block
    step(lambda: editor.select((0,)) or qtbot.keyPress(editor.stack, Qt.Key.Key_Delete))
    assert len(set(states)) == len(states)  # every step changed the network
    assert editor.undo_stack.count() == len(states) - 1  # typing "12" was one step

    for expected in reversed(states[:-1]):
        qtbot.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
        assert editor.spec().to_json() == expected
    assert not editor.undo_action.isEnabled()
    for expected in states[1:]:
        qtbot.mouseClick(editor.redo_button, Qt.MouseButton.LeftButton)
        assert editor.spec().to_json() == expected

    editor.activateWindow()
    editor.stack.setFocus()
    qtbot.waitUntil(lambda: editor.stack.hasFocus())
    qtbot.keyClick(editor.stack, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.spec().to_json() == states[-2]
    qtbot.keyClick(editor.stack, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert editor.spec().to_json() == states[-1]


def test_save_open_roundtrip_and_bad_file(qtbot, tmp_path):
    editor = make_editor(qtbot, (20,), 2)
    spec = spec_of({"kind": "Dense", "units": 32, "activation": "relu"},
                   {"kind": "Residual", "layers": [{"kind": "Dense", "units": 32},
                                                   {"kind": "Dropout", "rate": 0.3}]},
                   {"kind": "LayerNorm"})
    spec.name = "res net"
    editor.set_spec(spec)
    path = tmp_path / "net.json"
    assert editor.save_to(path)
    editor.set_spec(NetworkSpec())
    assert editor.open_from(path)
    assert editor.spec().to_dict() == spec.to_dict()

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert not editor.open_from(bad)
    assert editor.messages.isVisible() and editor.messages.level == "error"
    assert "bad.json" in editor.messages.text and "not valid JSON" in editor.messages.text
    assert "\n" not in editor.messages.text
    assert editor.spec().to_dict() == spec.to_dict()


def test_residual_block_editing(qtbot):
    editor = make_editor(qtbot, (16,), 2)
    double_click_palette(qtbot, editor, "Dense")
    double_click_palette(qtbot, editor, "Residual")
    assert not editor.is_valid()  # an empty block
    assert "at least one inner layer" in editor.model.index(1, 0).data(Role.ERROR)
    double_click_palette(qtbot, editor, "Dense")  # a selected empty block takes it inside
    assert editor.selected_path() == (1, 0) and editor.is_valid()
    block = editor.model.index(1, 0)
    assert editor.model.rowCount(block) == 1 and editor.stack.isExpanded(block)

    drop = QMimeData()
    drop.setData(MIME_KIND, b"Dropout")
    drop_on_stack(editor, drop, editor.stack.visualRect(block).center())  # onto the block
    assert [x.kind for x in editor.spec().layers[1].layers] == ["Dense", "Dropout"]
    assert editor.model.index(1, 0, block).data(Role.NUMBER) == "2.2"

    editor.select((1, 0))
    type_into(qtbot, editor.properties.field("units"), "8")
    summary = editor.summary()
    block_info = next(i for i in summary.layers if i.path == (1,))
    assert block_info.output_shape == (8,) and "projection" in block_info.label
    assert block.data(Role.N_PARAMS) == block_info.n_params
    torch_count = sum(p.numel() for p in build_model(editor.spec(), (16,), 2).parameters())
    assert summary.total_params == torch_count

    editor.select((1, 0))
    qtbot.keyPress(editor.stack, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)  # leaves it
    assert kinds(editor) == ["Dense", "Dense", "Residual"]
    assert [x.kind for x in editor.spec().layers[2].layers] == ["Dropout"]


def test_diagram_has_one_box_per_layer_and_exports(qtbot, tmp_path):
    editor = make_editor(qtbot, (60, 4), 2, modality="sequence")
    editor.set_spec(spec_of({"kind": "Conv1D", "filters": 8, "kernel": 5},
                            {"kind": "Residual", "layers": [
                                {"kind": "Conv1D", "filters": 8, "kernel": 3,
                                 "padding": "same"}, {"kind": "BatchNorm"}]},
                            {"kind": "GlobalMaxPool"}))
    boxes = editor.diagram.layer_boxes()
    assert sorted(boxes) == [(0,), (1,), (1, 0), (1, 1), (2,)]
    assert len(editor.diagram.auto_boxes()) == 1  # the output (GlobalMaxPool is flat)
    box = boxes[(1, 1)]
    view = editor.diagram
    editor.views.setCurrentWidget(editor.diagram_panel)
    view.centerOn(box)
    point = view.mapFromScene(box.sceneBoundingRect().center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert editor.selected_path() == (1, 1)
    assert editor.properties.title.text().count("BatchNorm") == 1

    view.export_png(tmp_path / "net.png")
    view.export_svg(tmp_path / "net.svg")
    assert (tmp_path / "net.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "net.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "GlobalMaxPool" in svg


def test_neuron_view_for_playground_sized_network(qtbot):
    editor = make_editor(qtbot, (2,), 2)
    editor.set_spec(spec_of({"kind": "Dense", "units": 4, "activation": "tanh"},
                            {"kind": "Dense", "units": 2, "activation": "tanh"}))
    panel = editor.neurons
    assert panel.qualifies and panel.view.columns == [2, 4, 2, 2]
    assert panel.view.weights is None
    torch.manual_seed(0)
    model = build_model(editor.spec(), (2,), 2)
    editor.on_epoch_weights(model)
    weights = [m.weight.detach().numpy() for m in model.modules()
               if isinstance(m, torch.nn.Linear)]
    assert all(np.array_equal(a, b) for a, b in zip(panel.view.weights, weights, strict=True))
    editor.on_epoch_weights({"0.weight": torch.zeros(3, 3)})  # stale: ignored
    assert np.array_equal(panel.view.weights[0], weights[0])

    editor.select((0,))
    type_into(qtbot, editor.properties.field("units"), "9")
    assert not panel.qualifies and "9 units" in panel.note.text()


def test_new_dataset_rechecks_network(qtbot):
    editor = make_editor(qtbot, (60, 4), 2, modality="sequence")
    editor.apply_preset()
    assert editor.is_valid() and not editor.banner.isVisible()
    with qtbot.waitSignal(editor.validityChanged) as blocker:
        editor.set_input((2, 4), 2, "classification", "sequence")
    assert blocker.args == [False]
    assert editor.banner.isVisible() and "(2, 4)" in editor.banner.text()
    assert "MaxPool1D" in editor.banner.text()
    editor.set_input(None, 1, "classification", "")
    assert not editor.is_valid() and "No dataset" in editor.input_label.text()


def test_page_follows_session_state(qtbot):
    from app.pages.network_page import NetworkPage
    from app.state import AppState
    from core.data.dataset import Dataset
    from core.data.options import LoadOptions

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(40)]
    ds = Dataset("toy", "sequence", "classification", seqs, np.arange(40) % 2,
                 [f"s{i}" for i in range(40)], class_names=["a", "b"], alphabet="DNA")
    state = AppState()
    page = NetworkPage(state)
    qtbot.addWidget(page)
    assert page.editor.summary() is None and not page.is_valid()
    state.set_dataset(ds, "demo:toy", LoadOptions())
    assert page.editor.summary().input_shape == (30, 4)
    assert state.network_spec is None  # nothing edited yet: the Train page keeps its preset

    page.editor.apply_preset()
    assert state.network_spec.to_dict() == page.editor.spec().to_dict()
    assert state.network_source == "Network page" and page.is_valid()

    other = spec_of({"kind": "Flatten"}, {"kind": "Dense", "units": 5})
    state.set_network(other, "run bundle")
    assert page.editor.spec().to_dict() == other.to_dict()
    assert state.network_source == "run bundle"  # no echo back into the state
    state.set_network(None)
    assert page.editor.spec().to_dict() == other.to_dict()


def test_page_opens_on_the_suggested_preset_until_the_user_designs(qtbot):
    from app.pages.network_page import NetworkPage
    from app.state import AppState
    from core.data.load import load_dataset
    from core.data.options import LoadOptions

    state = AppState()
    page = NetworkPage(state)
    qtbot.addWidget(page)
    motif = load_dataset("demo:motif", LoadOptions(demo_size=60))
    state.set_dataset(motif, "demo:motif", LoadOptions())
    kinds = [layer.kind for layer in page.editor.spec().layers]
    assert "Conv1D" in kinds and page.is_valid()  # the 1-D CNN suits one-hot DNA
    assert state.network_spec is None  # a suggestion is not pushed to the Train page
    iris = load_dataset("demo:iris", LoadOptions())
    state.set_dataset(iris, "demo:iris", LoadOptions())
    kinds = [layer.kind for layer in page.editor.spec().layers]
    assert "Conv1D" not in kinds and "Dense" in kinds and page.is_valid()
    page.editor.add_layer("Dropout")  # the user's own design from now on
    assert state.network_spec is not None
    state.set_dataset(motif, "demo:motif", LoadOptions())
    assert "Dropout" in [layer.kind for layer in page.editor.spec().layers]


def test_page_shows_the_train_pages_preset_with_its_options(qtbot):
    from app.pages.network_page import NetworkPage
    from app.pages.train_page import TrainPage
    from app.state import AppState
    from core.data.load import load_dataset
    from core.data.options import LoadOptions

    state = AppState()
    train = TrainPage(state)
    page = NetworkPage(state)
    for w in (train, page):
        qtbot.addWidget(w)
    spiral = load_dataset("demo:spiral", LoadOptions(demo_size=100))
    state.set_dataset(spiral, "demo:spiral", LoadOptions())
    train.network.set_preset("mlp")
    train.network.set_preset_options({"hidden": (4, 2), "activation": "tanh"})
    train.network.changed.emit()  # what editing an option emits
    dense = [layer for layer in page.editor.spec().layers if layer.kind == "Dense"]
    assert [(d.params["units"], d.params["activation"]) for d in dense[:2]] == [
        (4, "tanh"), (2, "tanh")]  # what Start would train, not the preset's defaults
    assert state.network_spec is None  # still the Train page's preset, not a design
    train.network.set_preset("linear")  # no hidden layer: only the output layer remains
    assert page.editor.spec().layers == [] and "inear" in page.editor.spec().name


def test_new_groups_in_palette_and_reshape_text_field(qtbot):
    from PySide6.QtWidgets import QLineEdit

    from core.nn.layers import GROUPS

    editor = make_editor(qtbot, (64,), 2)
    tree = editor.palette_panel.tree
    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == list(GROUPS)
    assert editor.palette_panel.item("TransformerBlock").parent().text(0) == \
        "Attention and embedding"
    double_click_palette(qtbot, editor, "Reshape")
    field = editor.properties.field("shape")
    assert isinstance(field, QLineEdit) and field.text() == "-1,1"
    assert "-1" in field.toolTip()
    with qtbot.waitSignal(editor.validityChanged) as blocker:
        field.setFocus()
        field.selectAll()
        qtbot.keyClicks(field, "8,9")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert blocker.args == [False] and editor.spec().layers[0].params == {"shape": "8,9"}
    assert "shape 8,9 holds 72 values but the input (64,) holds 64" in \
        editor.properties.error.text()
    field.selectAll()
    qtbot.keyClicks(field, "8;8")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "shape must be whole numbers separated by commas" in editor.properties.error.text()
    assert editor.properties.field("shape").text() == "8;8"  # the bad text stays to be fixed
    with qtbot.waitSignal(editor.validityChanged) as blocker:
        field.selectAll()
        qtbot.keyClicks(field, "1, 8, 8")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert blocker.args == [True]
    assert editor.summary().layers[0].output_shape == (1, 8, 8)
    assert editor.model.index(0, 0).data(Role.SHAPE) == "(1, 8, 8)"
    # one undo step per selection, as for the spin boxes: back to the palette's default
    qtbot.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
    assert editor.properties.field("shape").text() == "-1,1" and editor.is_valid()


def test_memory_estimate_follows_the_train_pages_optimizer(qtbot):
    from dataclasses import replace

    from app.pages.network_page import NetworkPage
    from app.state import AppState
    from core.data.dataset import Dataset
    from core.data.options import LoadOptions

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(40)]
    ds = Dataset("toy", "sequence", "classification", seqs, np.arange(40) % 2,
                 [f"s{i}" for i in range(40)], class_names=["a", "b"], alphabet="DNA")
    state = AppState()
    page = NetworkPage(state)
    qtbot.addWidget(page)
    state.set_dataset(ds, "demo:toy", LoadOptions())
    page.editor.apply_preset()
    assert "batch of 16 with Adam" in page.editor.stats_label.text()  # auto: 28 rows
    assert "(batch 16, Adam)" in page.editor.summary_box.toPlainText()
    state.set_train_config(replace(state.train_config, optimizer="sgd", momentum=0.9,
                                   batch_size=8))
    assert "batch of 8 with SGD with momentum" in page.editor.stats_label.text()
    assert "(batch 8, SGD with momentum)" in page.editor.summary_box.toPlainText()
    state.set_train_config(replace(state.train_config, batch_size=None))  # full batch
    assert f"batch of {len(state.split.train)} with" in page.editor.stats_label.text()


def test_integer_encoding_feeds_an_embedding_network(qtbot):
    from app.pages.network_page import NetworkPage
    from app.state import AppState
    from core.data.dataset import Dataset
    from core.data.options import EncodingOptions, LoadOptions

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(40)]
    ds = Dataset("toy", "sequence", "classification", seqs, np.arange(40) % 2,
                 [f"s{i}" for i in range(40)], class_names=["a", "b"], alphabet="DNA")
    state = AppState()
    page = NetworkPage(state)
    qtbot.addWidget(page)
    state.set_dataset(ds, "demo:toy", LoadOptions())
    state.set_encoding(EncodingOptions(encoding="integer"))
    assert page.editor.summary().input_shape == (30,)
    state.set_network(spec_of({"kind": "Embedding", "vocab": 5, "dim": 8},
                              {"kind": "TransformerBlock", "heads": 2, "ff": 16}), "test")
    assert page.is_valid()
    assert page.editor.summary().layers[1].output_shape == (30, 8)
