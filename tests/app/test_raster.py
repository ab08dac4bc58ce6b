"""The numpy scatter the live hidden-layer picture is drawn with."""

from __future__ import annotations

import numpy as np

from app.plots.raster import disc_offsets, padded_bounds, scatter_rgba

RED, BLUE = (255, 0, 0, 255), (0, 0, 255, 200)
TABLE = np.array([RED, BLUE], dtype=np.uint8)


def test_a_point_becomes_a_disc_at_its_place_with_row_zero_at_the_bottom():
    img = scatter_rgba(np.array([[0.0, 0.0]]), np.array([0]), TABLE, (11, 21),
                       (0.0, 10.0, 0.0, 20.0), radius=2)
    assert img.shape == (21, 11, 4)
    assert tuple(img[0, 0]) == RED  # (x0, y0) is the first row, first column
    dx, dy, cover = disc_offsets(2)
    in_corner = (dx >= 0) & (dy >= 0)
    assert np.count_nonzero(img[..., 3]) == np.count_nonzero(in_corner)
    assert img[0, 0, 3] == img[1, 1, 3] == 255 and 0 < img[0, 2, 3] < 255  # a soft rim
    top = scatter_rgba(np.array([[10.0, 20.0]]), np.array([1]), TABLE, (11, 21),
                       (0.0, 10.0, 0.0, 20.0), radius=0.5)
    assert np.argwhere(top[..., 3] > 0).tolist() == [[20, 10]] and tuple(top[20, 10]) == BLUE


def test_discs_cover_their_area_with_an_antialiased_rim():
    dx, dy, cover = disc_offsets(3.0)
    assert cover.max() == 1.0 and cover.min() > 0
    assert abs(cover.sum() - np.pi * 3.0 ** 2) < 0.02 * np.pi * 3.0 ** 2  # its area


def test_later_points_are_on_top_and_hidden_labels_are_not_drawn():
    xy = np.array([[5.0, 5.0], [5.0, 5.0]])
    img = scatter_rgba(xy, np.array([0, 1]), TABLE, (11, 11), (0, 10, 0, 10), radius=1)
    assert tuple(img[5, 5]) == BLUE
    hidden = TABLE.copy()
    hidden[1, 3] = 0
    img = scatter_rgba(xy, np.array([0, 1]), hidden, (11, 11), (0, 10, 0, 10), radius=1)
    assert tuple(img[5, 5]) == RED
    img = scatter_rgba(xy, np.array([-1, -1]), TABLE, (11, 11), (0, 10, 0, 10))
    assert not img.any()


def test_points_outside_and_not_finite_are_skipped():
    xy = np.array([[50.0, 50.0], [np.nan, 1.0], [-3.0, 2.0]])
    img = scatter_rgba(xy, np.array([0, 0, 1]), TABLE, (8, 8), (0, 1, 0, 1), radius=1)
    assert not img.any()


def test_bounds_pad_the_data_and_survive_no_spread():
    x0, x1, y0, y1 = padded_bounds(np.array([[0.0, 1.0], [10.0, 1.0]]), pad=0.1)
    assert (x0, x1) == (-1.0, 11.0) and y0 < 1.0 < y1
    assert padded_bounds(np.zeros((0, 2))) == (-1.0, 1.0, -1.0, 1.0)
