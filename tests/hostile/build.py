"""Small builders the catalogue composes: a file with given bytes, a folder of files,
gzip members, images, IDX arrays. Every builder takes the case's folder and returns
``(source, LoadOptions)``."""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.data.options import LoadOptions

if TYPE_CHECKING:  # the catalogue imports the cases, which import these builders
    from tests.hostile.catalogue import Builder, Built

Content = bytes | str | Callable[[], bytes]


def as_bytes(content: Content) -> bytes:
    if callable(content):
        return content()
    return content.encode("utf-8") if isinstance(content, str) else content


def file(name: str, content: Content, options: LoadOptions | None = None) -> Builder:
    """One file called ``name`` (may hold a sub-folder: 'd/x.csv')."""

    def build(root: Path) -> Built:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(as_bytes(content))
        return str(path), options or LoadOptions()

    return build


def files(folder: str, contents: dict[str, Content], options: LoadOptions | None = None,
          source: str | None = None) -> Builder:
    """Files under ``folder``; the source is the folder (or ``source`` inside it)."""

    def build(root: Path) -> Built:
        base = root / folder
        base.mkdir(parents=True, exist_ok=True)
        for rel, content in contents.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(as_bytes(content))
        return str(base / source if source else base), options or LoadOptions()

    return build


def then(builder: Builder, step: Callable[[Path, Path], None]) -> Builder:
    """``builder``, then ``step(root, source path)`` (a FIFO, a symlink, a strange name)."""

    def build(root: Path) -> Built:
        source, options = builder(root)
        step(root, Path(source))
        return source, options

    return build


def gz(content: Content, level: int = 6) -> Callable[[], bytes]:
    return lambda: gzip.compress(as_bytes(content), compresslevel=level, mtime=0)


def fifo(name: str, options: LoadOptions | None = None) -> Builder:
    """A named pipe called like data: opening it for reading waits for a writer forever."""

    def build(root: Path) -> Built:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
        return str(path), options or LoadOptions()

    return build


def symlink(name: str, target: str, options: LoadOptions | None = None) -> Builder:
    def build(root: Path) -> Built:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
        return str(path), options or LoadOptions()

    return build


def bytes_named(folder: str, raw_names: dict[bytes, Content], options: LoadOptions | None = None,
                source: bytes | None = None) -> Builder:
    """Files whose names are raw bytes (not UTF-8), under ``folder``."""

    def build(root: Path) -> Built:
        base = os.fsencode(root / folder)
        for rel, content in raw_names.items():
            path = os.path.join(base, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(as_bytes(content))
        target = os.path.join(base, source) if source else base
        return os.fsdecode(target), options or LoadOptions()

    return build


# --- images ------------------------------------------------------------------------------


def image(mode: str = "L", size: tuple[int, int] = (8, 8), fmt: str = "PNG", value: int = 100,
          seed: int = 0) -> Callable[[], bytes]:
    """An image file's bytes (Pillow), filled with noise around ``value``."""

    def make() -> bytes:
        from PIL import Image

        rng = np.random.default_rng(seed)
        w, h = size
        if mode in ("I;16", "I"):
            a = rng.integers(0, 60000, (h, w)).astype(np.uint16 if mode == "I;16" else np.int32)
            im = Image.fromarray(a)
        elif mode == "F":
            im = Image.fromarray(rng.uniform(0, 255, (h, w)).astype(np.float32))
        else:
            base = Image.fromarray(
                np.clip(rng.normal(value, 20, (h, w, 3)), 0, 255).astype(np.uint8), "RGB")
            im = base.convert(mode)
        out = io.BytesIO()
        im.save(out, fmt)
        return out.getvalue()

    return make


def float_tiff(values: np.ndarray) -> Callable[[], bytes]:
    def make() -> bytes:
        from PIL import Image

        out = io.BytesIO()
        Image.fromarray(values.astype(np.float32)).save(out, "TIFF")
        return out.getvalue()

    return make


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels and holds almost none."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def solid_png(width: int, height: int, channels: int = 3) -> Callable[[], bytes]:
    """A real, fully decodable PNG of ``width`` x ``height`` zero pixels (grey or RGB),
    compressed row by row: building a 10000 x 10000 one takes kilobytes, not 300 MB."""

    def make() -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(
                ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        packer, row, parts = zlib.compressobj(9), b"\0" * (1 + width * channels), []
        parts += [packer.compress(row) for _ in range(height)]
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 0, 0, 0, 0)
        idat = b"".join(parts) + packer.flush()
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
                + chunk(b"IEND", b""))

    return make


