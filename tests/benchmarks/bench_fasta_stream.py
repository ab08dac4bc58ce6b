"""A FASTA file larger than memory holds encoded (issue 17), in the same run:

(a) A generated 2 GiB FASTA (2.15 million DNA reads of 1,000 bp in 60-letter lines,
    labels in the headers; one class carries the AP-1 motif TGACTCA) is loaded, split,
    and every training row one-hot encoded once, in its own process under a 2 GiB memory
    budget: the index pass, the split and the encoding never hold the file. Figures: the
    seconds of each step, the peak resident memory of the process (``ru_maxrss``) beside
    the file's size, and the one-hot megabytes that went through.
    Baseline: what a notebook does, Biopython's ``SimpleFastaParser`` reading every record
    into a list (its seconds and peak memory); one-hot of all of them would need 34 GB.
(b) Training, streamed against in memory: a smaller file (60,000 reads of 200 bp, 190 MB
    one-hot) trained for two epochs by ``mendel train`` in memory (``MENDEL_STREAM=never``)
    and streamed (``always``): samples per second, peak memory of the process tree, and
    whether both runs end with the same loss (they see the same batches).
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

from tests.benchmarks.bench_stream import train

MOTIF = np.frombuffer(b"TGACTCA", dtype=np.uint8)
_LETTERS = np.frombuffer(b"ACGT", dtype=np.uint8)


def make_fasta(path: Path, n: int, length: int, width: int = 60) -> Path:
    """``n`` reads of ``length`` letters, ``width`` per line, written a block at a time;
    ``>read17|bound`` reads hold the motif at a random place, ``|free`` ones do not."""
    rng = np.random.default_rng(0)
    lines = -(-length // width)
    block = 20_000
    with open(path, "wb") as fh:
        for start in range(0, n, block):
            m = min(block, n - start)
            seqs = _LETTERS[rng.integers(0, 4, (m, length))]
            bound = np.arange(start, start + m) % 2 == 0
            at = rng.integers(0, length - len(MOTIF), m)
            for i in np.flatnonzero(bound):
                seqs[i, at[i]:at[i] + len(MOTIF)] = MOTIF
            padded = np.full((m, lines * width), ord("\n"), dtype=np.uint8)
            padded[:, :length] = seqs
            body = np.full((m, lines, width + 1), ord("\n"), dtype=np.uint8)
            body[:, :, :width] = padded.reshape(m, lines, width)
            rows = body.reshape(m, -1)
            out = []
            for i in range(m):
                text = rows[i].tobytes()
                if length % width:  # the last line's padding: one line end only
                    text = text[:length + lines]
                out.append(b">read%d|%s\n%s" % (start + i, b"bound" if bound[i] else b"free",
                                                text))
            fh.write(b"".join(out))
    return path


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def child_mendel(path: str) -> dict[str, Any]:
    """Load, split and encode every training row once (in a fresh process)."""
    from core.data.encoding import SequencePreprocessing
    from core.data.lazy import is_lazy
    from core.data.load import load_dataset
    from core.data.splits import make_split
    from core.data.summary import summarize
    from core.data.tensors import prepare_tensors

    t0 = time.perf_counter()
    ds = load_dataset(path)
    loaded = time.perf_counter()
    duplicates = summarize(ds)["duplicates"]  # the Data page's facts: every read hashed
    summarized = time.perf_counter()
    split = make_split(ds, seed=0)
    data = prepare_tensors(ds, split, SequencePreprocessing(ds.alphabet or "DNA"))
    prepared = time.perf_counter()
    X = data.X_train
    chunk, checksum, encoded = 4096, 0.0, 0
    for a in range(0, len(X), chunk):
        rows = X.rows(slice(a, a + chunk))
        checksum += float(rows[:, :, 0].sum())
        encoded += rows.nbytes
    done = time.perf_counter()
    return {"records": len(ds), "streamed": bool(ds.info.get("streamed")) and is_lazy(X),
            "load_s": round(loaded - t0, 1), "summary_s": round(summarized - loaded, 1),
            "duplicates": duplicates, "split_and_fit_s": round(prepared - summarized, 1),
            "encode_train_s": round(done - prepared, 1), "train_rows": len(X),
            "one_hot_mb_encoded": round(encoded / 2**20),
            "encode_mb_per_s": round(encoded / 2**20 / (done - prepared)),
            "peak_rss_mb": _peak_mb(), "checksum_A": round(checksum)}


def child_biopython(path: str) -> dict[str, Any]:
    """The notebook way: every record parsed into a list of (title, sequence)."""
    from Bio.SeqIO.FastaIO import SimpleFastaParser

    t0 = time.perf_counter()
    with open(path) as fh:
        records = list(SimpleFastaParser(fh))
    seconds = time.perf_counter() - t0
    letters = sum(len(s) for _, s in records)
    return {"records": len(records), "read_s": round(seconds, 1), "peak_rss_mb": _peak_mb(),
            "one_hot_of_all_would_need_gb": round(letters * 16 / 1e9, 1)}


def _child(kind: str, path: Path, stream: str = "auto") -> dict[str, Any]:
    env = dict(os.environ, MENDEL_MEMORY_BUDGET="2G", MENDEL_STREAM=stream)
    out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_fasta_stream", kind,
                          str(path)], env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(out.stderr[-800:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> dict[str, Any]:
    n_big, n_train, train_length = (20_000, 3_000, 120) if quick else (2_150_000, 60_000, 200)
    epochs = 1 if quick else 2
    with tempfile.TemporaryDirectory(prefix="mendel-fasta-bench-") as tmp:
        t0 = time.perf_counter()
        big = make_fasta(Path(tmp) / "reads.fa", n_big, 1000)
        written = time.perf_counter() - t0
        size = big.stat().st_size
        # full size: streamed because of the budget; the quick smoke run is too small
        mendel = _child("mendel", big, "always" if quick else "auto")
        biopython = _child("biopython", big)
        big.unlink()
        small = make_fasta(Path(tmp) / "train.fa", n_train, train_length)
        memory = train(small, "never", epochs)
        streamed = train(small, "always", epochs)
    return {
        "fasta_mb": round(size / 2**20), "written_s": round(written, 1),
        "mendel_streamed": mendel, "biopython_list": biopython, "budget": "2G",
        "mendel_peak_vs_file": round(mendel["peak_rss_mb"] / (size / 2**20), 3),
        "goal": "read and encoded without holding it: peak well under the file's size",
        "training": {"reads": n_train, "length": train_length, "epochs": epochs,
                     "in_memory": memory,
                     "streamed": streamed,
                     "streamed_vs_memory": round(streamed["samples_per_s"]
                                                 / memory["samples_per_s"], 3),
                     "same_result": memory["best_val_loss"] == streamed["best_val_loss"]},
    }


if __name__ == "__main__":
    kind, source = sys.argv[1], sys.argv[2]
    result = child_mendel(source) if kind == "mendel" else child_biopython(source)
    print(json.dumps(result))
