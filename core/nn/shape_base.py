"""What every shape rule shares: the layout conventions, the problem type and the rank checks.

``core.nn.shapes`` (the walk and the classic kinds) and ``core.nn.shapes_extra`` (attention,
embedding, upsampling and reshaping) both read these, so neither imports the other's rules.
Shapes exclude the batch axis: sequences are (length, channels), images (channels, height,
width), tables (F,).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import SpecError

Shape = tuple[int, ...]


class ShapeProblem(SpecError):
    """A layer does not fit its input; the message is shown after "layer N Kind: "."""


@dataclass
class Context:
    """Facts about the whole network that make error hints specific."""

    input_rank: int


def channel_axis(shape: Shape) -> int:
    """Index of the channel axis: first for images (C, H, W), last for (L, C) and (F,)."""
    return 0 if len(shape) == 3 else len(shape) - 1


def need_sequence(kind: str, s: Shape, ctx: Context) -> None:
    if len(s) == 2:
        return
    if len(s) == 3:
        hint = f"use {kind.replace('1D', '2D')} for images" if "1D" in kind else (
            "images need Conv2D layers")
    elif ctx.input_rank == 2:
        hint = "move it before the layer that removed the length axis"
    else:
        hint = "use one-hot encoding or remove it"
    raise ShapeProblem(f"needs a sequence input (length, channels), got {s}; {hint}")


def need_image(kind: str, s: Shape, ctx: Context) -> None:
    if len(s) == 3:
        return
    if len(s) == 2:
        hint = f"use {kind.replace('2D', '1D')} for sequences"
    elif ctx.input_rank == 3:
        hint = "move it before the layer that flattened the image"
    else:
        hint = "the data are not images; use Dense layers"
    raise ShapeProblem(f"needs an image input (channels, height, width), got {s}; {hint}")
