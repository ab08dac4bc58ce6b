"""One-hot, k-mer profiles and SequencePreprocessing against naive pure-Python references."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data.alphabet import AMINO_ACIDS, IUPAC_NUCLEOTIDES, IUPAC_PROTEIN
from core.data.dataset import Dataset
from core.data.encoding import (
    SequencePreprocessing,
    integer_codes,
    kmer_names,
    kmer_profile,
    one_hot,
    reverse_complement,
    reverse_complement_codes,
    reverse_complement_onehot,
)
from core.data.options import EncodingOptions
from core.data.preprocessing import make_preprocessing, preprocessing_from_dict
from core.errors import DataError

DNA_LETTERS = "ACGTUNRYSWKMBDHV" + "acgtun"
PROTEIN_LETTERS = AMINO_ACIDS + "XBZJ" + "acdkl"
dna_seqs = st.lists(st.text(alphabet=DNA_LETTERS, max_size=25), min_size=1, max_size=8)
protein_seqs = st.lists(st.text(alphabet=PROTEIN_LETTERS, max_size=20), min_size=1, max_size=6)


def naive_one_hot(seqs: list[str], alphabet: str, length: int) -> np.ndarray:
    letters = AMINO_ACIDS if alphabet == "protein" else "ACGT"
    spread = IUPAC_PROTEIN if alphabet == "protein" else IUPAC_NUCLEOTIDES
    out = np.zeros((len(seqs), length, len(letters)), dtype=np.float32)
    for i, s in enumerate(seqs):
        for p, ch in enumerate(s.upper()[:length]):
            for m in spread[ch]:
                out[i, p, letters.index(m)] += 1.0 / len(spread[ch])
    return out


def naive_kmers(seqs: list[str], k: int, alphabet: str, both_strands: bool) -> np.ndarray:
    letters = AMINO_ACIDS if alphabet == "protein" else "ACGT"
    names = ["".join(p) for p in itertools.product(letters, repeat=k)]
    out = np.zeros((len(seqs), len(names)), dtype=np.float32)
    for i, s in enumerate(seqs):
        s = s.upper() if alphabet == "protein" else s.upper().replace("U", "T")
        strands = [s, reverse_complement([s])[0]] if both_strands else [s]
        counts: Counter[str] = Counter()
        for strand in strands:
            for p in range(len(strand) - k + 1):
                kmer = strand[p : p + k]
                if all(ch in letters for ch in kmer):
                    counts[kmer] += 1
        for kmer, n in counts.items():
            out[i, names.index(kmer)] = n
    return out


@settings(max_examples=60, deadline=None)
@given(dna_seqs, st.integers(1, 30))
def test_one_hot_dna_matches_reference(seqs: list[str], length: int) -> None:
    X = one_hot(seqs, "DNA", length)
    assert X.dtype == np.float32 and X.shape == (len(seqs), length, 4)
    np.testing.assert_allclose(X, naive_one_hot(seqs, "DNA", length), atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(protein_seqs, st.integers(1, 25))
def test_one_hot_protein_matches_reference(seqs: list[str], length: int) -> None:
    np.testing.assert_allclose(
        one_hot(seqs, "protein", length), naive_one_hot(seqs, "protein", length), atol=1e-6
    )


def test_one_hot_spreads_ambiguity_letters() -> None:
    X = one_hot(["NRA"], "DNA", 4)
    np.testing.assert_allclose(X[0], [[0.25] * 4, [0.5, 0, 0.5, 0], [1, 0, 0, 0], [0] * 4])


@settings(max_examples=60, deadline=None)
@given(
    dna_seqs,
    st.integers(1, 8),
    st.booleans(),
    st.sampled_from([True, False]),
)
def test_kmer_counts_match_reference(
    seqs: list[str], k: int, both_strands: bool, sparse: bool
) -> None:
    X = kmer_profile(seqs, k, "DNA", normalize=False, both_strands=both_strands, sparse=sparse)
    dense = X.toarray() if sparse else X
    assert sp.issparse(X) is sparse
    np.testing.assert_array_equal(dense, naive_kmers(seqs, k, "DNA", both_strands))


def test_chunked_encoding_matches_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny chunks force many row blocks: row pointers must carry across them."""
    import core.data.encoding as encoding

    monkeypatch.setattr(encoding, "_CHUNK_CHARS", 7)
    monkeypatch.setattr(encoding, "_CHUNK_BINS", 40)
    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list("ACGTN"), size=n)) for n in rng.integers(0, 15, 40)]
    for k, sparse in [(2, True), (2, False), (3, True), (6, True)]:
        X = kmer_profile(seqs, k, normalize=False, both_strands=True, sparse=sparse)
        dense = X.toarray() if sparse else X
        np.testing.assert_array_equal(dense, naive_kmers(seqs, k, "DNA", True))
    np.testing.assert_array_equal(one_hot(seqs, "DNA", 9), naive_one_hot(seqs, "DNA", 9))


