"""A push button with a keyboard shortcut that works anywhere on its page.

The key is named in the button's tooltip and returned for Help ▸ Keyboard shortcuts, so
the shortcut a user reads is the one that is installed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget


def shortcut_button(page: QWidget, text: str, key: str, tip: str,
                    slot: Any) -> tuple[QPushButton, str]:
    """(the button, the key as the platform writes it); the shortcut clicks the button
    (so a disabled button ignores it)."""
    button = QPushButton(text)
    native = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
    button.setToolTip(f"{tip} ({native})")
    button.clicked.connect(slot)
    shortcut = QShortcut(QKeySequence(key), page)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(button.animateClick)
    return button, native
