"""Which known motif a filter looks like: a small Tomtom-like comparison.

Two motifs are compared column by column: the similarity of an aligned pair of columns
is the Pearson correlation of their letter probabilities (a uniform column correlates
with nothing and scores 0). The score of an alignment is the mean of those correlations
over the aligned columns; every offset of one motif against the other whose overlap is
at least ``min_overlap`` columns is tried (the narrower motif's width when that is
smaller), on both strands for nucleotides (the reverse complement reverses the columns
and swaps A/T and C/G). The best alignment wins. The score runs from -1 to 1; unlike
Tomtom no p-value is computed, so a score is a similarity to compare between filters,
not a significance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from core.data.alphabet import NUCLEOTIDES
from core.errors import ExplainError
from core.explain.motif_files import Motif
from core.explain.motifs import FilterMotifs

DEFAULT_MIN_OVERLAP = 5


@dataclass(frozen=True)
class MotifMatch:
    """The best alignment of a filter with one known motif."""

    motif: str  # the known motif's name
    score: float  # mean column correlation, -1..1
    offset: int  # the known motif's first column sits at this filter column (may be < 0)
    strand: str  # "+" the motif as given, "-" its reverse complement
    overlap: int  # aligned columns


def _standardized(probs: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit norm, so a dot product is a correlation."""
    centred = probs - probs.mean(axis=-1, keepdims=True)
    norm = np.linalg.norm(centred, axis=-1, keepdims=True)
    return np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 1e-12)


def compare_many(queries: np.ndarray, target: np.ndarray, *, both_strands: bool = True,
                 min_overlap: int = DEFAULT_MIN_OVERLAP) -> list[tuple[float, int, str, int]]:
    """For each of ``queries`` (n, width, A), all of one width (a layer's filters), the
    (score, offset, strand, overlap) of ``target``'s (width', A) best alignment on it."""
    if queries.shape[2] != target.shape[1]:
        raise ExplainError(f"a motif of {target.shape[1]} letters cannot be compared with "
                           f"filters of {queries.shape[2]}")
    q = _standardized(queries)
    width = queries.shape[1]
    need = max(1, min(min_overlap, width, len(target)))
    n = len(queries)
    score = np.full(n, -np.inf)
    offset, overlap = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    strand = np.full(n, "+")
    strands = [("+", target)] + ([("-", target[::-1, ::-1])] if both_strands else [])
    for sign, t in strands:
        corr = np.einsum("nka,wa->nkw", q, _standardized(t))
        # offset o: target column j sits on query column j + o
        for o in range(need - len(t), width - need + 1):
            diag = np.diagonal(corr, offset=-o, axis1=1, axis2=2)  # (n, overlap)
            mean = diag.mean(axis=1)
            better = mean > score + 1e-12
            score[better], offset[better], strand[better] = mean[better], o, sign
            overlap[better] = diag.shape[1]
    return [(float(score[i]), int(offset[i]), str(strand[i]), int(overlap[i]))
            for i in range(n)]


def compare(query: np.ndarray, target: np.ndarray, *, both_strands: bool = True,
            min_overlap: int = DEFAULT_MIN_OVERLAP) -> tuple[float, int, str, int]:
    """(score, offset, strand, overlap) of ``target``'s best alignment on ``query``."""
    return compare_many(query[None], target, both_strands=both_strands,
                        min_overlap=min_overlap)[0]


def match_filters(motifs: FilterMotifs, library: Sequence[Motif], *,
                  min_overlap: int = DEFAULT_MIN_OVERLAP) -> FilterMotifs:
    """``motifs`` with each filter's best match among ``library`` (``FilterMotif.match``);
    filters without sites keep ``match`` None."""
    if not library:
        raise ExplainError("the motif file holds no motifs to compare with")
    letters = motifs.letters.replace("U", "T")
    wrong = next((m for m in library if len(m.letters) != len(letters)), None)
    if wrong is not None:
        raise ExplainError(f"{wrong.source}: motif {wrong.name} has {len(wrong.letters)} "
                           f"letters; the run's sequences have {len(letters)}")
    both = letters == NUCLEOTIDES
    found: list[MotifMatch | None] = [None] * len(motifs.filters)
    queries = np.stack([f.probabilities for f in motifs.filters]) if motifs.filters else None
    for known in library if queries is not None else []:
        scores = compare_many(queries, known.probabilities, both_strands=both,
                              min_overlap=min_overlap)
        for i, (score, offset, strand, overlap) in enumerate(scores):
            if found[i] is None or score > found[i].score:
                found[i] = MotifMatch(known.name, score, offset, strand, overlap)
    return replace(motifs, filters=[replace(f, match=m if f.n_sites else None)
                                    for f, m in zip(motifs.filters, found, strict=True)])
