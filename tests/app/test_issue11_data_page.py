"""Issue 11 on the Data page: what the window shows is what the data holds and what the
app does, and every piece of advice it gives can be followed right there.

Each test opens a file a biologist would have, with the real loaders on the page's worker
thread, and drives the page as a user would (clicks, choices in lists, typed text).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.data_page import DataPage
from tests.app import test_data_page as data_page_tests

# The Data page in a window (a fixture), and a load that checks it succeeded: the same as
# the Data page's own tests use.
page = data_page_tests.page
_load = data_page_tests._load
LOAD_TIMEOUT_MS = data_page_tests.LOAD_TIMEOUT_MS

BASES = "ACGU"


def _summary(qtbot: QtBot, page: DataPage) -> dict:
    qtbot.waitUntil(lambda: page.state.summary is not None, timeout=LOAD_TIMEOUT_MS)
    return page.state.summary


def _warnings(page: DataPage) -> list[str]:
    items = page.facts.warnings_list
    return [items.item(i).text() for i in range(items.count())]


def _choose(qtbot: QtBot, page: DataPage, combo, data=None, text=None,  # noqa: ANN001
            reloads: bool = True) -> None:
    """Pick an entry of ``combo`` by its data or its text, as a click in its list would."""
    index = combo.findData(data) if text is None else combo.findText(text)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    if reloads:
        with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
            combo.setCurrentIndex(index)
        assert blocker.args == [True], page.message_bar.text
    else:
        combo.setCurrentIndex(index)


def _rna_with_duplicates(path: Path) -> Path:
    """40 riboswitch / other RNAs from patients P0..P4, then copies of the first six
    (one copy labelled the other way), as a FASTA exported from a lab database."""
    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list(BASES), 30)) for _ in range(40)]
    labels = ["riboswitch" if i % 2 else "other" for i in range(40)]
    lines = [f">P{i % 5}|rna{i}|{labels[i]}\n{s}\n" for i, s in enumerate(seqs)]
    for i in range(6):
        label = labels[i] if i else ("other" if labels[0] == "riboswitch" else "riboswitch")
        lines.append(f">P{i % 5}|copy{i}|{label}\n{seqs[i]}\n")
    path.write_text("".join(lines))
    return path


# --- 1. RNA is shown as RNA ---------------------------------------------------------------


def test_rna_is_previewed_with_u(qtbot: QtBot, page: DataPage, tmp_path: Path) -> None:
    _load(qtbot, page, str(_rna_with_duplicates(tmp_path / "rna.fa")))
    assert page.state.dataset.alphabet == "RNA"
    column = list(page.preview.table_model.frame.columns).index("sequence")
    model = page.preview.table_model
    shown = [model.data(model.index(r, column)) for r in range(model.rowCount())]
    assert all("U" in s and "T" not in s for s in shown)
    assert "Alphabet</td><td>RNA" in page.facts.facts_label.text()


# --- 2a. duplicates: remove them, or keep identical / related sequences together ------------


def test_remove_duplicates_beside_the_warning(qtbot: QtBot, page: DataPage,
                                             tmp_path: Path) -> None:
    _load(qtbot, page, str(_rna_with_duplicates(tmp_path / "rna.fa")))
    button = page.facts.remove_duplicates_button
    qtbot.waitUntil(button.isVisible, timeout=LOAD_TIMEOUT_MS)
    assert _summary(qtbot, page)["duplicates"] == 6 and "6" in button.text()
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert len(page.state.dataset) == 40 and page.state.load_options.drop_duplicates
    assert page.load_form.drop_duplicates_box.isChecked()  # the split box shows it is on
    assert page.load_form.drop_duplicates_box.isVisibleTo(page)
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=LOAD_TIMEOUT_MS)
    note = next(w for w in _warnings(page) if "duplicate sequences removed" in w)
    assert "6 exact duplicate sequences removed" in note
    assert "1 of them had another label than the copy kept (P0|copy0: " in note
    assert not any("leakage" in w for w in _warnings(page))
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):  # and back
        qtbot.mouseClick(page.load_form.drop_duplicates_box, Qt.MouseButton.LeftButton)
    assert len(page.state.dataset) == 46


def test_sequences_grouped_by_identity_or_header_field(qtbot: QtBot, page: DataPage,
                                                      tmp_path: Path) -> None:
    _load(qtbot, page, str(_rna_with_duplicates(tmp_path / "rna.fa")))
    combo = page.load_form.group_combo
    assert combo.isVisibleTo(page)  # the split box's group row, for a FASTA too
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts[:4] == ["(none)", "identical sequences", "header field 1 (e.g. P0)",
                         "header field 2 (e.g. rna0)"]
    assert not any("riboswitch" in t or "other" in t for t in texts)  # the label field
    _choose(qtbot, page, combo, text="identical sequences")
    ds, split = page.state.dataset, page.state.split
    assert page.state.load_options.group_by == "identity" and len(set(ds.groups)) == 40
    assert not set(ds.groups[split.train]) & set(ds.groups[split.test])
    summary = _summary(qtbot, page)
    assert not any("leakage" in w for w in summary["warnings"])
    _choose(qtbot, page, combo, text="header field 1 (e.g. P0)")
    ds, split = page.state.dataset, page.state.split
    assert page.state.load_options.group_by == "field:1"
    assert sorted(set(ds.groups)) == ["P0", "P1", "P2", "P3", "P4"]
    assert not set(ds.groups[split.train]) & set(ds.groups[split.test])


def test_sequences_grouped_by_a_typed_header_pattern(qtbot: QtBot, page: DataPage,
                                                    tmp_path: Path) -> None:
    _load(qtbot, page, str(_rna_with_duplicates(tmp_path / "rna.fa")))
    pattern = page.load_form.group_pattern_edit
    assert not pattern.isVisibleTo(page)
    _choose(qtbot, page, page.load_form.group_combo, data=None,
            text="header pattern (regular expression)", reloads=False)
    assert pattern.isVisibleTo(page) and page.state.load_options.group_by is None
    pattern.setFocus()
    qtbot.keyClicks(pattern, r"^(P\d)")
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        qtbot.keyClick(pattern, Qt.Key.Key_Return)
    assert page.state.load_options.group_by == r"regex:^(P\d)"
    assert sorted(set(page.state.dataset.groups)) == ["P0", "P1", "P2", "P3", "P4"]
    pattern.selectAll()
    qtbot.keyClicks(pattern, "(P")
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        qtbot.keyClick(pattern, Qt.Key.Key_Return)
    assert blocker.args == [False]
    assert "group pattern '(P' is not a valid regular expression" in page.message_bar.text


# --- 2b. an unreadable image: one clean line, and the way out is on the page ----------------


def _scans(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("healthy", "infected"):
        (root / cls).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, (16, 16), dtype=np.uint8)).save(
                root / cls / f"scan_0{i}.png")
    good = (root / "healthy" / "scan_00.png").read_bytes()
    (root / "infected" / "scan_07.png").write_bytes(good[: len(good) // 2])
    return root


def test_a_truncated_image_offers_to_skip_it(qtbot: QtBot, page: DataPage,
                                             tmp_path: Path) -> None:
    _load(qtbot, page, "demo:iris")
    scans = _scans(tmp_path / "scans")
    _load(qtbot, page, str(scans), ok=False)
    text = page.message_bar.text
    assert text.startswith("infected/scan_07.png: not a readable image (truncated file)")
    assert text.count("scan_07.png") == 1 and "Error" not in text and str(tmp_path) not in text
    assert "skip unreadable files" in text and "still using demo:iris" in text
    skip = page.load_form.skip_bad
    assert skip.isVisibleTo(page) and not skip.isChecked()
    assert not page.load_form.group_combo.isVisibleTo(page)  # iris's split box: not these
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(skip, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert page.state.source == str(scans) and len(page.state.dataset) == 8
    assert page.state.load_options.skip_bad_files
    assert any("skipped infected/scan_07.png" in w for w in _warnings(page))


def test_a_bad_image_folder_as_first_data_can_be_skipped(qtbot: QtBot, page: DataPage,
                                                         tmp_path: Path) -> None:
    scans = _scans(tmp_path / "scans")
    _load(qtbot, page, str(scans), ok=False)
    assert page.load_form.image_box.isVisibleTo(page)
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.load_form.skip_bad, Qt.MouseButton.LeftButton)
    assert blocker.args == [True] and len(page.state.dataset) == 8


# --- 2c. a pickle says why it is refused and what to give instead ---------------------------


def test_a_pickled_model_is_refused_with_gui_advice(qtbot: QtBot, page: DataPage,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    path.write_bytes(b"\x80\x04junk")
    _load(qtbot, page, str(path), ok=False)
    text = page.message_bar.text
    assert "--format" not in text and "refused for safety" in text
    assert "run folder" in text and "CSV" in text


# --- 2d. too few rows for the split -----------------------------------------------------------


def test_a_two_row_table_warns_that_validation_and_test_are_empty(
        qtbot: QtBot, page: DataPage, tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("x,y,label\n1,2,a\n3,4,b\n")
    _load(qtbot, page, str(path))
    assert "validation 0" in page.split_form.sizes_label.text()
    _summary(qtbot, page)
    assert "No warnings." not in _warnings(page)
    assert any("2 samples are too few for the validation and test fractions" in w
               for w in _warnings(page))


# --- 3. one split control, plausible columns only ----------------------------------------------


def test_one_split_control_offers_only_split_columns(qtbot: QtBot, page: DataPage,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "guides.csv"
    rows = ["guide,fold,cell_line,set,efficiency"]
    for i in range(30):
        guide = "".join("ACGT"[(i * 7 + k * k) % 4] for k in range(20))
        rows.append(f"{guide},{'test' if i % 5 == 0 else 'train'},HEK{i % 3},"
                    f"{['train', 'train', 'train', 'val', 'test'][i % 5]},"
                    f"{'high' if i % 2 else 'low'}")
    path.write_text("\n".join(rows) + "\n")
    _load(qtbot, page, str(path))
    assert not hasattr(page.load_form, "split_column_combo")  # one control, in the split box
    split_by = page.split_form.split_by
    assert split_by.isVisibleTo(page)
    offered = [split_by.itemData(i) for i in range(split_by.count())]
    assert offered == [None, "fold", "set"]  # never the target or the sequence column
    follow = "column 'set' holds a train/val/test assignment"
    assert any(follow in w for w in _warnings(page)) or any(
        follow in w for w in _summary(qtbot, page)["warnings"])
    _choose(qtbot, page, split_by, data="set", reloads=False)
    assert page.state.split_options.use_file_split
    assert page.state.split.sizes() == {"train": 18, "val": 6, "test": 6}
    assert not page.split_form.val_spin.isEnabled()
    qtbot.waitUntil(lambda: page.state.summary is not None, timeout=LOAD_TIMEOUT_MS)
    assert not any(follow in w for w in _warnings(page))
    assert not any(follow in w for w in page.state.summary["warnings"])
    _choose(qtbot, page, split_by, data="fold")  # another column: the file is read again
    assert page.state.load_options.split_column == "fold"
    assert page.state.split_options.use_file_split
    assert page.state.split.sizes() == {"train": 24, "val": 0, "test": 6}
    assert split_by.currentData() == "fold"
    _choose(qtbot, page, split_by, data=None, reloads=False)  # back to a random split
    assert not page.state.split_options.use_file_split and page.split_form.val_spin.isEnabled()