@settings(max_examples=30, deadline=None)
@given(protein_seqs, st.integers(1, 3), st.booleans())
def test_protein_kmer_counts_match_reference(seqs: list[str], k: int, sparse: bool) -> None:
    X = kmer_profile(seqs, k, "protein", normalize=False, sparse=sparse)
    dense = X.toarray() if sparse else X
    np.testing.assert_array_equal(dense, naive_kmers(seqs, k, "protein", False))


@settings(max_examples=40, deadline=None)
@given(dna_seqs, st.integers(1, 7), st.booleans())
def test_kmer_frequencies_are_normalized_counts(seqs: list[str], k: int, sparse: bool) -> None:
    freq = kmer_profile(seqs, k, "DNA", normalize=True, sparse=sparse)
    freq = freq.toarray() if sparse else freq
    counts = naive_kmers(seqs, k, "DNA", False)
    totals = counts.sum(axis=1, keepdims=True)
    expected = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    np.testing.assert_allclose(freq, expected, rtol=1e-6)


def test_kmer_profile_defaults_and_dtypes() -> None:
    seqs = ["ACGTACGTAC", "GGGGTTTTAA"]
    dense = kmer_profile(seqs, 3)
    assert isinstance(dense, np.ndarray) and dense.dtype == np.float32
    assert dense.shape == (2, 64)
    sparse = kmer_profile(seqs, 6, normalize=False)
    assert sp.isspmatrix_csr(sparse)
    assert sparse.dtype == np.float32 and sparse.indices.dtype == np.int32
    assert sparse.shape == (2, 4096) and sparse.sum() == 10


def test_kmer_profile_skips_ambiguous_and_separates_sequences() -> None:
    X = kmer_profile(["ACNGT", "A", "CG"], 2, normalize=False)
    names = kmer_names(2)
    assert {names[j]: X[0, j] for j in np.flatnonzero(X[0])} == {"AC": 1, "GT": 1}
    assert X[1].sum() == 0  # too short: no k-mer, row of zeros
    assert X[2, names.index("CG")] == 1 and X[2].sum() == 1  # no "AC" across sequences


@pytest.mark.parametrize(("k", "alphabet"), [(0, "DNA"), (9, "DNA"), (4, "protein")])
def test_kmer_profile_rejects_k_out_of_range(k: int, alphabet: str) -> None:
    with pytest.raises(DataError, match="out of range"):
        kmer_profile(["ACGT"], k, alphabet)


def test_both_strands_needs_nucleotides() -> None:
    with pytest.raises(DataError, match="DNA or RNA"):
        kmer_profile(["MKV"], 1, "protein", both_strands=True)


def test_kmer_names() -> None:
    assert kmer_names(1) == ["A", "C", "G", "T"]
    assert kmer_names(2, "RNA")[:5] == ["AA", "AC", "AG", "AU", "CA"]
    assert len(kmer_names(8)) == 4**8
    protein = kmer_names(2, "protein")
    assert protein[:3] == ["AA", "AC", "AD"] and len(protein) == 400


def test_reverse_complement_known() -> None:
    assert reverse_complement(["AACGTN", "acgRYu"]) == ["NACGTT", "aRYcgt"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="ACGTNRYSWKMBDHV", max_size=9), min_size=1), st.integers(9, 12))
def test_reverse_complement_onehot_matches_strings(seqs: list[str], length: int) -> None:
    assert reverse_complement(reverse_complement(seqs)) == seqs
    np.testing.assert_allclose(
        reverse_complement_onehot(one_hot(seqs, "DNA", length)),
        one_hot(reverse_complement(seqs), "DNA", length),
    )


def _dataset(seqs: list[str], alphabet: str = "DNA") -> Dataset:
    return Dataset(
        name="t",
        modality="sequence",
        task="classification",
        records=seqs,
        targets=np.arange(len(seqs)) % 2,
        ids=[f"s{i}" for i in range(len(seqs))],
        class_names=["a", "b"],
        alphabet=alphabet,
    )


def test_preprocessing_fits_length_on_training_rows_only() -> None:
    ds = _dataset(["ACGT", "ACGTACGTAC", "AC", "ACGTACGTACGTACGT"])
    pre = make_preprocessing(ds, EncodingOptions())
    assert isinstance(pre, SequencePreprocessing)
    pre.fit(ds, np.array([0, 1, 2]))
    assert pre.input_shape == (10, 4)
    X = pre.transform(ds)
    assert X.shape == (4, 10, 4) and X.dtype == np.float32
    assert pre.report() == ["2 sequences padded and 1 truncated to length 10"]
    assert pre.feature_names[:5] == ["0:A", "0:C", "0:G", "0:T", "1:A"]
    assert len(pre.feature_names) == 40


