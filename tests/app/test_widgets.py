"""Reusable widgets: the live plot, plot export, the table models and the message bar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from app.plots.export import export_plot, plot_csv_text
from app.widgets.live_plot import LivePlot, sticky_range
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.table_model import DataFrameModel, ThumbnailModel, image_to_qimage
from core.errors import ExportError


@pytest.fixture
def plot(qtbot: QtBot) -> Iterator[LivePlot]:
    plot = LivePlot("epoch", "loss", empty_text="nothing yet")
    plot.add_curve("train", "training", "#1f77b4")
    plot.add_curve("val", "validation", "#ff7f0e")
    panel = PlotPanel(plot, "Loss")
    qtbot.addWidget(panel)
    panel.resize(500, 350)
    panel.show()
    yield plot  # the fixture's frame keeps the panel (the plot's parent) alive


def test_points_are_buffered_and_drawn_by_one_timer_tick(qtbot: QtBot, plot: LivePlot) -> None:
    for epoch in range(1, 101):
        plot.append("train", epoch, 1.0 / epoch)
    assert plot.redraw_pending  # 100 points, one pending redraw
    assert plot.curve("train").getOriginalDataset()[0] is None  # nothing drawn yet
    qtbot.waitUntil(lambda: not plot.redraw_pending, timeout=1000)
    x, y = plot.curve("train").getOriginalDataset()
    assert len(x) == 100 and y[-1] == pytest.approx(0.01)
    assert plot.data("train")[0].tolist() == list(range(1, 101))
    assert plot.curve("train").opts["autoDownsample"] and plot.curve("train").opts["clipToView"]
    plot.clear_data()
    assert plot.data("train")[0].size == 0


def test_sticky_range_moves_only_when_the_data_leave_it_or_shrink_to_under_half() -> None:
    assert sticky_range((0.0, 10.0), 2.0, 9.0) is None
    assert sticky_range((0.0, 10.0), 2.0, 5.0) == pytest.approx((1.76, 5.24))  # 30 % full
    # a falling curve went below: room to fall further on that side only
    assert sticky_range((0.0, 10.0), -1.0, 9.0) == pytest.approx((-4.0, 9.8))
    assert sticky_range((0.0, 0.0), 3.0, 3.0) == pytest.approx((2.7, 3.3))  # no spread
    # an accuracy rising past the top never shows more than 1 (but for the margin)
    assert sticky_range((0.5, 0.8), 0.5, 0.9, limits=(0.0, 1.0)) == pytest.approx(
        (0.468, 1.02))
    assert sticky_range((0.5, 1.0), 0.05, 0.9, limits=(0.0, None))[0] == pytest.approx(-0.068)


def test_during_a_run_the_plot_fits_y_itself_until_the_user_pans(qtbot: QtBot,
                                                                 plot: LivePlot) -> None:
    plot.set_x_span(0, 10)
    vb = plot.getPlotItem().getViewBox()
    plot.append("train", 1, 2.0)
    plot.append("train", 2, 1.0)
    plot.redraw()
    lo, hi = vb.viewRange()[1]
    assert lo < 1.0 and hi > 2.0 and not vb.autoRangeEnabled()[1]
    plot.append("train", 3, 1.5)  # inside: the axes stay as they are
    plot.redraw()
    assert vb.viewRange()[1] == [lo, hi]
    plot.append("train", 4, 0.2)  # below: the range grows to hold it
    plot.redraw()
    assert vb.viewRange()[1][0] < 0.2 and vb.viewRange()[0] == pytest.approx([-0.2, 10.2])
    vb.sigRangeChangedManually.emit([False, True])  # the user zoomed: hands off
    vb.setYRange(5, 6, padding=0)
    plot.append("train", 5, -3.0)
    plot.redraw()
    assert vb.viewRange()[1] == pytest.approx([5, 6])


def test_live_views_take_turns_one_per_tick(qtbot: QtBot) -> None:
    import time

    from app.widgets.pacer import Pacer

    class View:
        def __init__(self, name: str, log: list[str]) -> None:
            self.name, self.log = name, log

        def redraw(self) -> None:
            self.log.append(self.name)

    pacer = Pacer(tick_ms=5)
    log: list[str] = []
    a, b, c = View("a", log), View("b", log), View("c", log)
    pacer.request(a.redraw)
    pacer.request(b.redraw, due=time.monotonic() + 0.15)  # not before its own time
    pacer.request(c.redraw)
    pacer.request(a.redraw)  # already waiting: one redraw, not two
    assert pacer.pending(a) and pacer.pending(b)
    pacer._tick()
    assert log == ["a"]  # one per tick, oldest first
    pacer.cancel(c)
    del b  # a view that went away is dropped
    qtbot.waitUntil(lambda: not pacer._waiting, timeout=2000)
    assert log == ["a"]
    pacer.request(c.redraw)
    qtbot.waitUntil(lambda: log == ["a", "c"], timeout=2000)


def test_empty_text_shows_until_the_first_point(qtbot: QtBot, plot: LivePlot) -> None:
    assert plot._empty.isVisibleTo(plot)
    plot.append("val", 1, 0.5)
    plot.redraw()
    assert not plot._empty.isVisibleTo(plot)


def test_hover_finds_the_exact_value_of_the_nearest_point(qtbot: QtBot, plot: LivePlot) -> None:
    plot.set_data("train", np.array([1.0, 2.0, 3.0]), np.array([0.9, 0.5, 0.25]))
    plot.set_data("val", np.array([1.0, 2.0, 3.0]), np.array([1.5, 1.4, 1.3]))
    plot.redraw()
    plot.getPlotItem().getViewBox().autoRange(padding=0.1)
    vb = plot.getPlotItem().getViewBox()
    scene_pos = vb.mapViewToScene(QPointF(2.0, 0.5)) + QPointF(2, 1)
    name, x, y, _ = plot.nearest_point(scene_pos)
    assert (name, x, y) == ("training", 2.0, 0.5)
    plot._on_mouse_moved(scene_pos)
    assert "training" in plot.hover_text and "epoch 2: 0.5" in plot.hover_text
    far = vb.mapViewToScene(QPointF(1.5, 1.1))
    assert plot.nearest_point(far) is None
    plot._on_mouse_moved(far)
    assert plot.hover_text == ""


def test_export_png_svg_and_csv(qtbot: QtBot, plot: LivePlot, tmp_path: Path) -> None:
    plot.set_data("train", np.array([1.0, 2.0, 3.0]), np.array([0.9, 0.5, 0.25]))
    plot.set_data("val", np.array([1.0, 2.0]), np.array([1.5, 1.4]))
    plot.redraw()
    png = export_plot(plot, tmp_path / "loss.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = export_plot(plot, tmp_path / "loss.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    frame = pd.read_csv(export_plot(plot, tmp_path / "loss.csv"))
    assert list(frame.columns) == ["training x", "training y", "validation x", "validation y"]
    assert frame["training y"].tolist() == [0.9, 0.5, 0.25]
    assert frame["validation y"].isna().tolist() == [False, False, True]
    with pytest.raises(ExportError, match=".pdf"):
        export_plot(plot, tmp_path / "loss.pdf")
    assert not list(tmp_path.glob("*.part"))


def test_bar_charts_export_their_bars(qtbot: QtBot) -> None:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.addItem(pg.BarGraphItem(x=[0, 1], height=[3, 5], width=0.8, name="samples"))
    assert plot_csv_text(widget).splitlines() == ["samples x,samples y", "0,3", "1,5"]
    empty = pg.PlotWidget()
    qtbot.addWidget(empty)
    with pytest.raises(ExportError, match="no data"):
        plot_csv_text(empty)


def test_plot_panel_puts_export_in_the_context_menu_and_a_button(qtbot: QtBot,
                                                                 plot: LivePlot) -> None:
    panel = plot.parent()
    assert isinstance(panel, PlotPanel)
    labels = [a.text() for a in plot.scene().contextMenu]
    assert labels == ["Export as PNG image\u2026", "Export as SVG drawing\u2026",
                      "Export data as CSV\u2026"]
    assert [a.text() for a in panel.export_button.menu().actions()] == labels
    panel.set_title("Accuracy")
    assert panel.title == "Accuracy" and "Accuracy" in panel.title_label.text()


def test_dataframe_model_elides_long_text_and_aligns_numbers() -> None:
    frame = pd.DataFrame({"id": ["a", "b"], "sequence": ["ACGT" * 50, "AC"],
                          "value": [1.5, np.nan]})
    model = DataFrameModel(frame, max_chars=20)
    assert (model.rowCount(), model.columnCount()) == (2, 3)
    cell = model.index(0, 1)
    assert len(model.data(cell)) == 20 and model.data(cell).endswith("\u2026")
    assert model.data(cell, Qt.ItemDataRole.ToolTipRole) == "ACGT" * 50
    assert model.data(model.index(1, 2)) == ""
    assert model.data(model.index(0, 2), Qt.ItemDataRole.TextAlignmentRole) is not None
    assert model.headerData(2, Qt.Orientation.Horizontal) == "value"
    assert model.headerData(0, Qt.Orientation.Vertical) == "1"


def test_thumbnails_are_made_on_demand() -> None:
    images = np.random.default_rng(0).random((3, 3, 8, 6)).astype(np.float32)
    model = ThumbnailModel(images, ["a", "b", "c"], size=32)
    assert model.rowCount() == 3 and model.data(model.index(2)) == "c"
    assert not model._cache
    picture = model.data(model.index(1), Qt.ItemDataRole.DecorationRole)
    assert picture.width() <= 32 and picture.height() == 32
    gray = image_to_qimage(np.ones((1, 4, 5), np.float32))
    assert (gray.width(), gray.height()) == (5, 4) and gray.pixelColor(0, 0).value() == 255


def test_message_bar_levels(qtbot: QtBot) -> None:
    bar = MessageBar()
    qtbot.addWidget(bar)
    assert bar.isHidden()
    bar.show_error("reads.fa line 3: '!' is not a nucleotide")
    assert not bar.isHidden() and bar.level == "error" and "line 3" in bar.text
    with qtbot.waitSignal(bar.closed):
        bar.clear()
    assert bar.isHidden()
    with pytest.raises(ValueError):
        bar.show_message("x", "fatal")
