"""One entry point for every input: ``load_dataset(path, LoadOptions)``.

The format is chosen from ``options.format`` or guessed from the path: ``demo:NAME``,
a folder of FASTA files (one per class), a folder of class sub-folders of images,
IDX files, FASTA/FASTQ/GenBank (optionally .gz), CSV/TSV tables. ``LoadOptions`` lives in
``core.data.options`` (below every loader) and is importable from here too.
"""

from __future__ import annotations

from pathlib import Path

from core.data.dataset import Dataset
from core.data.options import SEQUENCE_EXTENSIONS, TABLE_EXTENSIONS, LoadOptions
from core.errors import DataError
from core.progress import ProgressFn, StopFn


def guess_format(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        files = [p for p in path.iterdir() if not p.name.startswith(".")]
        if any(p.is_dir() for p in files):
            return "images"
        if any(_strip_gz(p.name.lower()).endswith(tuple(SEQUENCE_EXTENSIONS)) for p in files):
            return "fasta"
        if any("idx" in p.name.lower() for p in files):
            return "idx"
        raise DataError("folder holds no class sub-folders, FASTA or IDX files", str(path))
    base = _strip_gz(name)
    if "idx1" in base or "idx3" in base:
        return "idx"
    suffix = Path(base).suffix
    if suffix in SEQUENCE_EXTENSIONS:
        return "fasta"
    if suffix in TABLE_EXTENSIONS:
        return "csv"
    raise DataError(
        "unknown file type; use --format fasta|csv|images|idx", str(path)
    )


def _strip_gz(name: str) -> str:
    return name[:-3] if name.endswith(".gz") else name


def load_dataset(
    source: str,
    options: LoadOptions | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Dataset:
    """Load any supported input; raises ``DataError`` with a one-line message."""
    options = options or LoadOptions()
    if source.startswith("demo:"):
        from core.data.demos import load_demo

        return load_demo(source[5:], options)
    path = Path(source)
    if not path.exists():
        raise DataError("no such file or folder", source)
    fmt = options.format or guess_format(path)
    if fmt == "fasta":
        from core.data.fasta import load_sequences

        return load_sequences(path, options, progress, should_stop)
    if fmt == "csv":
        from core.data.tabular import load_table

        return load_table(path, options, progress, should_stop)
    if fmt == "images":
        from core.data.images import load_image_folder

        return load_image_folder(path, options, progress, should_stop)
    if fmt == "idx":
        from core.data.images import load_idx

        return load_idx(path, options, progress, should_stop)
    raise DataError(f"unknown format {fmt!r}; use fasta, csv, images or idx", source)
