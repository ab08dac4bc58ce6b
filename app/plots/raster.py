"""A scatter drawn into a pixel buffer with numpy, for pictures that change while a run
trains.

pyqtgraph's ``ScatterPlotItem`` costs about 10 ms of Python to take 2,000 new positions
and 15-30 ms to paint them; on the window's thread that stalls clicks and, through the
GIL, the training thread. Splatting the same points into an RGBA image takes about
1-2 ms and the image paints as one pixmap (the approach of datashader).
"""

from __future__ import annotations

import numpy as np


def padded_bounds(xy: np.ndarray, pad: float = 0.06) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around the points, widened by ``pad`` of the span on each side
    (a unit square round the origin when there is no spread)."""
    if len(xy) == 0:
        return -1.0, 1.0, -1.0, 1.0
    out: list[float] = []
    for axis in range(2):
        v = xy[:, axis]
        v = v[np.isfinite(v)]
        lo, hi = (float(v.min()), float(v.max())) if len(v) else (-1.0, 1.0)
        span = hi - lo
        if span <= 1e-12 * max(1.0, abs(lo), abs(hi)):
            lo, hi, span = lo - 1.0, hi + 1.0, 2.0
        out += [lo - pad * span, hi + pad * span]
    return out[0], out[1], out[2], out[3]


def disc_offsets(radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel offsets (dx, dy) of a disc of ``radius`` pixels and how much of each pixel
    it covers (1 inside, falling to 0 over the one-pixel rim: an antialiased edge)."""
    r = max(int(np.ceil(radius + 0.5)), 0)
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    cover = np.clip(radius + 0.5 - np.hypot(dx, dy), 0.0, 1.0)
    inside = cover > 0
    return dx[inside], dy[inside], cover[inside]


def scatter_rgba(xy: np.ndarray, labels: np.ndarray, rgba: np.ndarray,
                 size: tuple[int, int], bounds: tuple[float, float, float, float],
                 radius: float = 3.0) -> np.ndarray:
    """Points as filled discs in an (height, width, 4) uint8 image, transparent elsewhere.

    Row 0 is the bottom of ``bounds`` (``y0``), as pyqtgraph's row-major ``ImageItem``
    shows it. Point ``i`` has colour ``rgba[labels[i]]``; a negative label, or a colour
    with alpha 0, hides the point. Where discs overlap the later point is on top, and a
    disc's soft rim never covers another disc's inside.
    """
    w, h = max(int(size[0]), 1), max(int(size[1]), 1)
    img = np.zeros((h, w, 4), np.uint8)
    xy = np.asarray(xy, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    shown = (labels >= 0) & np.isfinite(xy).all(axis=1)
    shown[shown] = rgba[labels[shown], 3] > 0
    idx = np.flatnonzero(shown)
    if len(idx) == 0:
        return img
    x0, x1, y0, y1 = bounds
    px = np.rint((xy[idx, 0] - x0) / (x1 - x0) * (w - 1)).astype(np.int64)
    py = np.rint((xy[idx, 1] - y0) / (y1 - y0) * (h - 1)).astype(np.int64)
    dx, dy, cover = disc_offsets(radius)
    X = (px[:, None] + dx[None, :]).ravel()
    Y = (py[:, None] + dy[None, :]).ravel()
    # One key per (pixel, point): the point's index above its coverage, so the largest
    # key of a pixel is its last point, and an inside pixel (coverage 255) outranks rims.
    level = np.rint(cover * 255).astype(np.int64)
    full = np.broadcast_to(level == 255, (len(idx), len(level))).ravel()
    key = (np.repeat(idx, len(dx)) * 256 + np.tile(level, len(idx)))
    ok = (X >= 0) & (X < w) & (Y >= 0) & (Y < h)
    flat = Y * w + X
    top = np.full(h * w, -1, np.int64)
    np.maximum.at(top, flat[ok & ~full], key[ok & ~full])  # rims first
    inside = np.full(h * w, -1, np.int64)
    np.maximum.at(inside, flat[ok & full], key[ok & full])
    top = np.where(inside >= 0, inside, top)
    hit = np.flatnonzero(top >= 0)
    owner, coverage = top[hit] // 256, top[hit] % 256
    colour = rgba[labels[owner]].astype(np.uint16)
    colour[:, 3] = colour[:, 3] * coverage // 255
    img.reshape(-1, 4)[hit] = colour.astype(np.uint8)
    return img
