"""One entry point for every input: ``load_dataset(path, LoadOptions)``.

The format is chosen from ``options.format`` or guessed from the path: ``demo:NAME``,
a folder of FASTA files (one per class), a folder of class sub-folders of images,
IDX files, FASTA/FASTQ/GenBank (optionally .gz), CSV/TSV tables. ``LoadOptions`` lives in
``core.data.options`` (below every loader) and is importable from here too. After the
loader, duplicates are removed and groups made as the options ask (``core.data.groups``).

Whatever goes wrong, the caller gets one ``DataError`` that names the file: a FIFO or a
device is refused before it is opened, a loader's message that names no file gets the
file's name, and a loader bug (any other exception) becomes a ``DataError`` too, with
its traceback in the log (``naming_errors``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from core.data.dataset import Dataset
from core.data.files import check_source, display
from core.data.groups import check_group_options, finish_groups
from core.data.options import SEQUENCE_EXTENSIONS, TABLE_EXTENSIONS, LoadOptions
from core.errors import DataError, MendelError
from core.progress import Cancelled, ProgressFn, StopFn

log = logging.getLogger(__name__)

# Files that hold Python pickles (PyTorch, scikit-learn, joblib): reading one runs code.
PICKLE_EXTENSIONS = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib"}
PICKLE_REFUSED = (
    "pickled Python files are refused for safety (reading one can run any code); give "
    "data as a CSV/TSV table or a FASTA file, and a model as a Mendel run folder or "
    "safetensors weights"
)
KNOWN_TYPES = ("Mendel reads FASTA/FASTQ/GenBank (.fa, .fastq, .gb), CSV/TSV tables (.csv, "
               ".tsv), image folders and IDX files")


def guess_format(path: Path) -> str:
    """The loader for ``path`` from its name (a folder: from what it holds)."""
    name = path.name.lower()
    if path.is_dir():
        files = [p for p in path.iterdir() if not p.name.startswith(".")]
        if any(p.is_dir() for p in files):
            return "images"
        if any(_strip_gz(p.name.lower()).endswith(tuple(SEQUENCE_EXTENSIONS)) for p in files):
            return "fasta"
        if any("idx" in p.name.lower() for p in files):
            return "idx"
        raise DataError("folder holds no class sub-folders, FASTA or IDX files", display(path))
    base = _strip_gz(name)
    if "idx1" in base or "idx3" in base:
        return "idx"
    suffix = Path(base).suffix
    if suffix in SEQUENCE_EXTENSIONS:
        return "fasta"
    if suffix in TABLE_EXTENSIONS:
        return "csv"
    if suffix in PICKLE_EXTENSIONS:
        raise DataError(PICKLE_REFUSED, path.name)
    what = f"file type {suffix!r}" if suffix else "file type (the name has no extension)"
    raise DataError(f"unknown {what}; {KNOWN_TYPES}: give the file the extension of its"
                    " format", display(path))  # fmt: skip


def _strip_gz(name: str) -> str:
    return name[:-3] if name.endswith(".gz") else name


def load_dataset(
    source: str,
    options: LoadOptions | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Dataset:
    """Load any supported input; raises ``DataError`` with a one-line message.

    ``options.task == "reconstruct"``: the loader infers the labels' task as usual (the
    labels stay, for colouring), and the dataset is marked ``info["reconstruct"]``.
    """
    options = options or LoadOptions()
    if options.task == "reconstruct":
        ds = load_dataset(source, dataclasses.replace(options, task=None), progress,
                          should_stop)
        ds.info["reconstruct"] = True
        return ds
    if not source.strip():  # Path("") is the current folder: never what was meant
        raise DataError("no data given: name a file, a folder or demo:NAME")
    with naming_errors(source):
        if source.startswith("demo:"):
            from core.data.demos import load_demo

            check_group_options(options, "demo")
            return finish_groups(load_demo(source[5:], options), options)
        path = Path(source)
        check_source(path)  # a FIFO or a device would block the first read forever
        fmt = options.format or guess_format(path)
        check_group_options(options, fmt)
        return finish_groups(_read(path, fmt, options, progress, should_stop), options)


@contextmanager
def naming_errors(source: str) -> Iterator[None]:
    """Errors raised inside, as ``DataError``s that name ``source``.

    A ``MendelError`` whose message names no file gets ``source``'s name in front; any
    other exception (a bug: no caller should see "unexpected error") becomes a
    ``DataError`` naming the file and saying what to do, with its traceback logged.
    ``Cancelled`` passes as it is: stopping is not an error of the file.
    """
    name = display(source)  # as the user gave it (a bare file name says less in a project)
    try:
        yield
    except Cancelled:
        raise
    except MendelError as err:
        if err.path or display(Path(source).name) in str(err):
            raise
        try:
            named = type(err)(str(err), name)
        except TypeError:  # a subclass with its own constructor
            named = DataError(str(err), name)
        raise named.with_traceback(err.__traceback__) from err
    except MemoryError as err:
        raise DataError("not enough memory to read it; close other programs or give a "
                        "smaller file", name) from err
    except Exception as err:
        log.exception("reading %s failed", name)
        raise DataError(f"Mendel failed on this data with {type(err).__name__}"
                        f" ({str(err)[:120] or 'no message'}); this is a bug: please report"
                        " it with the file", name) from err


def check_trainable(ds: Dataset) -> None:
    """Refuse a classification with fewer than two classes present, before training.

    A network trained on one class reports accuracy 1.0 and has learned nothing. Loaders
    of tables and IDX files only warn (evaluating a model on rows of one class is right);
    training calls this (``core.train.run.prepare_run``).
    """
    if ds.training_task != "classification" or ds.info.get("unlabelled") or not len(ds):
        return
    present = np.unique(ds.targets)
    if len(present) < 2:
        names = ds.class_names or []
        only = names[int(present[0])] if len(names) > int(present[0]) else str(present[0])
        raise DataError(f"every sample is of one class ({only!r}); a classifier needs at least"
                        " two: add samples of another class, or train regression on a"
                        " numeric target")


def _read(path: Path, fmt: str, options: LoadOptions, progress: ProgressFn | None,
          should_stop: StopFn | None) -> Dataset:
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
    raise DataError(f"unknown format {fmt!r}; use fasta, csv, images or idx", display(path))
