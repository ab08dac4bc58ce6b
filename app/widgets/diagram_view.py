"""What the network and tree diagrams share: a pannable white QGraphicsView, and the
scene rendered to PNG or SVG bytes (written atomically by the callers' exports)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

ANTIALIASING = QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing


class DiagramView(QGraphicsView):
    """A view on its own scene: antialiased, white, dragged to pan, zoomed at the mouse."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(ANTIALIASING)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QColor("white"))
        self.setAccessibleName(accessible_name)


def scene_png_bytes(scene: QGraphicsScene, source: QRectF, scale: float = 2.0) -> bytes:
    """``source`` (scene coordinates) as a PNG on white, ``scale`` pixels per unit."""
    size = QSize(max(1, int(source.width() * scale)), max(1, int(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHints(ANTIALIASING)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source)
    painter.end()
    return _buffered(lambda buffer: image.save(buffer, "PNG"))


def scene_svg_bytes(scene: QGraphicsScene, source: QRectF, title: str) -> bytes:
    """``source`` (scene coordinates) as an SVG drawing on white."""

    def write(buffer: QBuffer) -> None:
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(title)
        generator.setDescription("Drawn by Mendel")
        painter = QPainter(generator)
        target = QRectF(0, 0, source.width(), source.height())
        painter.fillRect(target, QColor("white"))
        scene.render(painter, target, source)
        painter.end()

    return _buffered(write)


def _buffered(write: Callable[[QBuffer], object]) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    write(buffer)
    buffer.close()
    return bytes(data.data())
