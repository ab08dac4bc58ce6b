"""Data options shared by every sub-command that reads a dataset (inspect, train, pca...)."""

from __future__ import annotations

import argparse

from core.data.options import EncodingOptions, LoadOptions
from core.errors import DataError


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """DATA plus the loader and encoding flags, identical for every command."""
    parser.add_argument("data", metavar="DATA",
                        help="a FASTA/FASTQ/GenBank file, a CSV/TSV table, a folder "
                        "(one FASTA per class, or one image sub-folder per class), "
                        "IDX files, or demo:NAME (see 'mendel demo list')")
    g = parser.add_argument_group("data options")
    g.add_argument("--format", choices=["fasta", "csv", "images", "idx"],
                   help="input format (default: guessed from the path)")
    g.add_argument("--labels", metavar="FILE", help="labels table (id, label) for a FASTA")
    g.add_argument("--target", metavar="COL", help="target column of a table")
    g.add_argument("--task", choices=["classification", "regression", "reconstruct"],
                   help="override the inferred task; 'reconstruct' trains an autoencoder "
                   "that rebuilds its inputs (the labels only colour its pictures)")
    g.add_argument("--features", metavar="COLS", help="comma-separated feature columns")
    g.add_argument("--sequence-column", metavar="COL",
                   help="table column holding sequences ('' never detects one)")
    g.add_argument("--split-column", metavar="COL",
                   help="column with train/val/test per row; that split is used")
    g.add_argument("--group-column", metavar="COL",
                   help="column (patient, individual) whose groups never span two splits")
    g.add_argument("--group-by", metavar="RULE",
                   help="groups that never span two splits: 'identity' (identical records), "
                   "'field:N' (N-th '|' field of a FASTA header) or 'regex:PATTERN' (what it "
                   "matches in the header)")
    g.add_argument("--drop-duplicates", action="store_true",
                   help="remove records that repeat an earlier one (the first is kept)")
    g.add_argument("--missing", choices=["impute", "drop"], default="impute",
                   help="missing values: impute (median / most frequent) or drop rows")
    g.add_argument("--image-shape", metavar="HxW", type=parse_hw,
                   help="reshape a pixel table into images, e.g. 28x28")
    g.add_argument("--image-size", metavar="HxW", type=parse_hw,
                   help="resize images to this size (default: the most common size)")
    g.add_argument("--grayscale", action="store_true", help="read images as grayscale")
    g.add_argument("--skip-bad-files", action="store_true",
                   help="skip unreadable images (they are listed) instead of failing")
    g.add_argument("--noise", type=float, metavar="N", help="Playground demos: noise 0..50")
    g.add_argument("--size", type=int, metavar="N", help="demos: number of samples")
    e = parser.add_argument_group("encoding options")
    e.add_argument("--encoding", default="onehot", metavar="onehot|integer|kmer:K",
                   help="sequence encoding: one-hot (default), integer codes (for Embedding "
                        "layers) or k-mer profile, e.g. kmer:6")
    e.add_argument("--length", type=int, metavar="L",
                   help="one-hot / integer length (default: the longest sequence, capped at "
                        "2000)")
    e.add_argument("--kmer-counts", action="store_true",
                   help="raw k-mer counts instead of frequencies")
    e.add_argument("--both-strands", action="store_true",
                   help="k-mers of both strands (DNA)")
    e.add_argument("--rc-augment", action="store_true",
                   help="add reverse complements of the training sequences (DNA)")


def parse_hw(text: str) -> tuple[int, int]:
    try:
        h, w = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW such as 28x28, got {text!r}") from None
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError("image height and width must be at least 1")
    return h, w


def load_options_from_args(args: argparse.Namespace) -> LoadOptions:
    features = [c.strip() for c in args.features.split(",")] if args.features else None
    return LoadOptions(
        format=args.format,
        labels=args.labels,
        target=args.target,
        task=args.task,
        features=features,
        sequence_column=args.sequence_column,
        split_column=args.split_column,
        group_column=args.group_column,
        group_by=args.group_by,
        drop_duplicates=args.drop_duplicates,
        missing=args.missing,
        image_shape=args.image_shape,
        image_size=args.image_size,
        grayscale=True if args.grayscale else None,
        skip_bad_files=args.skip_bad_files,
        demo_noise=args.noise,
        demo_size=args.size,
    )


def encoding_options_from_args(args: argparse.Namespace) -> EncodingOptions:
    encoding, k = parse_encoding(args.encoding)
    return EncodingOptions(
        encoding=encoding,
        k=k,
        kmer_normalize=not args.kmer_counts,
        both_strands=args.both_strands,
        length=args.length,
        rc_augment=args.rc_augment,
        image_size=args.image_size,
        grayscale=True if args.grayscale else None,
    )


def parse_encoding(text: str) -> tuple[str, int]:
    """'onehot' -> ('onehot', 3); 'integer' -> ('integer', 3); 'kmer:6' -> ('kmer', 6)."""
    text = text.strip().lower().replace("-", "")
    if text in ("onehot", "integer"):
        return text, 3
    if text.startswith("kmer"):
        rest = text[4:].lstrip(":")
        try:
            k = int(rest) if rest else 3
        except ValueError:
            raise DataError(f"--encoding {text!r}: k must be a number, e.g. kmer:6") from None
        if not 1 <= k <= 8:
            raise DataError(f"--encoding kmer:{k}: k must be between 1 and 8")
        return "kmer", k
    raise DataError(f"--encoding {text!r}: use onehot, integer or kmer:K (K = 1..8)")
