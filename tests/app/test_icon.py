"""The application icon and the Linux desktop files that name it (packaging/)."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.icon import ICON_SIZES, app_icon, icon_pixmap, icon_svg

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = "org.mendel.Mendel"


def test_the_icon_draws_at_every_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    for size in (16, 32, 48, 256):
        pixmap = icon.pixmap(size, size)
        assert not pixmap.isNull()
        assert pixmap.width() == size
        image = pixmap.toImage()
        centre = image.pixelColor(size // 2, size // 2)
        assert centre.alpha() == 255  # drawn, not an empty transparent square
        assert image.pixelColor(0, 0).alpha() < 255  # the tile's rounded corner
    assert {s.width() for s in icon.availableSizes()} == set(ICON_SIZES)
    assert icon_pixmap(512).width() == 512


def test_the_window_and_the_about_box_show_it(window: object,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert not window.windowIcon().isNull()  # type: ignore[attr-defined]
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    window.show_about()  # type: ignore[attr-defined]
    assert len(shown) == 1
    assert shown[0].iconPixmap().width() == 64
    assert "Mendel" in shown[0].text()


def test_the_program_loads_the_same_svg_the_packaging_ships() -> None:
    """app/resources/mendel.svg is a copy made by packaging/make_icons.py."""
    assert icon_svg() == (PACKAGING / "icons" / "mendel.svg").read_bytes()
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (PACKAGING / "icons" / f"mendel-{size}.png").stat().st_size > 0
    assert (PACKAGING / "icons" / "mendel.ico").stat().st_size > 0


def test_the_desktop_entry_has_the_required_keys() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(PACKAGING / "linux" / f"{APP_ID}.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    for key in ("Type", "Name", "Comment", "Exec", "Icon", "Categories", "Terminal"):
        assert desktop.get(key), key
    assert desktop["Type"] == "Application"
    assert desktop["Icon"] == APP_ID
    assert desktop["Exec"].split()[0] == "mendel"
    assert desktop["Categories"].endswith(";")


def test_the_metainfo_names_the_desktop_entry_and_the_icon() -> None:
    root = ET.parse(PACKAGING / "linux" / f"{APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == f"{APP_ID}.desktop"
    assert root.findtext("icon") == APP_ID
    assert root.findtext("name") == "Mendel"
    assert root.findtext("metadata_license")
    from core import __version__

    assert root.find("releases/release").get("version") == __version__


@pytest.mark.parametrize("name", ["mendel.spec", "launcher.py", "README.md"])
def test_the_packaging_files_exist(name: str) -> None:
    assert (PACKAGING / name).is_file()
