"""The options that say how input is read and encoded, and which file names mean what.

This is the bottom of ``core.data``: plain dataclasses and constants that import nothing
from Mendel. The loaders (``fasta``, ``tabular``, ``images``, ``demos``) and encoders
read them, and ``load`` / ``preprocessing`` dispatch to those loaders, so no loader has
to import its own dispatcher (the cycle ``load -> fasta -> load`` is gone).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEQUENCE_EXTENSIONS = {".fa", ".fasta", ".fna", ".faa", ".ffn", ".fas", ".fq", ".fastq",
                       ".gb", ".gbk", ".genbank"}
TABLE_EXTENSIONS = {".csv", ".tsv", ".txt", ".tab"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"}


@dataclass
class LoadOptions:
    """How to read the input (mirrors ``mendel inspect`` / ``train`` flags)."""

    format: str | None = None  # "fasta", "csv", "images", "idx"; None = guess
    labels: str | None = None  # labels table for a FASTA (id + label/target columns)
    target: str | None = None  # target column of a table
    # force "classification" or "regression"; "reconstruct" reads the labels as the file
    # suggests and trains the network to rebuild its inputs (``core.data.load``)
    task: str | None = None
    features: list[str] | None = None  # feature columns of a table (default: all others)
    sequence_column: str | None = None  # table column holding sequences ("" = never)
    missing: str = "impute"  # "impute" (median / most frequent) or "drop" rows
    split_column: str | None = None  # column with train/val/test per row
    group_column: str | None = None  # column that keeps a group on one side of a split
    # or a rule for the groups (``core.data.groups``): "identity" (identical records),
    # "field:N" / "regex:PATTERN" (from a FASTA header)
    group_by: str | None = None
    drop_duplicates: bool = False  # remove records that repeat an earlier one (first kept)
    image_shape: tuple[int, int] | None = None  # reshape a pixel table into images
    image_size: tuple[int, int] | None = None  # resize images to (H, W)
    grayscale: bool | None = None  # force grayscale (True) or RGB (False)
    skip_bad_files: bool = False  # skip unreadable images (listed) instead of failing
    # False: read the inputs only (prediction). Labels / a target column may be absent and
    # are ignored; targets are zeros, ``task`` is kept and ``info["unlabelled"]`` is True.
    labelled: bool = True
    demo_noise: float | None = None  # Playground demos: noise 0..50
    demo_size: int | None = None  # demos: number of samples
    demo_seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Only the options that differ from the defaults (for provenance and bundles)."""
        defaults = asdict(LoadOptions())
        return {k: v for k, v in asdict(self).items() if v != defaults[k]}


@dataclass
class EncodingOptions:
    """User choices for turning records into tensors (mirrors the CLI flags)."""

    # sequences
    # "onehot" (L, A); "integer" (L,) codes 0 = padding / unknown, 1..A = the letters, for
    # Embedding layers; "kmer" (A**k,) profile
    encoding: str = "onehot"
    k: int = 3  # k-mer length (1..8) when encoding == "kmer"
    kmer_normalize: bool = True  # frequencies (True) or raw counts (False)
    both_strands: bool = False  # add reverse-complement k-mers (DNA only)
    length: int | None = None  # one-hot / integer length; None = longest, capped at max_length
    max_length: int = 2000
    rc_augment: bool = False  # DNA: add reverse complements of training sequences
    # tables (rows with missing values are dropped at load time: LoadOptions.missing)
    standardize: bool = True
    # images
    image_size: tuple[int, int] | None = None  # (H, W); None = most common size
    grayscale: bool | None = None  # None = keep as loaded

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