def test_preprocessing_caps_and_fixes_length() -> None:
    ds = _dataset(["ACGT" * 10, "ACGT"])
    capped = SequencePreprocessing.from_options(ds, EncodingOptions(max_length=12))
    capped.fit(ds, np.array([0, 1]))
    assert capped.input_shape == (12, 4)
    fixed = SequencePreprocessing.from_options(ds, EncodingOptions(length=5, max_length=3))
    fixed.fit(ds, np.array([0, 1]))
    assert fixed.input_shape == (5, 4)


@pytest.mark.parametrize(
    "options",
    [
        EncodingOptions(),
        EncodingOptions(length=7, rc_augment=True),
        EncodingOptions(encoding="kmer", k=2),
        EncodingOptions(encoding="kmer", k=3, kmer_normalize=False, both_strands=True),
    ],
)
def test_preprocessing_round_trip_gives_identical_output(options: EncodingOptions) -> None:
    ds = _dataset(["ACGTNACGTT", "ggcatRYA", "ACGUAC", "T"])
    pre = make_preprocessing(ds, options)
    pre.fit(ds, np.array([0, 1]))
    saved = json.loads(json.dumps(pre.to_dict()))
    assert saved["kind"] == "sequence" and saved["alphabet"] == "DNA"
    again = preprocessing_from_dict(saved)
    np.testing.assert_array_equal(again.transform(ds), pre.transform(ds))
    assert again.input_shape == pre.input_shape
    assert again.feature_names == pre.feature_names


def test_kmer_preprocessing_shape_and_names() -> None:
    ds = _dataset(["MKVLWEEQ", "PPLKAC"], alphabet="protein")
    pre = make_preprocessing(ds, EncodingOptions(encoding="kmer", k=2))
    pre.fit(ds, np.array([0, 1]))
    X = pre.transform(ds)
    assert X.shape == (2, 400) and pre.input_shape == (400,)
    assert pre.feature_names == kmer_names(2, "protein")
    np.testing.assert_allclose(X.sum(axis=1), 1.0, rtol=1e-6)


def test_augment_appends_reverse_complements() -> None:
    seqs = ["AACGT", "GGTC"]
    ds = _dataset(seqs)
    y = np.array([0, 1])
    pre = make_preprocessing(ds, EncodingOptions(rc_augment=True))
    pre.fit(ds, np.array([0, 1]))
    X2, y2 = pre.augment(pre.transform(ds), y)
    np.testing.assert_array_equal(X2[2:], one_hot(reverse_complement(seqs), "DNA", 5))
    np.testing.assert_array_equal(y2, [0, 1, 0, 1])

    kmer = make_preprocessing(ds, EncodingOptions(encoding="kmer", k=2, rc_augment=True))
    kmer.fit(ds, np.array([0, 1]))
    K2, _ = kmer.augment(kmer.transform(ds), y)
    np.testing.assert_allclose(K2[2:], kmer_profile(reverse_complement(seqs), 2), rtol=1e-6)


def test_augment_leaves_protein_and_disabled_alone() -> None:
    y = np.array([0, 1])
    protein = _dataset(["MKVL", "PPLK"], alphabet="protein")
    pre = make_preprocessing(protein, EncodingOptions(rc_augment=True))
    pre.fit(protein, np.array([0, 1]))
    X = pre.transform(protein)
    assert pre.augment(X, y)[0] is X
    dna = _dataset(["ACGT", "GGCC"])
    off = make_preprocessing(dna, EncodingOptions())
    off.fit(dna, np.array([0, 1]))
    assert off.augment(off.transform(dna), y)[0].shape[0] == 2


def test_preprocessing_rejects_other_alphabet_and_bad_json() -> None:
    pre = make_preprocessing(_dataset(["ACGT", "GGCC"]), EncodingOptions())
    pre.fit(_dataset(["ACGT", "GGCC"]), np.array([0, 1]))
    with pytest.raises(DataError, match="protein sequences, but the encoding was made for DNA"):
        pre.transform(_dataset(["MKVL", "PPLK"], alphabet="protein"))
    with pytest.raises(DataError, match="bad sequence preprocessing"):
        preprocessing_from_dict({"kind": "sequence", "alphabet": "DNA", "colour": "red"})
    with pytest.raises(DataError, match="unknown sequence encoding"):
        preprocessing_from_dict({"kind": "sequence", "alphabet": "DNA", "encoding": "bag"})


# --- integer codes (for Embedding layers) ----------------------------------------------------


