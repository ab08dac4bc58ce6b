"""``core.explain.motif_files`` and ``match``: MEME and JASPAR read offline (malformed
files are one line naming the file and the line), and the Tomtom-like comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError, ExplainError
from core.explain.export import meme_text
from core.explain.match import compare, match_filters
from core.explain.motif_files import read_jaspar, read_meme, read_motifs
from core.explain.motifs import FilterMotif, FilterMotifs
from tests.core.explain_fixtures import one_hot

MEME = """MEME version 4

ALPHABET= ACGT

strands: + -

Background letter frequencies
A 0.25 C 0.25 G 0.25 T 0.25

MOTIF MA0004.1 Arnt
letter-probability matrix: alength= 4 w= 3 nsites= 20 E= 0
  0.200000  0.800000  0.000000  0.000000
  0.950000  0.000000  0.050000  0.000000
  0.000000  1.000000  0.000000  0.000000
URL http://jaspar.genereg.net/matrix/MA0004.1

MOTIF TATA
letter-probability matrix: alength= 4 w= 6
0 0 0 1
1 0 0 0
0 0 0 1
1 0 0 0
1 0 0 0
0 0 0 1
"""

JASPAR = """>MA0004.1\tArnt
A  [ 4 19  0  0  0  0 ]
C  [16  0 20  0  0  0 ]
G  [ 0  1  0 20  0 20 ]
T  [ 0  0  0  0 20  0 ]
>MA0006.1 Ahr::Arnt
A  [ 3  0  0  0  0  0 ]
C  [ 8  0 23  0  0  0 ]
G  [ 2 23  0 23  0 24 ]
T  [11  1  1  1 24  0 ]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_meme_minimal_format(tmp_path: Path) -> None:
    motifs = read_meme(_write(tmp_path, "m.meme", MEME))
    assert [m.name for m in motifs] == ["MA0004.1 Arnt", "TATA"]
    assert motifs[0].width == 3 and motifs[0].letters == "ACGT" and motifs[0].line == 10
    np.testing.assert_allclose(motifs[0].probabilities[0], [0.2, 0.8, 0, 0])
    np.testing.assert_allclose(motifs[1].probabilities, one_hot("TATAAT"))


def test_jaspar_bracket_and_plain_pfm(tmp_path: Path) -> None:
    motifs = read_jaspar(_write(tmp_path, "j.jaspar", JASPAR))
    assert [m.name for m in motifs] == ["MA0004.1\tArnt", "MA0006.1 Ahr::Arnt"]
    np.testing.assert_allclose(motifs[0].probabilities[0], [0.2, 0.8, 0, 0])
    plain = "\n".join(" ".join(r.split("[")[1].rstrip("] ").split())
                      for r in JASPAR.splitlines()[1:5])
    for text in (plain, ">MA0004.1 Arnt\n" + plain):  # a .pfm file, with or without header
        (m,) = read_motifs(_write(tmp_path, "p.pfm", text), "jaspar")
        np.testing.assert_allclose(m.probabilities, motifs[0].probabilities)


@pytest.mark.parametrize(("kind", "text", "line", "words"), [
    ("meme", MEME.replace("0.950000", "0.95x"), 13, "'0.95x' is not a number"),
    ("meme", MEME.replace("w= 6", "w= 7"), 24, "motif TATA has 6 rows, w= says 7"),
    ("meme", MEME.replace("alength= 4 w= 3", "alength= 5 w= 3"), 11, "alength= 5"),
    ("meme", MEME.replace("  0.000000  1.000000  0.000000  0.000000", "0 1 0"), 14,
     "3 numbers in a row"),
    ("meme", MEME.replace("letter-probability matrix: alength= 4 w= 6",
                          "letter-probability matrix:"), 18, "needs 'alength= A w= W'"),
    ("jaspar", JASPAR.replace("G  [ 0  1", "T  [ 0  1"), 4, "row T where JASPAR puts G"),
    ("jaspar", JASPAR.replace("[11  1  1  1 24  0 ]", "[11  1  1 24  0 ]"), 10,
     "rows differ in length"),
    ("jaspar", JASPAR.replace("T  [ 0  0  0  0 20  0 ]\n", ""), 4, "has 3 rows"),
    ("jaspar", JASPAR.replace("C  [16", "C  (16"), 3, "must read like"),
])
def test_malformed_files_name_the_file_and_the_line(tmp_path: Path, kind: str, text: str,
                                                    line: int, words: str) -> None:
    path = _write(tmp_path, f"bad.{kind}", text)
    with pytest.raises(DataError) as info:
        read_motifs(path, kind)
    message = str(info.value)
    assert message.startswith(f"{path}: line {line}: ") and words in message, message
    assert "\n" not in message


