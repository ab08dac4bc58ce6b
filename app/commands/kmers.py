"""``mendel kmers DATA --k 7 [--jaccard] [--out DIR] [--json]``: the k-mer notebook,
headless.

DATA is a FASTA/FASTQ/GenBank file (Jaccard between its sequences) or a folder of them
(one k-mer set per file). ``core.classic.kmers`` counts; this module prints a summary or
one JSON object and, with ``--out``, writes spectrum.csv (kmer, count, frequency),
jaccard.csv and the pictures (the Explore page's renderers, offscreen). Everything is
read and computed before the first file is written, so bad input leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.commands.classic import _pictures, _print_files, _write
from core.classic.kmers import MAX_K, KmerInput
from core.errors import DataError

MAX_JACCARD = 200  # sequences (or files) compared by default: the matrix grows as n²
TOP = 10


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kmers", help="k-mer spectrum and Jaccard similarity of sequences",
        description="Count every k-mer of DATA (a FASTA, FASTQ or GenBank file, or a folder "
        "of them) in one vectorized pass; windows with N or other non-ACGT letters are "
        "skipped. With --jaccard, compare the k-mer sets of the sequences (or of the files "
        "of a folder): shared k-mers over all k-mers of the pair.")
    p.add_argument("data", metavar="DATA", help="a sequence file or a folder of them")
    p.add_argument("--k", type=int, default=7, metavar="K",
                   help=f"k-mer length, 1 to {MAX_K} (default 7)")
    p.add_argument("--jaccard", action="store_true",
                   help="also the Jaccard similarity between sequences (or files)")
    p.add_argument("--max-sequences", type=int, default=MAX_JACCARD, metavar="N",
                   help=f"compare the first N sequences or files (default {MAX_JACCARD})")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write spectrum.csv, jaccard.csv and the plots (PNG and SVG) into DIR")
    p.add_argument("--no-plots", action="store_true",
                   help="with --out, write the data files only (no pictures, no Qt needed)")
    p.set_defaults(func=run_kmers_command)


def run_kmers_command(args: argparse.Namespace) -> int:
    from core.classic.kmers import (
        check_k,
        jaccard_matrix,
        kmer_presence,
        kmer_spectrum,
        read_kmer_input,
        spectrum_frame,
    )

    k = check_k(args.k)
    if args.max_sequences < 2:
        raise DataError(f"--max-sequences must be at least 2, got {args.max_sequences}")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise DataError("--out must be a folder, but a file has that name", str(args.out))
    data = read_kmer_input(args.data)
    counts = kmer_spectrum(data.sequences, k)
    summary = summarize(data, counts, k)
    jaccard = names = None
    if args.jaccard:
        groups, names = data.groups[: args.max_sequences], data.names[: args.max_sequences]
        if len(groups) < len(data.groups):
            what = "files" if data.by_file else "sequences"
            summary["notes"].append(f"Jaccard between the first {len(groups)} of "
                                    f"{len(data.groups)} {what} (--max-sequences)")
        jaccard = jaccard_matrix(kmer_presence(groups, k))
    outputs: dict[str, Any] = {"spectrum.csv": spectrum_frame(counts, k)}
    if jaccard is not None:
        outputs["jaccard.csv"] = jaccard_frame(jaccard, names or [])
    files = _write(args.out, outputs)
    files += _pictures(args, "kmers_pictures", counts, k, jaccard, names)
    if args.json:
        out = {**summary, "files": files}
        if jaccard is not None:
            out["jaccard"] = {"names": names, "matrix": [[None if np.isnan(v) else float(v)
                                                          for v in row] for row in jaccard]}
        print(json.dumps(out, allow_nan=False))
    else:
        print(format_summary(summary, data, jaccard))
        _print_files(files)
    return 0


def summarize(data: KmerInput, counts: np.ndarray, k: int) -> dict[str, Any]:
    from core.classic.kmers import top_kmers

    lengths = np.fromiter(map(len, data.sequences), dtype=np.int64, count=len(data.sequences))
    windows = int(np.maximum(lengths - k + 1, 0).sum())
    counted = int(counts.sum())
    return {
        "dataset": data.name, "k": k, "n_sequences": len(data.sequences),
        "n_files": len(data.groups) if data.by_file else 1, "total_length": int(lengths.sum()),
        "windows": counted, "skipped_windows": windows - counted,
        "possible_kmers": 4**k, "distinct_kmers": int(np.count_nonzero(counts)),
        "top": [{"kmer": s, "count": c} for s, c in top_kmers(counts, k, TOP)],
        "notes": [],
    }  # fmt: skip


def jaccard_frame(matrix: np.ndarray, names: list[str]) -> pd.DataFrame:
    """The matrix with a first column of names and one column per name (blank: NaN)."""
    frame = pd.DataFrame(matrix, columns=names)
    frame.insert(0, "name", names)
    return frame


def format_summary(s: dict[str, Any], data: KmerInput, jaccard: np.ndarray | None) -> str:
    files = f" in {s['n_files']} files" if data.by_file else ""
    lines = [
        f"{s['k']}-mer spectrum of {s['dataset']}: {s['total_length']:,} letters in "
        f"{s['n_sequences']:,} sequence{'s' if s['n_sequences'] != 1 else ''}{files}",
        f"  {s['windows']:,} windows counted, {s['skipped_windows']:,} skipped (they hold N "
        "or another letter than A, C, G, T)",
        f"  {s['distinct_kmers']:,} of the {s['possible_kmers']:,} possible {s['k']}-mers "
        f"occur ({s['possible_kmers'] - s['distinct_kmers']:,} never)",
    ]
    if s["top"]:
        lines.append("  most frequent: " + ", ".join(f"{t['kmer']} {t['count']:,}"
                                                     for t in s["top"][:5]))
    if jaccard is not None and len(jaccard) > 1:
        off = jaccard[~np.eye(len(jaccard), dtype=bool)]
        off = off[~np.isnan(off)]
        what = "files" if data.by_file else "sequences"
        if len(off):
            lines.append(f"  Jaccard between {len(jaccard)} {what}: mean {off.mean():.3f}, "
                         f"min {off.min():.3f}, max {off.max():.3f}")
    lines += [f"note: {n}" for n in s["notes"]]
    return "\n".join(lines)