def naive_integer_codes(seqs: list[str], alphabet: str, length: int) -> np.ndarray:
    letters = AMINO_ACIDS if alphabet == "protein" else "ACGT"
    out = np.zeros((len(seqs), length), dtype=np.float32)
    for i, s in enumerate(seqs):
        for p, ch in enumerate(s.upper().replace("U", "T") if alphabet != "protein"
                               else s.upper()):
            if p < length and ch in letters:
                out[i, p] = letters.index(ch) + 1
    return out


@settings(max_examples=40, deadline=None)
@given(seqs=dna_seqs, length=st.integers(1, 30))
def test_integer_codes_match_reference(seqs: list[str], length: int) -> None:
    got = integer_codes(seqs, "DNA", length)
    assert got.dtype == np.float32 and got.shape == (len(seqs), length)
    np.testing.assert_array_equal(got, naive_integer_codes(seqs, "DNA", length))


def test_integer_codes_letters_padding_and_unknowns() -> None:
    np.testing.assert_array_equal(integer_codes(["ACGTU", "aNg"], "DNA", 6),
                                  [[1, 2, 3, 4, 4, 0], [1, 0, 3, 0, 0, 0]])
    protein = integer_codes([AMINO_ACIDS + "X"], "protein", 21)
    np.testing.assert_array_equal(protein[0], [*range(1, 21), 0])


def test_integer_preprocessing_shape_names_and_length_rules() -> None:
    ds = _dataset(["ACGT", "ACGTACGTAC", "AC", "ACGTACGTACGTACGT"])
    pre = make_preprocessing(ds, EncodingOptions(encoding="integer"))
    pre.fit(ds, np.array([0, 1, 2]))  # the longest training sequence fixes the length
    assert pre.input_shape == (10,)
    assert pre.feature_names == [str(i) for i in range(1, 11)]
    X = pre.transform(ds)
    assert X.shape == (4, 10) and X.dtype == np.float32
    np.testing.assert_array_equal(X[2], [1, 2, 0, 0, 0, 0, 0, 0, 0, 0])
    assert pre.report() == ["2 sequences padded and 1 truncated to length 10"]
    capped = make_preprocessing(ds, EncodingOptions(encoding="integer", max_length=6))
    capped.fit(ds, np.array([0, 1]))
    assert capped.input_shape == (6,)
    fixed = make_preprocessing(ds, EncodingOptions(encoding="integer", length=3))
    fixed.fit(ds, np.array([0, 1]))
    assert fixed.transform(ds).shape == (4, 3)


def test_integer_preprocessing_round_trip() -> None:
    ds = _dataset(["ACGTNACGTT", "ggcatRYA", "ACGUAC", "T"])
    pre = make_preprocessing(ds, EncodingOptions(encoding="integer", rc_augment=True))
    pre.fit(ds, np.array([0, 1]))
    saved = json.loads(json.dumps(pre.to_dict()))
    assert saved["encoding"] == "integer"
    again = preprocessing_from_dict(saved)
    np.testing.assert_array_equal(again.transform(ds), pre.transform(ds))
    assert (again.input_shape, again.feature_names) == (pre.input_shape, pre.feature_names)


@settings(max_examples=40, deadline=None)
@given(seqs=st.lists(st.text(alphabet="ACGT", max_size=12), min_size=1, max_size=6),
       length=st.integers(1, 15))
def test_reverse_complement_codes_match_strings(seqs: list[str], length: int) -> None:
    kept = [s[:length] for s in seqs]  # rc of a truncated row is the rc of what was kept
    got = reverse_complement_codes(integer_codes(seqs, "DNA", length))
    np.testing.assert_array_equal(got, integer_codes(reverse_complement(kept), "DNA", length))


def test_integer_augment_reverse_complements_dna_and_leaves_protein_alone() -> None:
    seqs = ["AACGT", "GGTC"]
    ds = _dataset(seqs)
    y = np.array([0, 1])
    pre = make_preprocessing(ds, EncodingOptions(encoding="integer", rc_augment=True))
    pre.fit(ds, np.array([0, 1]))
    X2, y2 = pre.augment(pre.transform(ds), y)
    np.testing.assert_array_equal(X2[2:], integer_codes(reverse_complement(seqs), "DNA", 5))
    np.testing.assert_array_equal(y2, [0, 1, 0, 1])
    protein = _dataset(["MKVL", "PPLK"], alphabet="protein")
    pro = make_preprocessing(protein, EncodingOptions(encoding="integer", rc_augment=True))
    pro.fit(protein, np.array([0, 1]))
    X = pro.transform(protein)
    assert pro.augment(X, y)[0] is X


def test_cli_encoding_flag_accepts_integer() -> None:
    from app.commands.data_args import parse_encoding

    assert parse_encoding("integer") == ("integer", 3)
    assert parse_encoding("one-hot") == ("onehot", 3)
    with pytest.raises(DataError, match="use onehot, integer or kmer:K"):
        parse_encoding("bag")
