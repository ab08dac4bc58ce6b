"""Image folders (modes, depths, sizes, damaged files, odd layouts) and IDX files (magic,
counts, types, labels)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.data.options import LoadOptions
from tests.hostile.build import (
    class_folders,
    digits,
    file,
    files,
    float_tiff,
    gz,
    gzip_of_zeros,
    idx,
    idx_pair,
    image,
    png_header,
    solid_png,
    then,
    tiff_header,
)
from tests.hostile.catalogue import Accept, Case, Refuse

TWO = ["a", "b"]


def _pixels_between(low: float, high: float) -> object:
    """A check: some pixel lies strictly between ``low`` and ``high`` and all are in [0, 1]."""

    def check(ds: object, summary: dict[str, object]) -> str | None:
        x = np.asarray(ds.records)  # type: ignore[attr-defined]
        if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
            return f"pixels outside [0, 1]: {x.min()} .. {x.max()}"
        inside = ((x > low) & (x < high)).mean()
        return None if inside > 0.2 else (
            f"only {inside:.0%} of pixels in ({low}, {high}): {x.min():.3g} .. {x.max():.3g}")

    return check


def _loop(root: Path, source: Path) -> None:
    os.symlink("..", source / "a" / "loop")


def _image_cases() -> list[Case]:
    modes = {"a/rgb.png": image("RGB"), "a/gray.png": image("L", seed=1),
             "a/rgba.png": image("RGBA", seed=2), "a/palette.png": image("P", seed=3),
             "b/bw.png": image("1", value=200), "b/la.png": image("LA", value=200),
             "b/cmyk.jpg": image("CMYK", fmt="JPEG", value=200),
             "b/ycbcr.jpg": image("YCbCr", fmt="JPEG", value=200, seed=4)}
    sixteen = {f"{c}/{i}.png": image("I;16", seed=i + 3 * k) for k, c in enumerate("ab")
               for i in range(3)}
    floats = {f"{c}/{i}.tif": float_tiff(np.full((6, 6), 40.0 + 100 * k + i))
              for k, c in enumerate("ab") for i in range(3)}
    nan = np.full((6, 6), 0.5)
    nan[2, 2] = np.nan
    good = class_folders()
    good_png = image()
    return [
        Case("images/good", files("pics", good), Accept(n=6, classes=TWO)),
        Case("images/mixed-modes", files("pics", modes),
             Accept(n=8, classes=TWO, check=lambda ds, s: None if ds.records.shape[1] == 3
                    else f"{ds.records.shape[1]} channels")),
        Case("images/16-bit", files("pics", sixteen), Accept(n=6, check=_pixels_between(
            0.05, 0.95))),
        Case("images/float-tiff-0-255", files("pics", floats),
             Accept(n=6, check=_pixels_between(0.1, 0.95))),
        Case("images/float-tiff-nan", files("pics", {**good, "a/nan.tif": float_tiff(nan)}),
             Refuse(("nan.tif",))),
        Case("images/float-tiff-nan-skipped", files("pics", {**good, "a/nan.tif": float_tiff(
            nan)}, LoadOptions(skip_bad_files=True)), Accept(n=6, warns=("nan.tif",))),
        Case("images/one-class", files("pics", class_folders(classes=("a",))),
             Refuse(("one class",))),
        Case("images/empty-class-folder", then(files("pics", good),
                                               lambda r, s: (s / "c").mkdir()),
             Accept(n=6, classes=TWO, warns=("c",))),
        Case("images/no-images", files("pics", {"a/x.txt": "x", "b/y.txt": "y"}), Refuse()),
        Case("images/nested-folders", files("pics", {
            "a/x/y/1.png": image(value=60), "a/2.png": image(value=60, seed=1),
            "b/deep/er/1.png": image(value=200), "b/z/2.png": image(value=200, seed=1)}),
             Accept(n=4, classes=TWO)),
        Case("images/symlink-loop", then(files("pics", good), _loop),
             Accept(n=6, classes=TWO), timeout_s=20),
        Case("images/loose-files", files("pics", {**good, "loose.png": good_png}),
             Accept(n=6, warns=("directly",))),
        Case("images/truncated-png", files("pics", {**good, "a/cut.png": lambda: good_png()[:40]}),
             Refuse(("cut.png",))),
        Case("images/empty-png", files("pics", {**good, "b/zero.png": b""}),
             Refuse(("zero.png",))),
        Case("images/text-as-png", files("pics", {**good, "b/notes.png": "hello"}),
             Refuse(("notes.png",))),
        Case("images/bad-skipped", files("pics", {**good, "b/notes.png": "hello"},
                                         LoadOptions(skip_bad_files=True)),
             Accept(n=6, warns=("notes.png",))),
        Case("images/decompression-bomb", files("pics", {**good, "a/bomb.png": png_header(
            60000, 60000)}), Refuse(("bomb.png",))),
        Case("images/one-very-tall", files("pics", {**good, "a/tall.png": image(size=(1, 9000))}),
             Accept(n=7, warns=("resized",))),
        Case("images/different-sizes", files("pics", {
            **good, "a/big.png": image(size=(20, 12), value=60)}),
             Accept(n=7, warns=("resized",))),
        Case("images/all-too-large", files("pics", {
            f"{c}/{i}.png": image(size=(5000, 2)) for c in "ab" for i in range(2)}), Refuse()),
        Case("images/animated-gif", files("pics", {**good, "a/anim.gif": _gif()}),
             Accept(n=7)),
        Case("images/hidden-and-thumbs", files("pics", {**good, "a/.hidden.png": "x",
                                                        "a/Thumbs.db": "x", ".git/x.png": "x"}),
             Accept(n=6)),
        Case("images/unlabelled-folder", files("flat", {"1.png": good_png, "2.png": image(
            seed=2)}, LoadOptions(format="images", labelled=False)), Accept(n=2)),
        Case("images/folder-of-junk-only", files("pics", {"a/1.png": b"\0" * 10,
                                                          "b/1.png": b"\xff" * 10}), Refuse()),
        *_budget_cases(good),
    ]


def _budget_cases(good: dict[str, object]) -> list[Case]:
    """Decoded sizes checked against the memory budget before decoding (``core.budget``).
    Under the catalogue's 1.5 GiB cap the budget is what the process may still address
    (under 1 GB), so a 10000 x 10000 PNG (about 2 GB to decode) is refused in one line;
    with 4 GiB (and on any computer of 8 GB or more, whose default budget is half of it)
    the same PNG is read and resized, its one note the resize, peaking near 2 GB."""
    big = solid_png(10000, 10000)
    return [
        # 940 MB to decode fits the budget: refused when its strip turns out damaged
        Case("images/tiff-claims-16777216x8", files("pics", {
            **good, "a/huge.tif": tiff_header(16_777_216, 8)}), Refuse(("huge.tif",))),
        Case("images/tiff-claims-16777216x64", files("pics", {
            **good, "a/huge.tif": tiff_header(16_777_216, 64)}),
             Refuse(("huge.tif", "memory budget"))),
        Case("images/png-10000x10000", files("pics", {**good, "a/big.png": big}),
             Refuse(("big.png", "decoding this 10000x10000 image", "memory budget"))),
        Case("images/png-10000x10000-skipped", files("pics", {**good, "a/big.png": big},
                                                     LoadOptions(skip_bad_files=True)),
             Accept(n=6, warns=("big.png", "memory budget"))),
        Case("images/png-10000x10000-4g", files("pics", {**good, "a/big.png": big}),
             Accept(n=7, warns=("1 of 7 images resized",)), slow=True, timeout_s=60,
             memory_mb=4096),
        Case("images/png-20000x20000-bomb", files("pics", {**good, "a/bomb.png": png_header(
            20000, 20000)}), Refuse(("bomb.png", "memory budget"))),
        # 2.7 GB once decoded: larger than memory, so read from disk while training
        Case("images/folder-tensor-over-budget", files("pics", {
            f"{c}/{i}.png": image(seed=i) for c in "ab" for i in range(20)},
            LoadOptions(image_size=(4096, 4096))),
             Accept(n=40, classes=TWO, warns=("40 images of 4096x4096", "streamed"),
                    check=lambda ds, s: None if type(ds.records).__name__ == "ImageFiles"
                    else "decoded whole")),
    ]


def _gif() -> bytes:
    import io

    from PIL import Image

    frames = [Image.new("L", (8, 8), v) for v in (10, 200)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def _idx_cases() -> list[Case]:
    x, y = digits()
    x_f = (x / 255.0).astype(">f4")
    x_nan = x_f.copy()
    x_nan[3, 1, 1] = np.nan
    three = ["0", "1", "2"]
    return [
        Case("idx/good", idx_pair(idx(x), idx(y)), Accept(n=12, classes=three)),
        Case("idx/good-from-labels-file", idx_pair(idx(x), idx(y), source="labels"),
             Accept(n=12, classes=three)),
        Case("idx/good-folder", idx_pair(idx(x), idx(y), source="folder"),
             Accept(n=12, classes=three)),
        Case("idx/good-gzip", idx_pair(gz(idx(x)), gz(idx(y)), suffix=".gz"),
             Accept(n=12, classes=three)),
        Case("idx/gzip-truncated", idx_pair(lambda: gz(idx(x))()[:30], gz(idx(y)), suffix=".gz"),
             Refuse()),
        Case("idx/wrong-magic", idx_pair(b"\x12\x34" + idx(x)[2:], idx(y)),
             Refuse(("magic",))),
        Case("idx/unknown-type", idx_pair(idx(x, code=0x07), idx(y)), Refuse()),
        Case("idx/labels-as-images", idx_pair(idx(y), idx(y)), Refuse()),
        Case("idx/two-dim-images", idx_pair(idx(x.reshape(12, 16)), idx(y)), Refuse()),
        Case("idx/count-mismatch", idx_pair(idx(x), idx(y[:10])), Refuse(("labels",))),
        Case("idx/truncated-data", idx_pair(idx(x, cut=5), idx(y)), Refuse(("truncated",))),
        Case("idx/truncated-header", idx_pair(idx(x)[:9], idx(y)), Refuse()),
        Case("idx/extra-bytes", idx_pair(idx(x) + b"\0\0", idx(y)), Refuse()),
        Case("idx/huge-count-claimed", idx_pair(idx(x, dims=(4_000_000_000, 4, 4)), idx(y)),
             Refuse()),
        Case("idx/zero-images", idx_pair(idx(x[:0]), idx(y[:0])), Refuse()),
        Case("idx/zero-pixels", idx_pair(idx(x[:, :0, :0]), idx(y)), Refuse()),
        Case("idx/labels-all-200", idx_pair(idx(x), idx(np.full(12, 200, np.uint8))),
             Accept(n=12, warns=("only one class",))),
        Case("idx/labels-2e9", idx_pair(idx(x), idx(np.where(
            y == 2, 2_000_000_000, y.astype(np.int64)).astype(">i4"))), Accept(n=12, classes=[
                "0", "1", "2000000000"], warns=("one output per label present (3)",))),
        Case("idx/gzip-bomb", idx_pair(gzip_of_zeros(idx(x[:0], dims=(2000, 1000, 1000)),
                                                     2 * 10**9), gz(idx(y)), suffix=".gz"),
             Refuse(("unpacks to more than",)), timeout_s=60),
        Case("idx/labels-3-and-7", idx_pair(idx(x), idx(np.where(y % 2, 7, 3).astype(np.uint8))),
             Accept(n=12, classes=["3", "7"])),
        Case("idx/labels-negative", idx_pair(idx(x), idx(-(y.astype(np.int8)) - 1)), Refuse()),
        Case("idx/labels-fractional", idx_pair(idx(x), idx((y + 0.5).astype(">f4"))), Refuse()),
        Case("idx/float-images", idx_pair(idx(x_f), idx(y)),
             Accept(n=12, check=_pixels_between(0.3, 0.7))),
        Case("idx/float-images-nan", idx_pair(idx(x_nan), idx(y)), Refuse(("nan",))),
        Case("idx/no-partner", file("mnist/train-images-idx3-ubyte", idx(x)), Refuse()),
        Case("idx/labels-only", file("mnist/train-labels-idx1-ubyte", idx(y)), Refuse()),
        Case("idx/empty-folder", then(files("mnist", {"train-images-idx3-ubyte.txt": "x"}),
                                      lambda r, s: None), Refuse()),
    ]


def cases() -> list[Case]:
    return _image_cases() + _idx_cases()
