"""Mendel's icon, for the window, the task bar and the About box.

The SVG is package data (``app/resources/mendel.svg``, a copy of
``packaging/icons/mendel.svg`` made by ``packaging/make_icons.py``), read through
``importlib.resources`` so that it is found from the sources, from an installed wheel and
from the PyInstaller bundle alike. It is drawn with ``QSvgRenderer`` into one pixmap per
size rather than handed to ``QIcon`` as a file name: that needs Qt's SVG icon-engine
plugin, which a trimmed bundle may not carry, and a missing plugin gives a silently empty
icon.
"""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_RESOURCE = "resources/mendel.svg"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what window managers and docks ask for


def icon_svg() -> bytes:
    """The icon's SVG text."""
    return files("app").joinpath(ICON_RESOURCE).read_bytes()


def icon_pixmap(size: int) -> QPixmap:
    """The icon drawn at ``size`` x ``size`` pixels (needs a QGuiApplication)."""
    renderer = QSvgRenderer(QByteArray(icon_svg()))
    return _render(renderer, size)


def app_icon() -> QIcon:
    """The application icon at every size in ``ICON_SIZES``; larger requests scale the
    largest (needs a QGuiApplication; about 5 ms). Not cached: a QPixmap that outlives
    the QGuiApplication is unsafe to destroy."""
    renderer = QSvgRenderer(QByteArray(icon_svg()))
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(_render(renderer, size))
    return icon


def _render(renderer: QSvgRenderer, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return pixmap
