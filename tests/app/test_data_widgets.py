"""The Data page's parts on their own: option forms, the recent-files menu, table set-up.

Each form shows an options object and reads the same object back, reports one edit as
one ``changed``, and never reports showing as an edit (the loop that would make a read's
result start another read).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

from app.state import AppState, SplitOptions
from app.widgets.encoding_form import EncodingForm
from app.widgets.load_options_form import LoadOptionsForm, parse_hw, source_loader
from app.widgets.recent_menu import RecentMenu, source_label
from app.widgets.split_form import SplitForm
from app.widgets.table_model import DataFrameModel
from app.widgets.table_setup import ResizeMode, make_table_view
from core.data.load import LoadOptions, load_dataset
from core.data.preprocessing import EncodingOptions
from core.errors import DataError


def _shown(qtbot: QtBot, widget):  # noqa: ANN001, ANN202 - any widget, returned as is
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,site,label\n" + "".join(f"{i},{i % 3},{i % 5},s{i % 4},{i % 2}\n"
                                                    for i in range(40)))
    return path


def test_load_form_shows_and_reads_back_a_table_s_options(qtbot: QtBot, table: Path) -> None:
    form = _shown(qtbot, LoadOptionsForm())
    options = LoadOptions(target="label", features=["a", "c"], missing="drop",
                          group_column="site", task="classification")
    ds = load_dataset(str(table), options)
    assert source_loader(ds, str(table)) == "csv"
    with qtbot.assertNotEmitted(form.changed):
        form.show_options(LoadOptions(), load_dataset(str(table)), "csv", str(table))
        form.show_options(options, ds, "csv", str(table))  # b, left out, is still offered
    assert form.table_box.isVisible() and not form.fasta_box.isVisible()
    assert form.options() == options
    ticked = {form.features_list.item(i).text(): form.features_list.item(i).checkState()
              for i in range(form.features_list.count())}
    assert ticked == {"a": Qt.CheckState.Checked, "b": Qt.CheckState.Unchecked,
                      "c": Qt.CheckState.Checked}
    with qtbot.waitSignal(form.changed) as blocker:
        form.features_list.item(1).setCheckState(Qt.CheckState.Checked)  # tick b
    assert blocker.signal_triggered and form.options().features is None  # all ticked
    edits = []
    form.changed.connect(lambda: edits.append(1))
    form.missing_combo.setCurrentIndex(form.missing_combo.findData("impute"))
    assert edits == [1] and form.options().missing == "impute"


def test_load_form_line_edit_reports_once_per_edit(qtbot: QtBot, table: Path) -> None:
    form = _shown(qtbot, LoadOptionsForm())
    ds = load_dataset(str(table))
    form.show_options(LoadOptions(), ds, "csv", str(table))
    edits = []
    form.changed.connect(lambda: edits.append(1))
    form.image_shape_edit.setFocus()
    qtbot.keyClicks(form.image_shape_edit, "5 x 1")
    assert edits == []  # typing is not an edit yet
    qtbot.keyClick(form.image_shape_edit, Qt.Key.Key_Return)
    assert edits == [1] and form.options().image_shape == (5, 1)
    form.image_shape_edit.setText("five")
    with pytest.raises(DataError, match="height x width"):
        form.options()
    assert parse_hw("") is None and parse_hw("28\u00d728") == (28, 28)


def test_load_form_demo_options(qtbot: QtBot) -> None:
    form = _shown(qtbot, LoadOptionsForm())
    options = LoadOptions(demo_noise=10.0, demo_size=120, demo_seed=3)
    ds = load_dataset("demo:xor", options)
    with qtbot.assertNotEmitted(form.changed):
        form.show_options(options, ds, source_loader(ds, "demo:xor"), "demo:xor")
    assert form.demo_box.isVisible() and form.demo_noise.isVisible()
    assert form.options() == options
    with qtbot.waitSignal(form.changed):
        form.demo_seed.setValue(4)
        form.demo_seed.editingFinished.emit()
    assert form.options().demo_seed == 4
    form.show_options(options, None, "")  # nothing loaded: every box hides
    assert not any(box.isVisible() for box in form.boxes)


def test_encoding_form(qtbot: QtBot) -> None:
    form = _shown(qtbot, EncodingForm())
    dna = load_dataset("demo:motif", LoadOptions(demo_size=20))
    options = EncodingOptions(encoding="kmer", k=5, kmer_normalize=False, both_strands=True,
                              rc_augment=True, max_length=500)
    with qtbot.assertNotEmitted(form.changed):
        form.show_options(options, dna)
    assert form.options() == options
    assert form.k_spin.isVisible() and not form.length_spin.isVisible()
    assert not form.standardize.isVisible()  # a table option
    edits = []
    form.changed.connect(lambda: edits.append(1))
    qtbot.mouseClick(form.both_strands, Qt.MouseButton.LeftButton)
    assert edits == [1] and form.options().both_strands is False
    form.encoding_combo.setCurrentIndex(form.encoding_combo.findData("onehot"))
    assert edits == [1, 1] and form.options().encoding == "onehot"
    assert form.length_spin.isVisible() and not form.k_spin.isVisible()  # rows follow
    form.show_options(EncodingOptions(), load_dataset("demo:iris"))
    assert form.standardize.isVisible() and not form.encoding_combo.isVisible()
    assert edits == [1, 1]


def test_encoding_form_offers_integer_codes_for_embedding(qtbot: QtBot) -> None:
    form = _shown(qtbot, EncodingForm())
    dna = load_dataset("demo:motif", LoadOptions(demo_size=20))
    form.show_options(EncodingOptions(encoding="integer", length=40, rc_augment=True), dna)
    assert form.encoding_combo.currentData() == "integer"
    assert "Embedding" in form.encoding_combo.currentText()
    index = form.encoding_combo.findData("integer")
    assert "Embedding" in form.encoding_combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    assert "Embedding" in form.encoding_combo.toolTip()
    assert form.length_spin.isVisible() and form.rc_augment.isVisible()
    assert not form.k_spin.isVisible()
    assert form.options() == EncodingOptions(encoding="integer", length=40, rc_augment=True)


def test_split_form(qtbot: QtBot) -> None:
    form = _shown(qtbot, SplitForm())
    options = SplitOptions(val_fraction=0.2, test_fraction=0.1, seed=7, use_file_split=True)
    ds = load_dataset("demo:iris")
    from core.data.splits import make_split

    split = make_split(ds, 0.2, 0.1, 7)
    with qtbot.assertNotEmitted(form.changed):
        form.show_options(options, split, choices=[""], chosen="")  # IDX: the files' split
    assert form.options() == options
    assert not form.val_spin.isEnabled()  # the file's split replaces the fractions
    assert form.sizes_label.text() == (f"train {len(split.train)} \u00b7 validation "
                                       f"{len(split.val)} \u00b7 test {len(split.test)}")
    edits = []
    form.changed.connect(lambda: edits.append(1))
    form.split_by.setCurrentIndex(form.split_by.findData(None))  # random, as a click would
    assert edits == [1] and form.options().use_file_split is False
    assert form.val_spin.isEnabled()
    form.show_options(SplitOptions(use_file_split=True), None)
    assert form.options() == SplitOptions()  # no file split to follow
    assert not form.split_by.isVisible() and edits == [1]


def test_recent_menu_follows_the_state_and_says_what_was_chosen(qtbot: QtBot) -> None:
    state = AppState()
    menu = RecentMenu(state, "Open recent", numbered=True)
    qtbot.addWidget(menu)
    assert not menu.isEnabled() and menu.actions() == []
    state.set_recent(["/data/a.csv", "/data/R&D.fa"])
    assert menu.isEnabled()
    assert [a.text() for a in menu.actions()] == ["&1 a.csv", "&2 R&&D.fa"]
    assert menu.actions()[1].toolTip() == "/data/R&D.fa"
    menu.popup(menu.mapToGlobal(menu.rect().topLeft()))
    qtbot.waitExposed(menu)
    action = menu.actions()[1]
    with qtbot.waitSignal(menu.chosen) as blocker:
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                         pos=menu.actionGeometry(action).center())
    assert blocker.args == ["/data/R&D.fa"]
    state.set_recent([])
    assert menu.actions() == [] and not menu.isEnabled()
    assert source_label("demo:iris") == "demo:iris" and source_label(None) == "no data"


def test_make_table_view(qtbot: QtBot) -> None:
    model = DataFrameModel.from_records([{"a": 1, "b": "x"}])
    view = make_table_view(model)
    qtbot.addWidget(view)
    assert view.model() is model and not view.verticalHeader().isVisible()
    header = view.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.ResizeToContents
    assert header.stretchLastSection()
    preview = make_table_view(model, row_numbers=True, resize=ResizeMode.Interactive,
                              row_height=22, alternating=True, stretch_last=False)
    qtbot.addWidget(preview)
    preview.show()
    assert preview.verticalHeader().isVisible() and preview.alternatingRowColors()
    assert preview.verticalHeader().defaultSectionSize() == 22
    assert preview.horizontalHeader().sectionResizeMode(0) == ResizeMode.Interactive
    assert not preview.horizontalHeader().stretchLastSection()


def test_load_form_round_trips_group_rules_and_duplicates(qtbot: QtBot,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "p.fa"
    seqs = ["ACGTACGTA", "ACGTACGTC", "ACGTACGTG", "ACGTACGTT", "TTGTACGTA", "CCGTACGTA"]
    path.write_text("".join(f">P{i % 2}|r{i}|{'ab'[i % 2]} sample=P{i % 2}\n{s}\n"
                            for i, s in enumerate(seqs)))
    form = _shown(qtbot, LoadOptionsForm())
    for options in (LoadOptions(group_by="field:2", drop_duplicates=True),
                    LoadOptions(group_by=r"regex:sample=(\w+)"),
                    LoadOptions(group_by="identity")):
        ds = load_dataset(str(path), options)
        with qtbot.assertNotEmitted(form.changed):
            form.show_options(options, ds, "fasta", str(path))
        assert form.options() == options
    rows = form.group_rows()
    assert rows[form.group_combo] and not rows[form.group_pattern_edit]
    form.group_combo.setCurrentIndex(form.group_combo.findText(
        "header pattern (regular expression)"))
    assert form.group_rows()[form.group_pattern_edit]
    assert form.options().group_by is None  # nothing typed yet: no groups
    form.group_pattern_edit.setFocus()
    qtbot.keyClicks(form.group_pattern_edit, "^(P\\d)")
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(form.group_pattern_edit, Qt.Key.Key_Return)
    assert form.options().group_by == r"regex:^(P\d)"