def test_files_without_motifs_or_missing(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="holds no MEME motif"):
        read_meme(_write(tmp_path, "e.meme", "MEME version 4\n"))
    with pytest.raises(DataError, match="no such motif file"):
        read_jaspar(tmp_path / "absent.jaspar")


def _filters(probs: list[np.ndarray]) -> FilterMotifs:
    found = [FilterMotif(i, p * 10, p, np.log2(p * 4 + 1e-12), np.zeros(len(p)), 10, 1.0)
             for i, p in enumerate(probs)]
    return FilterMotifs(found, "ACGT", 0.5, 1.0, 10)


probabilities = st.integers(1, 12).flatmap(lambda w: st.lists(
    st.lists(st.integers(0, 1000), min_size=4, max_size=4).filter(lambda r: sum(r) > 0),
    min_size=w, max_size=w)).map(lambda rows: (np.array(rows, float).T / np.array(
        rows, float).sum(axis=1)).T)


@settings(max_examples=40, deadline=None)
@given(probabilities)
def test_meme_and_jaspar_round_trip(tmp_path_factory: pytest.TempPathFactory,
                                    probs: np.ndarray) -> None:
    folder = tmp_path_factory.mktemp("round")
    (back,) = read_meme(_write(folder, "f.meme", meme_text(_filters([probs]))))
    np.testing.assert_allclose(back.probabilities, probs, atol=1e-6)
    counts = np.round(probs * 1000).astype(int)
    rows = "\n".join(f"{c} [ {' '.join(map(str, counts[:, j]))} ]"
                     for j, c in enumerate("ACGT"))
    (again,) = read_jaspar(_write(folder, "f.jaspar", f">x\n{rows}\n"))
    np.testing.assert_allclose(again.probabilities, counts / counts.sum(axis=1,
                                                                        keepdims=True))


def test_compare_finds_offset_and_strand() -> None:
    rng = np.random.default_rng(0)
    filt = rng.dirichlet(np.ones(4), size=9)
    assert compare(filt, filt) == pytest.approx((1.0, 0, "+", 9))
    score, offset, strand, overlap = compare(filt, filt[2:8])  # a part of it
    assert (round(score, 6), offset, strand, overlap) == (1.0, 2, "+", 6)
    score, offset, strand, _ = compare(filt, filt[2:8][::-1, ::-1])  # its other strand
    assert (round(score, 6), offset, strand) == (1.0, 2, "-")
    assert compare(filt, filt[2:8][::-1, ::-1], both_strands=False)[0] < 0.99
    # the overlap floor: a 4-column overlap is not tried when 5 are needed
    score, _, _, overlap = compare(filt[3:], filt[:7], min_overlap=5)
    assert overlap >= 5 and score < 0.99
    assert compare(filt[3:], filt[:7], min_overlap=4)[0] == pytest.approx(1.0)


def test_match_filters_picks_the_right_known_motif(tmp_path: Path) -> None:
    library = read_meme(_write(tmp_path, "m.meme", MEME))
    tata = np.full((9, 4), 0.05)
    tata[1:7] = 0.85 * one_hot("TATAAT") + 0.05
    tata[[0, 7, 8]] = 0.25
    uniform = np.full((9, 4), 0.25)
    found = match_filters(_filters([uniform, tata]), library)
    assert found.filters[1].match.motif == "TATA" and found.filters[1].match.offset == 1
    assert found.filters[1].match.score > 0.99 and found.filters[1].match.strand == "+"
    assert found.filters[0].match.score == pytest.approx(0.0)  # a flat filter matches nothing
    protein = FilterMotifs([], "ACDEFGHIKLMNPQRSTVWY", 0.5, 1.0, 0)
    with pytest.raises(ExplainError, match="has 4 letters; the run's sequences have 20"):
        match_filters(protein, library)
