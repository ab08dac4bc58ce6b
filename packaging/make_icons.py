"""Render Mendel's icon from packaging/icons/mendel.svg into everything that ships it.

    .venv/bin/python packaging/make_icons.py

writes packaging/icons/mendel-<N>.png for every size in SIZES (Linux hicolor theme,
AppStream), packaging/icons/mendel.ico (Windows: 16-256 in one file, made with Pillow) and
app/resources/mendel.svg (the copy the running program loads, see app/icon.py). The
outputs are committed; run this again only after editing the SVG.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "packaging" / "icons" / "mendel.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # the .ico format stops at 256
APP_COPY = ROOT / "app" / "resources" / "mendel.svg"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(QByteArray(SVG.read_bytes()))
    if not renderer.isValid():
        print(f"error: {SVG} is not a valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        out = SVG.with_name(f"mendel-{size}.png")
        out.write_bytes(png_bytes(render(renderer, size)))
        print(out.relative_to(ROOT))
    # Pillow resizes for each .ico entry; drawing each size from the SVG is sharper.
    frames = [Image.open(io.BytesIO(png_bytes(render(renderer, s)))) for s in ICO_SIZES]
    ico = SVG.with_name("mendel.ico")
    frames[-1].save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                    append_images=frames[:-1])
    print(ico.relative_to(ROOT))
    APP_COPY.parent.mkdir(exist_ok=True)
    shutil.copyfile(SVG, APP_COPY)
    print(APP_COPY.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
