"""k-mer spectra and Jaccard similarity, checked by hand on small sequences."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from core.classic.kmers import (
    count_histogram,
    jaccard_matrix,
    kmer_names,
    kmer_presence,
    kmer_spectrum,
    read_kmer_input,
    spectrum_frame,
    top_kmers,
)
from core.errors import DataError


def by_name(counts: np.ndarray, k: int) -> dict[str, int]:
    return {str(n): int(c) for n, c in zip(kmer_names(k), counts, strict=True) if c}


def test_spectrum_of_a_small_sequence_counted_by_hand() -> None:
    # ACGTAC: AC, CG, GT, TA, AC -> AC twice
    counts = kmer_spectrum("ACGTAC", 2)
    assert counts.shape == (16,) and counts.dtype == np.int64
    assert by_name(counts, 2) == {"AC": 2, "CG": 1, "GT": 1, "TA": 1}
    assert by_name(kmer_spectrum("ACGTAC", 1), 1) == {"A": 2, "C": 2, "G": 1, "T": 1}
    assert by_name(kmer_spectrum("AAAA", 3), 3) == {"AAA": 2}
    assert list(kmer_names(1)) == ["A", "C", "G", "T"]
    assert kmer_names(2)[6] == "CG" and kmer_names(3)[-1] == "TTT"


def test_windows_with_n_or_other_letters_are_skipped() -> None:
    # ACNGT: AC and GT count, CN and NG do not; R (IUPAC) and '-' are gaps too
    assert by_name(kmer_spectrum("ACNGT", 2), 2) == {"AC": 1, "GT": 1}
    assert by_name(kmer_spectrum("ACRGT-TT", 2), 2) == {"AC": 1, "GT": 1, "TT": 1}
    assert kmer_spectrum("NNNN", 2).sum() == 0
    assert kmer_spectrum("AC", 3).sum() == 0  # shorter than k
    # lower case and RNA's U read as DNA
    assert by_name(kmer_spectrum("acgu", 2), 2) == {"AC": 1, "CG": 1, "GT": 1}


def test_many_sequences_count_as_if_apart() -> None:
    # joined naively, "AC" + "GT" would add a CG window; it must not
    assert by_name(kmer_spectrum(["AC", "GT"], 2), 2) == {"AC": 1, "GT": 1}
    assert kmer_spectrum(["ACGT", "ACGT"], 2).sum() == 6


def test_spectrum_matches_a_dict_over_string_slices_on_random_dna() -> None:
    rng = np.random.default_rng(3)
    seq = "".join(rng.choice(list("ACGTN"), size=5000, p=[0.24, 0.24, 0.24, 0.24, 0.04]))
    k = 5
    expected = Counter(seq[i:i + k] for i in range(len(seq) - k + 1) if "N" not in seq[i:i + k])
    assert by_name(kmer_spectrum(seq, k), k) == dict(expected)


def test_jaccard_by_hand() -> None:
    # 2-mers: ACGT {AC, CG, GT}; ACGA {AC, CG, GA}; TTTT {TT}
    presence = kmer_presence(["ACGT", "ACGA", "TTTT"], 2)
    assert presence.shape == (3, 16)
    assert np.asarray(presence.sum(axis=1)).ravel().tolist() == [3, 3, 1]
    j = jaccard_matrix(presence)
    np.testing.assert_allclose(j, [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]])
    # a file is the union of its sequences: {AC, CG, GT, GA} against {TT, AC}
    files = jaccard_matrix(kmer_presence([["ACGT", "ACGA"], ["TTTT", "AC"]], 2))
    assert files[0, 1] == pytest.approx(1 / 5)
    # Python sets give the same numbers; two empty sets have nothing to compare
    sets = jaccard_matrix([{"AC", "CG", "GT"}, {"AC", "CG", "GA"}, set()])
    assert sets[0, 1] == pytest.approx(0.5) and sets[0, 2] == 0
    assert np.isnan(sets[2, 2])


def test_histogram_frame_and_top() -> None:
    counts = np.array([0, 3, 3, 1, 0, 5])
    edges, per_bin = count_histogram(counts)
    assert edges[0] == 0.5 and per_bin.tolist() == [1, 0, 2, 0, 1]  # counts 1, 3, 3, 5
    frame = spectrum_frame(kmer_spectrum("AACG", 1), 1)
    assert list(frame.columns) == ["kmer", "count", "frequency"]
    assert frame["count"].tolist() == [2, 1, 1, 0]
    assert frame["frequency"].tolist() == [0.5, 0.25, 0.25, 0.0]
    assert top_kmers(kmer_spectrum("AACG", 1), 1, 2) == [("A", 2), ("C", 1)]


@pytest.mark.parametrize("k", [0, 13, 2.5, True])
def test_bad_k_is_one_line(k) -> None:
    with pytest.raises(DataError, match="k must be a whole number from 1 to 12"):
        kmer_spectrum("ACGT", k)


def test_bad_input() -> None:
    with pytest.raises(DataError, match="no sequences"):
        kmer_spectrum([], 2)
    with pytest.raises(DataError, match="no sequences to compare"):
        kmer_presence([], 2)
    with pytest.raises(DataError, match="must be text"):
        kmer_spectrum([b"ACGT"], 2)


def test_reading_files_and_folders(tmp_path) -> None:
    fasta = tmp_path / "reads.fa"
    fasta.write_text(">r1\nACGTNACGT\n>r2\nTTTT\n")
    data = read_kmer_input(str(fasta))
    assert data.names == ["r1", "r2"] and data.groups == [["ACGTNACGT"], ["TTTT"]]
    assert not data.by_file
    folder = tmp_path / "genomes"
    folder.mkdir()
    (folder / "a.fa").write_text(">x\nACGT\n>y\nGG\n")
    (folder / "b.fasta").write_text(">z\nACGA\n")
    (folder / "notes.txt").write_text("not a sequence file")
    data = read_kmer_input(str(folder))
    assert data.by_file and data.names == ["a.fa", "b.fasta"]
    assert data.groups == [["ACGT", "GG"], ["ACGA"]] and len(data.sequences) == 3
    protein = tmp_path / "p.fa"
    protein.write_text(">p\nMKLVWWQQEE\n")
    with pytest.raises(DataError, match="protein"):
        read_kmer_input(str(protein))
    with pytest.raises(DataError, match="holds tabular data"):
        read_kmer_input("demo:iris")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no FASTA"):
        read_kmer_input(str(tmp_path / "empty"))
