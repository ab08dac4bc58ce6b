"""Sequence data engine benchmark: reading, 6-mer counting and one-hot encoding.

Baseline: scikit-learn's ``CountVectorizer(analyzer="char", ngram_range=(6, 6))`` on the
same strings, the bag-of-k-mers recipe the gene-family course workflow uses. The issue's
figure, ``speedup_total``, gives CountVectorizer the strings already in memory and times
Mendel from the file: read (``load_sequences``) plus k-mer profile. ``speedup_counting``
compares the counting alone.

Mendel's peak memory is measured in a fresh subprocess (peak resident set size minus the
size after imports), so nothing left over from the baseline run counts against it. The
machine's CPU count and load average are reported with the figures: timings on a shared
machine are only comparable at similar load.

    python -m tests.benchmarks.bench_data            # 100,000 x 1 kb (a few minutes)
    python -m tests.benchmarks.bench_data --quick    # 2,000 sequences, smoke run
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from core.data.encoding import kmer_names, kmer_profile, one_hot
from core.data.fasta import load_sequences
from core.data.options import LoadOptions

SEQ_LENGTH = 1000
LINE_WIDTH = 80
K = 6


def write_random_fasta(path: Path, n: int, length: int = SEQ_LENGTH, seed: int = 0) -> None:
    """``n`` uniform random DNA sequences with two labels in the headers, 80 letters a line."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(path, "w") as fh:
        for start in range(0, n, 10_000):
            rows = min(10_000, n - start)
            block = letters[rng.integers(0, 4, rows * length)].tobytes().decode()
            parts = []
            for i in range(rows):
                seq = block[i * length : (i + 1) * length]
                parts.append(f">seq{start + i}|{'ab'[(start + i) % 2]}\n")
                parts.extend(seq[j : j + LINE_WIDTH] + "\n" for j in range(0, length, LINE_WIDTH))
            fh.write("".join(parts))


def _rss_bytes() -> int:
    """Current resident set size (Linux /proc; elsewhere the peak so far)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return _peak_rss_bytes()


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _worker(task: str, fasta: str) -> dict[str, Any]:
    """One measurement in this (fresh) process: times and peak memory above imports."""
    baseline = _rss_bytes()
    t0 = time.perf_counter()
    ds = load_sequences(Path(fasta), LoadOptions())
    t1 = time.perf_counter()
    seqs: list[str] = ds.records  # type: ignore[assignment]
    if task == "kmer":
        X = kmer_profile(seqs, K, "DNA", normalize=False)
        t2 = time.perf_counter()
        result_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
        extra = {"nnz": int(X.nnz), "result_bytes": int(result_bytes)}
    else:
        X = one_hot(seqs, "DNA", SEQ_LENGTH)
        t2 = time.perf_counter()
        extra = {"output_bytes": int(X.nbytes)}
    return {
        "read_s": t1 - t0,
        "encode_s": t2 - t1,
        "peak_bytes": _peak_rss_bytes() - baseline,
        **extra,
    }


def _in_subprocess(task: str, fasta: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", task, str(fasta)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def _sklearn_baseline(fasta: Path) -> dict[str, Any]:
    """CountVectorizer on the strings already in memory, and a check that it counts what
    Mendel counts."""
    from sklearn.feature_extraction.text import CountVectorizer

    seqs: list[str] = load_sequences(fasta, LoadOptions()).records  # type: ignore[assignment]
    t0 = time.perf_counter()
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(K, K), lowercase=False)
    theirs = vectorizer.fit_transform(seqs)
    t1 = time.perf_counter()
    ours = kmer_profile(seqs, K, "DNA", normalize=False)
    column = {name: i for i, name in enumerate(kmer_names(K))}
    names = [name for name in column if name in vectorizer.vocabulary_]
    ours_cols = [column[name] for name in names]
    theirs_cols = [vectorizer.vocabulary_[name] for name in names]
    same = (
        ours.nnz == theirs.nnz
        and (ours[:, ours_cols] != theirs[:, theirs_cols].astype(np.float32)).nnz == 0
    )
    return {
        "vectorize_s": t1 - t0,
        "nnz": int(theirs.nnz),
        "result_bytes": int(theirs.data.nbytes + theirs.indices.nbytes + theirs.indptr.nbytes),
        "same_counts": bool(same),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Figures as a JSON-able dict; ``quick`` uses 2,000 sequences instead of 100,000."""
    n = 2_000 if quick else 100_000
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        fasta = Path(tmp) / "random.fa"
        write_random_fasta(fasta, n)
        fasta_bytes = fasta.stat().st_size
        kmer = _in_subprocess("kmer", fasta)
        onehot = _in_subprocess("onehot", fasta)
        sklearn = _sklearn_baseline(fasta)

    budget = kmer["result_bytes"] + fasta_bytes
    text_bytes = n * SEQ_LENGTH
    total_s = kmer["read_s"] + kmer["encode_s"]
    speedup_total = sklearn["vectorize_s"] / total_s
    return {
        "n_sequences": n,
        "sequence_length": SEQ_LENGTH,
        "fasta_bytes": fasta_bytes,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": list(os.getloadavg()),
        },
        "kmer6_counts": {
            "mendel_read_s": round(kmer["read_s"], 3),
            "mendel_kmer_s": round(kmer["encode_s"], 3),
            "mendel_total_s": round(total_s, 3),
            "sklearn_vectorize_s": round(sklearn["vectorize_s"], 3),
            "speedup_total": round(speedup_total, 2),
            "speedup_counting": round(sklearn["vectorize_s"] / kmer["encode_s"], 2),
            "nnz": kmer["nnz"],
            "sklearn_nnz": sklearn["nnz"],
            "same_counts_as_sklearn": sklearn["same_counts"],
            "mendel_result_bytes": kmer["result_bytes"],
            "sklearn_result_bytes": sklearn["result_bytes"],
            "mendel_peak_bytes": kmer["peak_bytes"],
            "budget_bytes_result_plus_fasta": budget,
            "peak_over_budget": round(kmer["peak_bytes"] / budget, 3),
            "target_speedup_total_at_least_5": speedup_total >= 5,
            "target_peak_at_most_2x": kmer["peak_bytes"] <= 2 * budget,
        },
        "onehot": {
            "mendel_read_s": round(onehot["read_s"], 3),
            "seconds": round(onehot["encode_s"], 3),
            "sequences_per_s": round(n / onehot["encode_s"]),
            "input_mb_per_s": round(text_bytes / onehot["encode_s"] / 1e6, 1),
            "output_bytes": onehot["output_bytes"],
            "peak_bytes": onehot["peak_bytes"],
            "peak_over_output": round(onehot["peak_bytes"] / onehot["output_bytes"], 3),
        },
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