def gzip_of_zeros(head: bytes, n_zeros: int) -> Callable[[], bytes]:
    """A gzip member of ``head`` then ``n_zeros`` zero bytes, packed a megabyte at a time
    (2 GB of zeros pack to 2 MB without ever being held)."""

    def make() -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
        parts, block = [packer.compress(head)], b"\0" * (1 << 20)
        parts += [packer.compress(block) for _ in range(n_zeros >> 20)]
        parts += [packer.compress(b"\0" * (n_zeros & ((1 << 20) - 1))), packer.flush()]
        return b"".join(parts)

    return make


def tiff_header(width: int, height: int) -> bytes:
    """A few hundred bytes of TIFF claiming ``width`` x ``height`` 8-bit grey pixels in one
    PackBits strip (each run of 128 zeros is two bytes: the strip is tiny)."""
    strip = b"\x81\x00" * 64  # 64 runs of 128 zeros
    tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 32773), (262, 3, 1),
            (273, 4, 0), (277, 3, 1), (278, 4, height), (279, 4, len(strip))]
    ifd_at = 8
    data_at = ifd_at + 2 + 12 * len(tags) + 4
    tags[5] = (273, 4, data_at)
    ifd = struct.pack("<H", len(tags)) + b"".join(
        struct.pack("<HHI", tag, kind, 1) + (struct.pack("<HH", value, 0) if kind == 3
                                             else struct.pack("<I", value))
        for tag, kind, value in tags) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_at) + ifd + strip


def class_folders(n_per_class: int = 3, classes: tuple[str, ...] = ("a", "b"),
                  mode: str = "L", size: tuple[int, int] = (8, 8)) -> dict[str, Content]:
    return {f"{c}/{i}.png": image(mode, size, value=60 + 120 * k, seed=i)
            for k, c in enumerate(classes) for i in range(n_per_class)}


# --- IDX -----------------------------------------------------------------------------------

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
             np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx(array: np.ndarray, dims: tuple[int, ...] | None = None, code: int | None = None,
        cut: int = 0) -> bytes:
    """IDX bytes of ``array`` (big-endian); ``dims``/``code`` override the header, ``cut``
    drops bytes from the end."""
    a = array.astype(array.dtype.newbyteorder(">")) if array.dtype.itemsize > 1 else array
    code = IDX_CODES[a.dtype] if code is None else code
    dims = array.shape if dims is None else dims
    raw = bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + a.tobytes()
    return raw[: len(raw) - cut] if cut else raw


def idx_pair(images: bytes | Callable[[], bytes], labels: bytes | Callable[[], bytes],
             prefix: str = "train", suffix: str = "", source: str = "images",
             options: LoadOptions | None = None) -> Builder:
    """``{prefix}-images-idx3-ubyte{suffix}`` and its labels file; the source is the images
    file, the labels file or (``source="folder"``) the folder."""
    names = {f"{prefix}-images-idx3-ubyte{suffix}": images,
             f"{prefix}-labels-idx1-ubyte{suffix}": labels}
    chosen = {"images": f"{prefix}-images-idx3-ubyte{suffix}",
              "labels": f"{prefix}-labels-idx1-ubyte{suffix}", "folder": None}[source]
    return files("mnist", names, options, chosen)


def digits(n: int = 12, size: int = 4, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, size, size)).astype(np.uint8)
    y = (np.arange(n) % classes).astype(np.uint8)
    return x, y
