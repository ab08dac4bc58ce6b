"""Data larger than memory (issue 17): an image folder over its share of the memory
budget is read lazily (``core.data.lazy``) and streamed through a DataLoader with worker
processes (``core.train.stream``). The streamed run is the in-memory run: same batches in
the same order, same losses, same weights."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core import budget
from core.data.images import ImageFiles, load_image_folder
from core.data.lazy import is_lazy, set_streaming, should_stream
from core.data.summary import summarize
from core.errors import DataError
from tests.core.streaming_runs import assert_streamed_run_is_in_memory_run


@pytest.fixture(autouse=True)
def _defaults() -> Iterator[None]:
    yield
    set_streaming(None)
    budget.set_memory_budget(None)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 grayscale 24x24 images of two classes (a ring or a spot), a few of another
    size (resized on reading like the rest)."""
    root = tmp_path_factory.mktemp("cells")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:24, :24]
    r = np.hypot(yy - 12, xx - 12)
    for cls, shape in (("ring", abs(r - 8) < 2), ("spot", r < 4)):
        (root / cls).mkdir()
        for i in range(60):
            img = np.clip(0.7 * shape + rng.normal(0.2, 0.15, (24, 24)), 0, 1)
            pic = Image.fromarray((img * 255).astype(np.uint8))
            if i % 20 == 0:
                pic = pic.resize((30, 30))
            pic.save(root / cls / f"{i:03d}.png")
    return root


def test_a_streamed_folder_is_the_same_pixels_decoded_on_demand(folder: Path) -> None:
    whole = load_image_folder(folder)
    set_streaming("always")
    lazy = load_image_folder(folder)
    assert isinstance(lazy.records, ImageFiles) and lazy.info["streamed"]
    assert any("streamed" in w for w in lazy.warnings)
    assert lazy.records.shape == whole.records.shape and lazy.ids == whole.ids
    np.testing.assert_array_equal(np.asarray(lazy.records), whole.records)
    part = lazy.subset(np.array([5, 70, 3]))
    assert is_lazy(part.records)  # a subset decodes nothing
    np.testing.assert_array_equal(part.records.rows([0, 1, 2]), whole.records[[5, 70, 3]])
    np.testing.assert_array_equal(lazy.records[7], whole.records[7])


def test_auto_streams_above_a_share_of_the_budget(folder: Path) -> None:
    budget.set_memory_budget("4M")  # the folder decodes to 276 KB; a quarter of 4 MB is 1 MB
    assert not should_stream(276_480) and should_stream(2 << 20)
    assert not is_lazy(load_image_folder(folder).records)
    budget.set_memory_budget("1M")
    assert is_lazy(load_image_folder(folder).records)


def test_decoding_everything_over_the_budget_is_one_line(folder: Path) -> None:
    set_streaming("always")
    lazy = load_image_folder(folder).records
    budget.set_memory_budget("1M")
    big = lazy.with_items(lazy.items * 10)  # 2.8 MB decoded
    with pytest.raises(DataError, match=r"decoding all 1,200 images of 24x24 pixels at once "
                                        r"needs about 2.6 MB, more than the memory budget"):
        np.asarray(big)


def test_duplicates_are_counted_without_decoding(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cells"
    shutil.copytree(folder, copy)
    shutil.copy(copy / "ring" / "001.png", copy / "ring" / "copy.png")
    set_streaming("always")
    ds = load_image_folder(copy)
    assert summarize(ds)["duplicates"] == 1


def test_a_streamed_run_is_the_in_memory_run(folder: Path) -> None:
    whole, lazy = assert_streamed_run_is_in_memory_run(folder)
    for split in ("train", "val", "test"):  # the same sample of rows: the same model
        assert lazy.baseline["logistic_regression"][split] == \
            whole.baseline["logistic_regression"][split]
