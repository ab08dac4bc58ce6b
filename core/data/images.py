"""Images -> datasets: class folders of pictures (Pillow) and MNIST-style IDX files.

Every image becomes float32 (C, H, W) in [0, 1] with one size and one channel count for
the whole dataset, because a network has one input shape. Microscopy TIFFs are often
16-bit, phone photos carry an EXIF rotation, folders collect ``Thumbs.db`` and half-copied
files: each case is handled here or named in a one-line error.
"""

from __future__ import annotations

import hashlib
import math
import struct
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.budget import check_budget, human_bytes, memory_budget
from core.data.dataset import Dataset, Provenance, sha256_of_path
from core.data.files import display, read_whole
from core.data.lazy import LazyRows, should_stream
from core.data.options import IMAGE_EXTENSIONS, EncodingOptions, LoadOptions
from core.errors import DataError
from core.progress import ProgressFn, StopFn, check_stop, report, wrap_progress

_SINGLE_CHANNEL_MODES = {"1", "L", "LA", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
_SIXTEEN_BIT_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


def load_image_folder(
    path: str | Path,
    options: LoadOptions | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Dataset:
    """One sub-folder per class (searched recursively); the folder names are the classes."""
    path = Path(path)
    options = options or LoadOptions()
    if not path.is_dir():
        raise DataError("not a folder; an image dataset is a folder of class sub-folders",
                        display(path))  # fmt: skip
    if options.labelled:
        classes, files, warnings = _class_files(path)
    else:  # prediction: every image under the folder, class folders (if any) ignored
        classes, files, warnings = [], _all_image_files(path), []
    headers: list[tuple[int, int, int]] = []  # (height, width, channels) before decoding
    kept: list[tuple[str, Path]] = []
    for i, (cls, f) in enumerate(files):
        check_stop(should_stop)
        report(progress, 0.2 * i / len(files), f"reading the size of {f.name}")
        try:
            headers.append(_header(f, path))
        except DataError as err:
            if not options.skip_bad_files:
                raise
            warnings.append(f"skipped {err}")
            continue
        kept.append((cls, f))
    if not kept:
        raise DataError("no image could be read", display(path))
    sizes = Counter((h, w) for h, w, _ in headers)
    size = options.image_size or sizes.most_common(1)[0][0]
    _check_size(size, bool(options.image_size))
    gray = options.grayscale if options.grayscale is not None else all(
        c == 1 for _, _, c in headers)
    channels = 1 if gray else 3
    decoded_bytes = 4 * len(kept) * channels * size[0] * size[1]
    what = (f"{len(kept):,} images of {size[0]}x{size[1]} pixels in "
            f"{'grayscale' if gray else 'colour'}")
    decoded: Counter[tuple[int, int]] = Counter()
    images: np.ndarray | ImageFiles
    if should_stream(decoded_bytes):  # larger than memory: decoded batch by batch
        images = ImageFiles(path, [f for _, f in kept], size, gray)
        decoded.update((h, w) for h, w, _ in headers)
        read = list(range(len(kept)))
        warnings.append(f"{what} take {human_bytes(decoded_bytes)} decoded: they are read "
                        "from disk batch by batch while training (streamed)")
        report(progress, 1.0, f"{len(kept)} images (streamed)")
        return _image_dataset(path, options, kept, read, images, decoded, size, gray,
                              warnings, classes, should_stop)
    # the folder's tensor is made once, in place, so its size is known before any decoding
    check_budget(decoded_bytes, what, display(path), DataError)
    images = np.empty((len(kept), channels, *size), dtype=np.float32)
    read = []  # indices into kept of the images decoded
    for i, (_cls, f) in enumerate(kept):
        check_stop(should_stop)
        report(progress, 0.2 + 0.8 * i / len(kept), f"reading {f.name}")
        try:
            a = _read_image(f, path)
        except DataError as err:
            if not options.skip_bad_files:
                raise
            warnings.append(f"skipped {err}")
            continue
        decoded[a.shape[0], a.shape[1]] += 1
        images[len(read)] = _conform(a, size, gray)
        read.append(i)
    if not read:
        raise DataError("no image could be read", display(path))
    if len(read) < len(kept):
        images = images[:len(read)].copy()  # give back the rows of skipped files
    report(progress, 1.0, f"{len(read)} images")
    return _image_dataset(path, options, kept, read, images, decoded, size, gray, warnings,
                          classes, should_stop)


def _image_dataset(path: Path, options: LoadOptions, kept: list[tuple[str, Path]],
                   read: list[int], images: np.ndarray | ImageFiles,
                   sizes: Counter[tuple[int, int]], size: tuple[int, int], gray: bool,
                   warnings: list[str], classes: list[str],
                   should_stop: StopFn | None) -> Dataset:
    """The dataset of the images ``read`` (indices into ``kept``), decoded or streamed."""
    kept = [kept[i] for i in read]
    present = sorted({cls for cls, _ in kept})
    if options.labelled and len(present) < 2:
        raise DataError(f"only one class ({present[0]!r}) has readable images; a classifier"
                        " needs at least two class sub-folders", display(path))  # fmt: skip
    if len(present) < len(classes):
        missing = [c for c in classes if c not in present]
        warnings.append(f"class folders without readable images ignored: {', '.join(missing)}")
    resized = sum(n for s, n in sizes.items() if s != tuple(size))
    if resized:
        warnings.append(f"{resized} of {len(read)} images resized to {size[0]}x{size[1]}")
    ids = [display(f.relative_to(path).as_posix()) for _, f in kept]
    return Dataset(
        name=display(path.name),
        modality="image",
        task="classification",
        records=images,
        targets=np.array([present.index(cls) for cls, _ in kept], dtype=np.int64)
        if options.labelled else np.zeros(len(kept), dtype=np.int64),
        ids=ids,
        class_names=present if options.labelled else None,
        provenance=Provenance(str(path), sha256_of_path(path, should_stop), "images",
                              options.to_dict()),
        warnings=warnings,
        info={
            "image_size": [int(size[0]), int(size[1])],
            "channels": 1 if gray else 3,
            **({"streamed": True} if isinstance(images, LazyRows) else {}),
            "original_sizes": {f"{h}x{w}": n for (h, w), n in sizes.most_common()},
            **({} if options.labelled else {"unlabelled": True}),
        },
    )


def _all_image_files(root: Path) -> list[tuple[str, Path]]:
    """("", file) for every image under ``root`` (hidden files and folders skipped)."""
    files = [("", f) for f in sorted(root.rglob("*")) if f.is_file() and _is_image(f)
             and not any(p.startswith(".") for p in f.relative_to(root).parts)]
    if not files:
        raise DataError("no images found (PNG, JPEG, TIFF or BMP)", display(root))
    return files


def _class_files(root: Path) -> tuple[list[str], list[tuple[str, Path]], list[str]]:
    """(class names, (class, file) pairs, warnings) from the class sub-folders of ``root``."""
    subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    loose = [p for p in root.iterdir() if p.is_file() and _is_image(p)]
    warnings = []
    if loose:
        warnings.append(f"{len(loose)} images directly in {root.name} ignored; put each class"
                        " in its own sub-folder")  # fmt: skip
    files = [
        (display(d.name), f)
        for d in subdirs
        for f in sorted(d.rglob("*"))
        if f.is_file() and _is_image(f)
        and not any(p.startswith(".") for p in f.relative_to(root).parts)
    ]
    if not files:
        raise DataError("no images found: put PNG, JPEG, TIFF or BMP files in one sub-folder"
                        " per class", display(root))  # fmt: skip
    with_images = {cls for cls, _ in files}
    classes = [display(d.name) for d in subdirs if display(d.name) in with_images]
    if len(classes) < 2:
        raise DataError(f"only one class folder ({classes[0]!r}) holds images; a classifier"
                        " needs at least two", display(root))  # fmt: skip
    empty = [display(d.name) for d in subdirs if display(d.name) not in with_images]
    if empty:
        warnings.append(f"class folders without images ignored: {', '.join(empty[:5])}"
                        + (", ..." if len(empty) > 5 else ""))  # fmt: skip
    return classes, files, warnings


def _is_image(f: Path) -> bool:
    return f.suffix.lower() in IMAGE_EXTENSIONS


class UnreadableImageError(DataError):
    """One file of an image folder cannot be read; ``skip_bad_files`` would skip it."""


# Bytes per pixel Pillow holds for a mode (RGB is stored as 4), and what decoding adds on
# top of it per output channel (the pixels as bytes, their float32 copy, one float32
# channel being resized): measured on 10000 x 10000 PNGs (RGB 20 bytes a pixel, grey
# and 16-bit 8), within 15 %.
_PILLOW_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 4, "I;16": 2, "I;16L": 2, "I;16B": 2,
                 "I;16N": 2, "I": 4, "F": 4}
_WORK_BYTES = 6  # per output channel
_MIN_PIXEL_BYTES = 7  # the least of any mode: a 1-bit or 8-bit grey image


def _header(f: Path, root: Path) -> tuple[int, int, int]:
    """(height, width, channels) of an image as ``_read_image`` will return it, read from
    its header (Pillow decodes nothing until ``load``), refused when decoding it would
    take more than the memory budget: a 332-byte TIFF can claim 16,777,216 x 8 pixels."""
    name = display(f.relative_to(root).as_posix())
    if f.stat().st_size == 0:
        raise UnreadableImageError("not a readable image (empty file, 0 bytes)", name)
    # Pillow's own bomb limit sits above ours, so its warning never fires for an image we
    # accept and its error only for one we refuse anyway (said in our words below)
    Image.MAX_IMAGE_PIXELS = max(memory_budget() // _MIN_PIXEL_BYTES, 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(f) as im:
                width, height = im.size
                mode, turned = im.mode, _turned(im)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as err:  # fmt: skip
        raise UnreadableImageError(f"not a readable image ({_reason(err, f)})", name) from None
    channels = 1 if mode in _SINGLE_CHANNEL_MODES else 3
    needed = width * height * (_PILLOW_BYTES.get(mode, 4) + _WORK_BYTES * channels)
    check_budget(needed, f"decoding this {width}x{height} image", name, UnreadableImageError)
    return (width, height, channels) if turned else (height, width, channels)


def _turned(im: Image.Image) -> bool:
    """Whether the EXIF orientation swaps width and height. A PNG's EXIF may follow its
    pixels (reading it would decode them): such a PNG counts as upright."""
    if im.format == "PNG" and "exif" not in im.info:
        return False
    try:
        return im.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:  # noqa: BLE001 - a damaged EXIF block: decoding will say what is wrong
        return False


def _read_image(f: Path, root: Path) -> np.ndarray:
    """(H, W, C) float32 in [0, 1] with C = 1 for grayscale, else 3 (alpha dropped).

    A file that cannot be read is one line naming it once, relative to the folder the
    user opened, with the reason in words (not Pillow's exception, which repeats the
    path): "infected/scan_07.png: not a readable image (truncated file)". Its size was
    checked by ``_header``; the pixels are copied once as bytes and once as floats.
    """
    name = display(f.relative_to(root).as_posix())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # _header checked
            with Image.open(f) as im:
                im.load()
                ImageOps.exif_transpose(im, in_place=True)
                mode = im.mode
                if mode in _SIXTEEN_BIT_MODES or mode == "F":
                    raw = np.asarray(im)
                elif mode in _SINGLE_CHANNEL_MODES:
                    raw = np.asarray(im if mode == "L" else im.convert("L"))
                else:
                    raw = np.asarray(im if mode == "RGB" else im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as err:  # fmt: skip
        raise UnreadableImageError(f"not a readable image ({_reason(err, f)})", name) from None
    a = raw.astype(np.float32)
    del raw
    if mode == "F":
        a = _float_pixels(a, name)
    else:  # in place: the same float32 values as dividing a copy
        a /= 65535.0 if mode in _SIXTEEN_BIT_MODES else 255.0
        if mode in _SIXTEEN_BIT_MODES:
            np.clip(a, 0.0, 1.0, out=a)
    return a[:, :, None] if a.ndim == 2 else a


def _float_pixels(a: np.ndarray, name: str) -> np.ndarray:
    """A 32-bit float image in [0, 1]. Microscopes write such TIFFs in 0..1, 0..255,
    0..65535 or their own units: clipping to [0, 1] would make most of them white, so the
    values are divided by the first of 1, 255, 65535 that holds them (else their maximum)."""
    if not np.isfinite(a).all():
        raise UnreadableImageError("not a readable image (it holds NaN or infinite pixel"
                                   " values)", name)  # fmt: skip
    low, top = float(a.min(initial=0.0)), float(a.max(initial=0.0))
    if low < 0:
        a, top = a - low, top - low
    scale = next((s for s in (1.0, 255.0, 65535.0) if top <= s), top)
    return a / np.float32(scale)


def _reason(err: Exception, f: Path) -> str:
    """Why Pillow could not read ``f``, in a few words a user can act on."""
    text = str(err).replace(f"'{f}'", "").replace(str(f), "").strip(" :")
    if isinstance(err, Image.DecompressionBombError):
        return "more pixels than the memory budget allows"
    if isinstance(err, UnidentifiedImageError):
        return f"cannot read its content as {f.suffix.lstrip('.').upper() or 'an image'}"
    if "truncated" in text.lower():
        return "truncated file"
    return f"damaged: {text[:80]}" if text else "damaged file"


def _check_size(size: tuple[int, int], chosen: bool = True) -> None:
    if len(size) != 2 or min(size) < 1 or max(size) > 4096:
        if not chosen:  # the images' own size
            raise DataError(f"most images are {size[0]}x{size[1]} pixels, more than 4096 a"
                            " side: choose an image size (e.g. 256x256) to resize them")
        raise DataError(f"image size must be two numbers between 1 and 4096, got {size}")


def _conform(a: np.ndarray, size: tuple[int, int], gray: bool) -> np.ndarray:
    """(C, H, W) with the dataset's size and channel count."""
    if gray and a.shape[2] == 3:
        a = a @ np.array([0.299, 0.587, 0.114], dtype=np.float32)[:, None]  # ITU-R 601 luma
    elif not gray and a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    h, w = size
    if a.shape[:2] != (h, w):
        a = np.stack([
            np.asarray(Image.fromarray(a[:, :, c]).resize((w, h), Image.Resampling.BILINEAR))
            for c in range(a.shape[2])
        ], axis=2)  # fmt: skip
    return np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)


class ImageFiles(LazyRows):
    """An image folder too large to decode whole (``core.data.lazy``): each row is one
    file, decoded, resized and converted like ``load_image_folder`` does when asked."""

    def __init__(self, root: Path, files: list[Path], size: tuple[int, int],
                 gray: bool) -> None:
        super().__init__(files, (1 if gray else 3, *size), f"images of {size[0]}x{size[1]}"
                         " pixels")
        self.root, self.size, self.gray = Path(root), tuple(size), gray

    def row_keys(self) -> list[bytes]:
        """The files' bytes hashed (not their pixels: decoding a folder larger than
        memory to count duplicates would read it all twice). Byte-identical copies are
        what a duplicated folder holds."""
        return [hashlib.blake2b(f.read_bytes(), digest_size=16).digest() for f in self.items]

    def decode(self, items: list[Path]) -> np.ndarray:
        out = np.empty((len(items), *self.row_shape), dtype=np.float32)
        for i, f in enumerate(items):
            out[i] = _conform(_read_image(f, self.root), self.size, self.gray)
        return out


# --- IDX (MNIST, Fashion-MNIST) -------------------------------------------------------

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_idx(
    path: str | Path,
    options: LoadOptions | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Dataset:
    """An ``*-images-idx3-ubyte[.gz]`` file with its ``*-labels-idx1-ubyte[.gz]``.

    ``path`` is either file of the pair, or a folder holding one or more pairs (MNIST's
    train and t10k files); with both, the file's own split is kept in ``split_labels``.
    """
    path = Path(path)
    options = options or LoadOptions()
    pairs = _idx_pairs(path)
    images, labels, split, ids = [], [], [], []
    for i, (img_file, lab_file) in enumerate(pairs):
        check_stop(should_stop)
        step = wrap_progress(progress, i / len(pairs), (i + 1) / len(pairs))
        report(step, 0.0, f"reading {display(img_file.name)}")
        x = _idx_images(img_file, should_stop)
        y = _idx_labels(lab_file, should_stop)
        if len(x) != len(y):
            raise DataError(f"{len(x)} images but {len(y)} labels in {display(lab_file.name)}",
                            display(img_file))  # fmt: skip
        if images and x.shape[1:] != images[0].shape[1:]:
            theirs, first = "x".join(map(str, x.shape[1:])), "x".join(map(str, images[0].shape[1:]))
            raise DataError(f"images are {theirs}, those of {display(pairs[0][0].name)} are"
                            f" {first}", display(img_file))  # fmt: skip
        images.append(x)
        labels.append(y)
        is_test = "t10k" in img_file.name.lower() or "test" in img_file.name.lower()
        split.append(np.full(len(x), "test" if is_test else "train", dtype=object))
        ids += [f"{_idx_name(img_file)}:{k}" for k in range(len(x))]
    x = np.concatenate(images)
    records = _idx_scaled(x)[:, None, :, :]
    y, class_names, warnings = _idx_classes(np.concatenate(labels))
    sides = np.concatenate(split)
    source = path if path.is_dir() else pairs[0][0]
    h, w = records.shape[2:]
    return Dataset(
        name=_idx_name(pairs[0][0]) if not path.is_dir() else path.name,
        modality="image",
        task="classification",
        records=records,
        targets=y,
        ids=ids,
        class_names=class_names,
        provenance=Provenance(str(source), _pairs_sha256(pairs), "idx", options.to_dict()),
        split_labels=sides if len(set(sides)) > 1 else None,
        warnings=warnings,
        info={"image_size": [int(h), int(w)], "channels": 1},
    )


def _idx_images(f: Path, should_stop: StopFn | None) -> np.ndarray:
    """The images of an idx3 file; float images must hold numbers (NaN would train NaN)."""
    x = _read_idx(f, 3, should_stop)
    if len(x) == 0:
        raise DataError("the file holds no images (its header says 0)", display(f))
    if x.shape[1] == 0 or x.shape[2] == 0:
        raise DataError(f"the images are {x.shape[1]}x{x.shape[2]} pixels", display(f))
    if x.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))
        if len(bad):
            raise DataError(f"{len(bad)} images hold NaN or infinite pixel values (the first"
                            f" is image {bad[0]})", display(f))  # fmt: skip
    return x


def _idx_labels(f: Path, should_stop: StopFn | None) -> np.ndarray:
    """The labels of an idx1 file as int64; they must be whole numbers, 0 or more."""
    y = _read_idx(f, 1, should_stop)
    if y.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))
        if len(bad):
            raise DataError(f"label {bad[0]} is {y[bad[0]]:g}: labels must be whole numbers",
                            display(f))  # fmt: skip
    if len(y) and y.min() < 0:
        raise DataError(f"label {int(np.argmin(y))} is {y.min():g}: labels must be 0 or more",
                        display(f))  # fmt: skip
    return y.astype(np.int64)


