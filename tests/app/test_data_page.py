"""The Data page reads real files with the real core loaders, on its worker thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.data_page import DataPage
from app.state import AppState
from core.data.load import LoadOptions, load_dataset

LOAD_TIMEOUT_MS = 30_000


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[DataPage]:
    page = DataPage(AppState())
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    yield page
    page.shutdown()


def _load(qtbot: QtBot, page: DataPage, source: str, ok: bool = True) -> None:
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        page.load_source(source)
    assert blocker.args == [ok], page.message_bar.text


def _wait_summary(qtbot: QtBot, page: DataPage) -> dict:
    qtbot.waitUntil(lambda: page.state.summary is not None, timeout=LOAD_TIMEOUT_MS)
    return page.state.summary


@pytest.fixture
def fasta(tmp_path: Path) -> Path:
    """40 records of the motif demo, labels in the headers ('>id|label')."""
    ds = load_dataset("demo:motif", LoadOptions(demo_size=40))
    path = tmp_path / "motif.fa"
    path.write_text("".join(f">{i}|{ds.class_names[t]}\n{s}\n"
                            for i, s, t in zip(ds.ids, ds.records, ds.targets, strict=True)))
    return path


def test_empty_page_invites_to_open_data(page: DataPage) -> None:
    assert page.preview.currentWidget() is page.preview.empty_label
    assert "demo" in page.preview.empty_label.text()
    assert not page.split_form.isVisibleTo(page)


def test_demo_combo_loads_a_demo(qtbot: QtBot, page: DataPage) -> None:
    index = page.demo_combo.findData("iris")
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        page.demo_combo.activated.emit(index)
    ds = page.state.dataset
    assert ds.name == "iris" and page.state.source == "demo:iris"
    assert page.preview.table_model.rowCount() == 150
    assert page.preview.table_model.frame.columns[0] == "id"
    form = page.load_form
    assert form.demo_box.isVisibleTo(page) and not form.fasta_box.isVisibleTo(page)
    heights = page.charts.balance_chart.bars.opts["width"]
    assert heights.tolist() == [50, 50, 50]
    assert not page.charts.lengths_panel.isVisibleTo(page)
    assert _wait_summary(qtbot, page)["input_shape"] == [4]


def test_fasta_preview_lengths_and_encoding(qtbot: QtBot, page: DataPage,
                                            fasta: Path) -> None:
    _load(qtbot, page, str(fasta))
    ds = page.state.dataset
    assert ds.modality == "sequence" and len(ds) == 40
    frame = page.preview.table_model.frame
    assert list(frame.columns) == ["id", "length", "sequence", "label"]
    assert frame["sequence"].iloc[0] == ds.records[0]
    assert page.load_form.fasta_box.isVisibleTo(page) and page.encoding_form.isVisibleTo(page)
    assert page.charts.lengths_panel.isVisibleTo(page)
    assert page.charts.lengths_chart.bars.opts["height"].sum() == 40
    assert page.state.recent_sources == [str(fasta)]
    assert _wait_summary(qtbot, page)["input_shape"] == [60, 4]
    encoding = page.encoding_form
    encoding.encoding_combo.setCurrentIndex(encoding.encoding_combo.findData("kmer"))
    encoding.k_spin.setValue(2)
    encoding.k_spin.editingFinished.emit()
    assert page.state.encoding.encoding == "kmer" and page.state.encoding.k == 2
    qtbot.waitUntil(lambda: page.state.input_shape == (16,), timeout=LOAD_TIMEOUT_MS)
    assert "4096" not in page.facts.facts_label.text()


def test_table_options_reload_on_a_worker(qtbot: QtBot, page: DataPage,
                                          tmp_path: Path) -> None:
    path = tmp_path / "plants.csv"
    rng = np.random.default_rng(0)
    rows = ["height,width,colour,site,species"]
    for i in range(60):
        height = "" if i == 3 else f"{rng.normal(10, 2):.2f}"
        rows.append(f"{height},{rng.normal(5, 1):.2f},{'red' if i % 2 else 'blue'},"
                    f"s{i % 6},{'A' if i % 3 else 'B'}")
    path.write_text("\n".join(rows) + "\n")
    _load(qtbot, page, str(path))
    form = page.load_form
    assert form.table_box.isVisibleTo(page)
    assert form.target_combo.currentText().endswith("species")
    assert page.state.dataset.info["target_column"] == "species"
    assert len(page.state.dataset) == 60
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        form.missing_combo.setCurrentIndex(form.missing_combo.findData("drop"))
    assert page.state.load_options.missing == "drop" and len(page.state.dataset) == 59
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        form.target_combo.setCurrentIndex(form.target_combo.findData("width"))
    assert page.state.dataset.task == "regression"
    assert page.charts.balance_panel.title == "Target values"
    site = form.group_combo.findData("site")
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        form.group_combo.setCurrentIndex(site)
    ds, split = page.state.dataset, page.state.split
    train_sites = set(ds.groups[split.train])
    assert not train_sites & set(ds.groups[split.test])  # a site never spans two splits


def test_unchecking_a_feature_column_reloads_without_it(qtbot: QtBot, page: DataPage,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,label\n" + "".join(f"{i},{i % 3},{i % 5},{i % 2}\n"
                                              for i in range(30)))
    _load(qtbot, page, str(path))
    features = page.load_form.features_list
    items = {features.item(i).text(): features.item(i) for i in range(features.count())}
    assert set(items) == {"a", "b", "c"}
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        items["b"].setCheckState(Qt.CheckState.Unchecked)
    assert page.state.load_options.features == ["a", "c"]
    assert list(page.state.dataset.records.columns) == ["a", "c"]
    assert features.count() == 3  # b can be ticked again


def test_a_pixel_table_can_be_read_as_images(qtbot: QtBot, page: DataPage,
                                             tmp_path: Path) -> None:
    path = tmp_path / "pixels.csv"
    header = ",".join(f"p{i}" for i in range(12)) + ",label\n"
    path.write_text(header + "".join(",".join(str((i * j) % 7) for j in range(12))
                                     + f",{i % 2}\n" for i in range(20)))
    _load(qtbot, page, str(path))
    assert page.state.dataset.modality == "tabular"
    shape_edit = page.load_form.image_shape_edit
    shape_edit.setText("3 x 5")  # 15 pixels, but the rows hold 12
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        shape_edit.editingFinished.emit()
    assert blocker.args == [False] and "3x5" in page.message_bar.text
    assert page.state.dataset.modality == "tabular" and shape_edit.text() == ""
    shape_edit.setText("3x4")
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        shape_edit.editingFinished.emit()
    assert page.state.dataset.modality == "image"
    assert page.state.dataset.records.shape == (20, 1, 3, 4)
    assert page.preview.currentWidget() is page.preview.thumbnail_view
    shape_edit.setText("three by four")
    shape_edit.editingFinished.emit()
    assert "height x width" in page.message_bar.text


def test_a_bad_file_shows_the_reason_and_keeps_the_old_dataset(
        qtbot: QtBot, page: DataPage, tmp_path: Path) -> None:
    _load(qtbot, page, "demo:iris")
    bad = tmp_path / "broken.csv"
    bad.write_text("a,b,label\n1,2,x\n3,4\n")
    _load(qtbot, page, str(bad), ok=False)
    assert page.message_bar.isVisibleTo(page) and page.message_bar.level == "error"
    assert "broken.csv" in page.message_bar.text and "row 3" in page.message_bar.text
    assert "still using demo:iris" in page.message_bar.text
    assert page.state.dataset.name == "iris" and page.state.source == "demo:iris"
    _load(qtbot, page, str(tmp_path / "missing.fa"), ok=False)
    assert "no such file" in page.message_bar.text
    _load(qtbot, page, "demo:xor")
    assert not page.message_bar.isVisibleTo(page)


def test_split_fractions_and_seed(qtbot: QtBot, page: DataPage) -> None:
    _load(qtbot, page, "demo:iris")
    form = page.split_form
    form.val_spin.setValue(0.3)
    form.val_spin.editingFinished.emit()
    assert page.state.split_options.val_fraction == 0.3
    assert len(page.state.split.val) == 45
    assert "validation 45" in form.sizes_label.text()
    before = page.state.split.test.copy()
    form.seed_spin.setValue(5)
    form.seed_spin.editingFinished.emit()
    assert not np.array_equal(before, page.state.split.test)
    form.test_spin.setValue(0.7)  # with 0.3 validation: no training data left
    form.test_spin.editingFinished.emit()
    assert page.message_bar.level == "error" and "fractions" in page.message_bar.text
    assert page.state.split_options.test_fraction == 0.15
    assert form.test_spin.value() == 0.15  # the form shows the split really in use


def test_image_folder_shows_thumbnails(qtbot: QtBot, page: DataPage, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    for cls in ("cats", "dogs"):
        (tmp_path / "pets" / cls).mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 255, (12, 10, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "pets" / cls / f"{i}.png")
    _load(qtbot, page, str(tmp_path / "pets"))
    assert page.preview.currentWidget() is page.preview.thumbnail_view
    assert page.preview.thumbnail_model.rowCount() == 6
    index = page.preview.thumbnail_model.index(0)
    assert page.preview.thumbnail_model.data(index) == "cats"
    assert not page.preview.thumbnail_model.data(index, Qt.ItemDataRole.DecorationRole).isNull()
    assert page.load_form.image_box.isVisibleTo(page)
    with qtbot.waitSignal(page.load_finished, timeout=LOAD_TIMEOUT_MS):
        page.load_form.gray_combo.setCurrentIndex(page.load_form.gray_combo.findData(True))
    assert page.state.dataset.records.shape[1] == 1


def test_a_dropped_page_is_collected_cleanly(qtbot: QtBot) -> None:
    """No child keeps a method of the page: a reference cycle through a child widget made
    Python's cycle collector free the page's Qt objects in the wrong order (a crash)."""
    import gc

    page = DataPage(AppState())
    page.show()
    qtbot.wait(10)
    page.shutdown()
    del page
    gc.collect()
    qtbot.wait(10)
