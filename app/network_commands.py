"""Every edit of a network is a QUndoCommand on a ``NetworkDocument``.

The Network page never changes a ``NetworkSpec`` directly: palette clicks, drops, key
presses and the property editor all push one of these commands, so undo and redo cover
every edit and restore the spec exactly. Layers are addressed by *paths*: ``(2,)`` is the
third top-level layer, ``(2, 0)`` the first layer inside that residual block.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from core.nn.spec import LayerSpec, NetworkSpec

LayerPath = tuple[int, ...]

_ABSENT = object()  # a parameter that was not in the spec before an edit


def siblings(spec: NetworkSpec, parent: LayerPath) -> list[LayerSpec]:
    """The list that holds the children of ``parent`` (``()`` is the top level)."""
    layers = spec.layers
    for i in parent:
        inner = layers[i].layers
        if inner is None:
            raise IndexError(f"layer {i} at {parent} is not a block")
        layers = inner
    return layers


def layer_at(spec: NetworkSpec, path: LayerPath) -> LayerSpec:
    return siblings(spec, path[:-1])[path[-1]]


def has_path(spec: NetworkSpec, path: LayerPath | None) -> bool:
    if not path:
        return False
    try:
        layer_at(spec, path)
    except IndexError:
        return False
    return True


def path_after_removal(path: LayerPath, removed: LayerPath) -> LayerPath | None:
    """Where ``path`` (or an insertion point) lies once ``removed`` is taken out of the tree.

    Returns None when ``path`` is ``removed`` itself or lies inside it.
    """
    depth = len(removed) - 1
    if len(path) <= depth or path[:depth] != removed[:depth]:
        return path
    if path[depth] == removed[depth] and len(path) > depth + 1:
        return None  # inside the removed block
    if path[depth] > removed[depth]:
        return path[:depth] + (path[depth] - 1,) + path[depth + 1:]
    return path


class NetworkDocument(QObject):
    """The network being edited. ``changed`` carries the path to select afterwards."""

    changed = Signal(object)

    def __init__(self, spec: NetworkSpec | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spec = spec if spec is not None else NetworkSpec()

    def notify(self, select: LayerPath | None) -> None:
        self.changed.emit(select)


class _Command(QUndoCommand):
    def __init__(self, doc: NetworkDocument, text: str, select_before: LayerPath | None) -> None:
        super().__init__(text)
        self._doc = doc
        self._select_before = select_before


class InsertLayer(_Command):
    """Add a layer (palette, drop, duplicate) at ``path``; the new layer is selected."""

    def __init__(self, doc: NetworkDocument, path: LayerPath, layer: LayerSpec, text: str,
                 select_before: LayerPath | None = None) -> None:
        super().__init__(doc, text, select_before)
        self._path = path
        self._layer = layer.copy()

    def redo(self) -> None:
        siblings(self._doc.spec, self._path[:-1]).insert(self._path[-1], self._layer.copy())
        self._doc.notify(self._path)

    def undo(self) -> None:
        del siblings(self._doc.spec, self._path[:-1])[self._path[-1]]
        self._doc.notify(self._select_before)


class RemoveLayer(_Command):
    """Delete the layer at ``path`` (with its inner layers); a neighbour is selected."""

    def __init__(self, doc: NetworkDocument, path: LayerPath) -> None:
        kind = layer_at(doc.spec, path).kind
        super().__init__(doc, f"Delete {kind}", path)
        self._path = path
        self._layer: LayerSpec | None = None

    def redo(self) -> None:
        layers = siblings(self._doc.spec, self._path[:-1])
        self._layer = layers.pop(self._path[-1])
        row = self._path[-1]
        if row < len(layers):
            select: LayerPath | None = self._path
        elif row > 0:
            select = self._path[:-1] + (row - 1,)
        else:
            select = self._path[:-1] or None
        self._doc.notify(select)

    def undo(self) -> None:
        assert self._layer is not None
        siblings(self._doc.spec, self._path[:-1]).insert(self._path[-1], self._layer.copy())
        self._doc.notify(self._path)


class MoveLayer(_Command):
    """Move the layer at ``source`` to the insertion point ``target`` (paths of the
    spec before the move). Use ``move_target`` first: it rejects moves into themselves."""

    def __init__(self, doc: NetworkDocument, source: LayerPath, target: LayerPath) -> None:
        kind = layer_at(doc.spec, source).kind
        super().__init__(doc, f"Move {kind}", source)
        self._source = source
        moved = path_after_removal(target, source)
        if moved is None:
            raise ValueError("a block cannot be moved into itself")
        self._target = moved

    @property
    def target(self) -> LayerPath:
        """Where the layer ends up."""
        return self._target

    def redo(self) -> None:
        layer = siblings(self._doc.spec, self._source[:-1]).pop(self._source[-1])
        siblings(self._doc.spec, self._target[:-1]).insert(self._target[-1], layer)
        self._doc.notify(self._target)

    def undo(self) -> None:
        layer = siblings(self._doc.spec, self._target[:-1]).pop(self._target[-1])
        siblings(self._doc.spec, self._source[:-1]).insert(self._source[-1], layer)
        self._doc.notify(self._source)


def move_target(source: LayerPath, target: LayerPath) -> LayerPath | None:
    """Where a move from ``source`` to ``target`` would put the layer, or None when the
    move changes nothing or would put a block inside itself."""
    moved = path_after_removal(target, source)
    if moved is None or moved == source:
        return None
    return moved


class SetParam(_Command):
    """Change one parameter. Successive edits of the same field merge into one undo step
    (typing "128" in a spin box is one edit), but only within one ``session`` (the editor
    starts a new session whenever the selection changes)."""

    ID = 0x4D31

    def __init__(self, doc: NetworkDocument, path: LayerPath, name: str, value: Any,
                 session: int) -> None:
        layer = layer_at(doc.spec, path)
        super().__init__(doc, f"Set {layer.kind} {name}", path)
        self._path = path
        self._name = name
        self._value = value
        self._old = layer.params.get(name, _ABSENT)
        self._session = session

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParam) or (other._path, other._name, other._session) != (
            self._path, self._name, self._session
        ):
            return False
        self._value = other._value
        self.setObsolete(self._value == self._old)
        return True

    def redo(self) -> None:
        layer_at(self._doc.spec, self._path).params[self._name] = self._value
        self._doc.notify(self._path)

    def undo(self) -> None:
        params = layer_at(self._doc.spec, self._path).params
        if self._old is _ABSENT:
            params.pop(self._name, None)
        else:
            params[self._name] = self._old
        self._doc.notify(self._path)


class ReplaceNetwork(_Command):
    """Swap the whole network (a preset, an opened file, a cleared stack)."""

    def __init__(self, doc: NetworkDocument, spec: NetworkSpec, text: str,
                 select_before: LayerPath | None = None) -> None:
        super().__init__(doc, text, select_before)
        self._new = spec.copy()
        self._old = doc.spec.copy()

    def redo(self) -> None:
        self._doc.spec = self._new.copy()
        self._doc.notify(None)

    def undo(self) -> None:
        self._doc.spec = self._old.copy()
        self._doc.notify(self._select_before)