def _idx_scaled(x: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1]: integers by 255 (MNIST's bytes) or their maximum; floats by the
    first of 1, 255, 65535 that holds them, so float images already in [0, 1] stay so."""
    low = float(x.min(initial=0))
    # floats are scaled in float64: shifting values near float32's limit would overflow
    a = x.astype(np.float64 if x.dtype.kind == "f" else np.float32)
    if low < 0:
        a -= low
    top = float(a.max(initial=0))
    if x.dtype.kind == "f":
        scale = next((s for s in (1.0, 255.0, 65535.0) if top <= s), top)
    else:
        scale = 255.0 if top <= 255 else top
    a /= scale  # in place: the same values as dividing a copy, one copy fewer
    return a.astype(np.float32, copy=False)


def _idx_classes(y: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
    """(targets, class names, warnings): one class per label present, named by its value,
    so labels {3, 7} make a two-output network, not an eight-output one."""
    present = np.unique(y)
    names = [str(int(v)) for v in present]
    warnings = []
    if len(present) < 2:
        warnings.append(f"only one class ({names[0]!r}) in the labels: a classifier needs at"
                        " least two, so this data cannot be trained on")  # fmt: skip
    elif not np.array_equal(present, np.arange(len(present))):
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        warnings.append(f"the labels are {shown}, not 0..{len(present) - 1}: the network"
                        f" has one output per label present ({len(present)})")  # fmt: skip
    return np.searchsorted(present, y).astype(np.int64), names, warnings


def _idx_name(f: Path) -> str:
    return f.name.split("-")[0].split(".")[0]


def _pairs_sha256(pairs: list[tuple[Path, Path]]) -> str:
    h = hashlib.sha256()
    for pair in pairs:
        for f in pair:
            h.update(f.name.encode())
            h.update(bytes.fromhex(sha256_of_path(f)))
    return h.hexdigest()


def _partner(f: Path) -> Path | None:
    """The labels file of an images file, or the images file of a labels file."""
    name = f.name
    if "idx3" in name:
        swaps = (("images", "labels"), ("idx3", "idx1"))
    else:
        swaps = (("labels", "images"), ("idx1", "idx3"))
    for old, new in swaps:
        name = name.replace(old, new)
    base = name[:-3] if name.endswith(".gz") else name
    for candidate in (f.with_name(base), f.with_name(base + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _idx_pairs(path: Path) -> list[tuple[Path, Path]]:
    """(images, labels) file pairs, training files first."""
    if path.is_dir():
        image_files = sorted(p for p in path.iterdir() if p.is_file() and "idx3" in p.name)
        image_files = [p for p in image_files
                       if not (p.name.endswith(".gz") and p.with_name(p.name[:-3]).is_file())]
        if not image_files:
            raise DataError("no *-images-idx3-ubyte file in this folder", display(path))
    elif "idx3" in path.name or "idx1" in path.name:
        image_files = [path] if "idx3" in path.name else [_partner(path) or path]
    else:
        raise DataError("not an IDX file: expected a name like train-images-idx3-ubyte",
                        display(path))  # fmt: skip
    pairs = []
    for img in image_files:
        if "idx3" not in img.name:
            raise DataError("the matching *-images-idx3-ubyte file is not next to it",
                            display(img))
        labels = _partner(img)
        if labels is None:
            raise DataError("the matching *-labels-idx1-ubyte file is not next to it",
                            display(img))
        pairs.append((img, labels))
    return sorted(pairs, key=lambda p: "t10k" in p[0].name or "test" in p[0].name)


def _read_idx(f: Path, ndim: int, should_stop: StopFn | None = None) -> np.ndarray:
    """An IDX array with ``ndim`` dimensions; magic number and size checked."""
    where = display(f)
    raw = read_whole(f, should_stop)  # unpacks gzip by its magic number, whatever the name
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        magic = raw[:4].hex() or "nothing"
        raise DataError(f"not an IDX file (magic number 0x{magic}, expected 0x0000080{ndim})",
                        where)  # fmt: skip
    if raw[3] != ndim:
        what = "images (3 dimensions)" if ndim == 3 else "labels (1 dimension)"
        raise DataError(f"expected {what}, the file has {raw[3]} dimensions", where)
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError("the file is truncated inside its header", where)
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = math.prod(dims) * dtype.itemsize  # Python ints: a huge header cannot wrap
    if len(raw) - header != expected:
        raise DataError(
            f"the header promises {'x'.join(map(str, dims))} values ({expected} bytes) but"
            f" {len(raw) - header} bytes follow; the file is truncated or damaged",
            where,
        )
    if ndim == 3:  # the pixels in native order, then as floats (float64 for float files)
        floats = 8 if dtype.kind == "f" else 4
        check_budget(len(raw) + math.prod(dims) * (dtype.itemsize + floats), "reading the"
                     f" {'x'.join(map(str, dims))} pixels of this IDX file", where, DataError)
    values = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return values.astype(dtype.newbyteorder("="))


class ImagePreprocessing:
    """Images are already (N, C, H, W) in [0, 1]; this fixes and checks the shape.

    New images must have the training shape, since a network's input size is fixed.
    """

    kind = "image"

    def __init__(self, shape: tuple[int, ...] | None = None) -> None:
        self.shape = None if shape is None else tuple(int(s) for s in shape)

    @classmethod
    def from_options(cls, ds: Dataset, options: EncodingOptions) -> ImagePreprocessing:
        if ds.modality != "image":
            raise DataError(f"image preprocessing needs images, not {ds.modality} data")
        return cls()

    def fit(self, ds: Dataset, train_idx: np.ndarray) -> None:
        self.shape = tuple(int(s) for s in ds.records.shape[1:])  # type: ignore[union-attr]

    def transform(self, ds: Dataset) -> np.ndarray:
        if self.shape is None:
            raise RuntimeError("ImagePreprocessing.transform called before fit")
        records: Any = ds.records
        if not isinstance(records, (np.ndarray, LazyRows)) or records.ndim != 4:
            raise DataError(f"expected images, got {ds.modality} data")
        theirs = tuple(records.shape[1:])
        if theirs != self.shape:
            c, h, w = self.shape
            raise DataError(
                f"images are {'x'.join(map(str, theirs))}, the model expects {c}x{h}x{w}:"
                f" load them with image size {h}x{w}"
                + (" in grayscale" if c == 1 else " in colour")
            )
        return records.astype(np.float32, copy=False)

    @property
    def input_shape(self) -> tuple[int, ...]:
        if self.shape is None:
            raise RuntimeError("ImagePreprocessing.input_shape needs fit first")
        return self.shape

    @property
    def feature_names(self) -> list[str]:
        c, h, w = self.input_shape
        return [f"c{k}:{y}:{x}" for k in range(c) for y in range(h) for x in range(w)]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "shape": None if self.shape is None else list(self.shape)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImagePreprocessing:
        if d.get("kind") != cls.kind:
            raise DataError(f"preprocessing.json: expected kind 'image', got {d.get('kind')!r}")
        shape = d.get("shape")
        if shape is not None and (not isinstance(shape, list) or len(shape) != 3):
            raise DataError(f"preprocessing.json: bad image shape {shape!r}")
        return cls(None if shape is None else tuple(shape))

    def report(self) -> list[str]:
        return []
