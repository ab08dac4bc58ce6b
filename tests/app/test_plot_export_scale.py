"""A PNG export is the plot at twice its on-screen size, legend included, and leaves the
plot on screen as it was."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
import pytest
from PIL import Image
from PySide6.QtCore import QRectF
from pytestqt.qtbot import QtBot

from app.plots.export import MIN_PNG_WIDTH, plot_png_bytes
from app.widgets.live_plot import LivePlot


@pytest.fixture
def plot(qtbot: QtBot) -> Iterator[LivePlot]:
    plot = LivePlot("epoch", "loss")
    qtbot.addWidget(plot)
    plot.add_curve("train", "training loss", "#1f77b4")
    plot.add_curve("val", "validation loss", "#ff7f0e")
    for epoch in range(1, 11):
        plot.append("train", epoch, 1.0 / epoch)
        plot.append("val", epoch, 1.2 / epoch + 0.1)
    plot.redraw()
    plot.resize(500, 350)
    plot.show()
    qtbot.waitExposed(plot)
    yield plot


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _ink_box(pixels: np.ndarray, rect: QRectF, scale: float) -> tuple[int, int]:
    """Width and height of what is drawn (text and sample lines) inside ``rect`` (scene
    coordinates) of a picture drawn at ``scale``."""
    crop = pixels[int(rect.top() * scale): int(rect.bottom() * scale) + 1,
                  int(rect.left() * scale): int(rect.right() * scale) + 1]
    rows, cols = np.nonzero(crop.min(axis=2) < 160)
    assert len(rows), "nothing drawn where the legend is"
    return int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1)


def test_the_legend_scales_with_the_picture(plot: LivePlot) -> None:
    legend = plot.getPlotItem().legend
    rect = legend.sceneBoundingRect()
    width_1x, height_1x = _ink_box(_pixels(plot_png_bytes(plot, scale=1.0)), rect, 1.0)
    pixels = _pixels(plot_png_bytes(plot, scale=2.0))
    assert pixels.shape[:2] == (2 * plot.height(), 2 * plot.width())
    width_2x, height_2x = _ink_box(pixels, rect, 2.0)
    assert height_1x > 15  # both labels' text block was measured
    assert 1.8 < height_2x / height_1x < 2.2
    assert 1.8 < width_2x / width_1x < 2.2


def test_export_leaves_the_plot_on_screen_as_it_was(plot: LivePlot) -> None:
    legend = plot.getPlotItem().legend
    before = (legend.pos(), legend.transform(), legend.flags(), legend.opts["offset"],
              legend.sceneBoundingRect(), [label.opts["size"] for _, label in legend.items])
    screen = plot.grab().toImage()
    plot_png_bytes(plot)
    after = (legend.pos(), legend.transform(), legend.flags(), legend.opts["offset"],
             legend.sceneBoundingRect(), [label.opts["size"] for _, label in legend.items])
    assert after == before
    assert plot.grab().toImage() == screen


def test_a_small_plot_is_exported_at_least_the_minimum_width(qtbot: QtBot) -> None:
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.plot([1, 2, 3], [3, 1, 2])
    plot.resize(100, 80)
    plot.show()
    qtbot.waitExposed(plot)
    height, width = _pixels(plot_png_bytes(plot)).shape[:2]
    assert width == MIN_PNG_WIDTH
    assert height == round(plot.height() * MIN_PNG_WIDTH / plot.width())

