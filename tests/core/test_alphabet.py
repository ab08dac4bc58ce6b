"""Alphabet detection, sequence-column detection and sequence cleaning."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data.alphabet import (
    clean_packed,
    clean_sequences,
    detect_alphabet,
    first_bad_letter,
    looks_like_sequences,
    squeeze,
)
from core.errors import DataError

IUPAC = "ACGTURYSWKMBDHVN"


@pytest.mark.parametrize(
    ("seqs", "expected"),
    [
        (["ACGT", "GGCCA"], "DNA"),
        (["acgtn", "ACGTRY"], "DNA"),
        (["ACGU", "uuag"], "RNA"),
        (["ACGU", "ACGT"], "DNA"),  # mixed T and U reads as DNA
        (["MKVLAAGITW", "PEPTIDE"], "protein"),
        (["DHKMVWSRYB"], "protein"),  # IUPAC letters, but hardly any plain bases
        ([], "DNA"),
    ],
)
def test_detect_alphabet(seqs: list[str], expected: str) -> None:
    assert detect_alphabet(seqs) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["ACGTACGTAA", "GGGCCCATTA", "", "ttgacgatca"], True),
        (["ACGUACGUAA", "GGGCCCAUUA"], True),
        (["MKVLAAGITWEEKLRRSTPQ", "MSTNPKPQRKTKRNTNRRPQ"], True),
        (["yes", "no", "yes"], False),
        (["male", "female"], False),
        (["A", "B", "A"], False),
        (["healthy", "control", "healthy"], False),
        (["differentiated", "undifferentiated"], False),
        (["1.5", "2", "3.25"], False),
        (["ACGTACGT12", "ACGTACGTAA"], False),
        (["", "  "], False),
    ],
)
def test_looks_like_sequences(values: list[str], expected: bool) -> None:
    assert looks_like_sequences(values) is expected


def test_clean_sequences_normalizes_case_whitespace_and_rna() -> None:
    seqs, alphabet = clean_sequences([" acgu\n", "ACG UN"], ["a", "b"])
    assert seqs == ["ACGT", "ACGTN"]
    assert alphabet == "RNA"


def test_clean_sequences_accepts_iupac_and_protein_stop() -> None:
    iupac = "ACGT" * 10 + "RYSWKMBDHVN"
    assert clean_sequences([iupac], ["x"]) == ([iupac], "DNA")
    assert clean_sequences(["MKVLWEEQ*", "PPLKXB"], ["x", "y"]) == (
        ["MKVLWEEQ", "PPLKXB"],
        "protein",
    )


def test_clean_sequences_names_place_and_character() -> None:
    with pytest.raises(DataError) as err:
        clean_sequences(["ACGT", "AC!T"], ["reads.fasta line 2", "reads.fasta line 3"])
    assert str(err.value) == "reads.fasta line 3: '!' is not a nucleotide or amino-acid letter"


@pytest.mark.parametrize(
    ("seq", "words"),
    [
        ("ACG-TT", ["'-'", "gap"]),
        ("MKV*LW", ["'*'", "stop"]),
        ("ACGé", ["'é'"]),
        ("ACG7", ["'7'"]),
    ],
)
def test_clean_sequences_rejects_bad_letters(seq: str, words: list[str]) -> None:
    with pytest.raises(DataError) as err:
        clean_sequences([seq], ["t.csv row 2"])
    message = str(err.value)
    assert message.startswith("t.csv row 2: ")
    assert all(w in message for w in words)


def test_clean_sequences_locates_with_callable() -> None:
    with pytest.raises(DataError, match=r"^seq 1 at 4: '!'"):
        clean_sequences(["ACGT", "acgt!a"], lambda i, pos: f"seq {i} at {pos}")


def test_clean_sequences_rejects_empty() -> None:
    with pytest.raises(DataError, match="row 3: empty sequence"):
        clean_sequences(["ACGT", "ACGT", "  "], ["row 1", "row 2", "row 3"])


def test_first_bad_letter_reports_the_earliest() -> None:
    assert first_bad_letter(["ACGT", "AC.T", "éA"], "DNA") == (1, 2, ".")
    assert first_bad_letter(["ACGT", "AéT"], "DNA") == (1, 1, "é")
    assert first_bad_letter(["ACGT", "RYN"], "DNA") is None
    assert first_bad_letter(["MKLE"], "DNA") == (0, 2, "L")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=IUPAC + IUPAC.lower() + " \n", min_size=1), min_size=1))
def test_clean_sequences_keeps_letters(raw: list[str]) -> None:
    raw = [s if s.strip() else "A" for s in raw]
    seqs, alphabet = clean_sequences(raw, [f"row {i}" for i in range(len(raw))])
    expected = ["".join(s.split()).upper() for s in raw]
    if alphabet == "protein":
        assert seqs == expected
    else:
        assert seqs == [s.replace("U", "T") for s in expected]


def naive_clean(raw: list[str]) -> tuple[list[str], str] | None:
    """What cleaning must give, string by string; None where it must raise."""
    out = ["".join(s.split()).upper() for s in raw]
    alphabet = detect_alphabet(out)
    if alphabet == "protein":
        out = [s[:-1] if s.endswith("*") else s for s in out]
    if not all(out) or first_bad_letter(out, alphabet) is not None:
        return None
    return (out if alphabet == "protein" else [s.replace("U", "T") for s in out]), alphabet


MESSY = IUPAC + IUPAC.lower() + "EFILPQXZ*" + " \t\r\n\x0b\x1f" + "-!.\0é"


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.lists(st.text(alphabet=IUPAC + "acgun \n", min_size=1), min_size=1, max_size=8),
        st.lists(st.text(alphabet="MKVLWEQ*", min_size=1), min_size=1, max_size=8),
        st.lists(st.text(alphabet=MESSY, max_size=12), min_size=1, max_size=8),
    ),
    st.sets(st.integers(1, 7)),
)
def test_packed_fast_path_agrees_with_string_cleaning(raw: list[str], cuts: set[int]) -> None:
    """The bytes fast path (whole sequences split over several blobs) accepts exactly
    what string-by-string cleaning accepts, with the same result; otherwise it declines
    and clean_sequences raises."""
    expected = naive_clean(raw)
    if expected is None:
        with pytest.raises(DataError):
            clean_sequences(raw, [f"row {i}" for i in range(len(raw))])
    else:
        assert clean_sequences(raw, [f"row {i}" for i in range(len(raw))]) == expected
    if not all(s.isascii() for s in raw):
        return
    bounds = [0, *sorted(c for c in cuts if c < len(raw)), len(raw)]
    blobs = [squeeze("\0".join(raw[a:b]).encode()) for a, b in itertools.pairwise(bounds)]
    assert clean_packed(blobs, len(raw)) == expected


def test_squeeze_drops_what_str_split_drops() -> None:
    text = "".join(map(chr, range(128)))
    assert squeeze(text.encode()).decode() == "".join(text.split()).upper()


def test_nul_inside_a_sequence_is_a_bad_letter() -> None:
    """NUL separates packed sequences: one inside a sequence must not split it."""
    assert clean_packed([squeeze(b"AC\0GT\0ACGT")], 2) is None
    with pytest.raises(DataError, match=r"^row 1: '\\x00' is not"):
        clean_sequences(["ACGT", "AC\0GT"], ["row 0", "row 1"])
