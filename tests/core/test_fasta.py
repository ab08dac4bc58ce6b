"""Reading FASTA / FASTQ / GenBank (plain or gzip) with the three ways of giving labels."""

from __future__ import annotations

import gzip
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import fasta
from core.data.alphabet import clean_sequences
from core.data.dataset import sha256_of_path
from core.data.fasta import load_sequences
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.errors import DataError
from core.progress import Cancelled


def write(path: Path, text: str) -> Path:
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def load(path: Path, **options: object) -> object:
    return load_sequences(path, LoadOptions(**options))  # type: ignore[arg-type]


# --- label modes ---------------------------------------------------------------------------


def test_header_labels_pipe_and_token(tmp_path: Path) -> None:
    fa = write(
        tmp_path / "reads.fasta",
        ">seq1|promoter\nACGT\nacgg\n>seq2 some words label=enhancer more\nTTGA\n"
        ">seq3|enhancer\nACGUN\n",
    )
    ds = load_sequences(fa, LoadOptions())
    assert ds.modality == "sequence" and ds.task == "classification"
    assert ds.records == ["ACGTACGG", "TTGA", "ACGTN"]
    assert ds.ids == ["seq1", "seq2", "seq3"]
    assert ds.class_names == ["enhancer", "promoter"]
    assert ds.targets.dtype == np.int64 and ds.targets.tolist() == [1, 0, 0]
    assert ds.alphabet == "DNA" and ds.name == "reads"
    assert ds.info["length_min"] == 4 and ds.info["length_max"] == 8
    assert ds.info["length_median"] == 5 and ds.info["n_files"] == 1
    assert ds.info["label_source"] == "headers" and ds.info["format"] == "fasta"
    assert ds.provenance is not None
    assert ds.provenance.loader == "fasta" and ds.provenance.sha256 == sha256_of_path(fa)


def test_numeric_header_labels_mean_regression(tmp_path: Path) -> None:
    fa = write(tmp_path / "x.fa", ">a|0.5\nACGT\n>b|1.25\nGGCC\n>c|-3\nTTAA\n")
    ds = load(fa)
    assert ds.task == "regression" and ds.class_names is None
    assert ds.targets.dtype == np.float32 and ds.targets.tolist() == [0.5, 1.25, -3.0]
    forced = load(fa, task="classification")
    assert forced.class_names == ["-3", "0.5", "1.25"] and forced.targets.tolist() == [1, 2, 0]


def test_few_whole_numbers_are_classes_unless_forced(tmp_path: Path) -> None:
    fa = write(tmp_path / "x.fa", ">a|1\nACGT\n>b|0\nGGCC\n>c|10\nTTAA\n>d|2\nACGA\n")
    ds = load(fa)
    assert ds.task == "classification" and ds.class_names == ["0", "1", "2", "10"]
    assert ds.targets.tolist() == [1, 0, 3, 2]
    assert load(fa, task="regression").targets.tolist() == [1.0, 0.0, 10.0, 2.0]


def test_regression_needs_numbers(tmp_path: Path) -> None:
    fa = write(tmp_path / "x.fa", ">a|1.5\nACGT\n>b|high\nGGCC\n")
    with pytest.raises(DataError, match=r"^x.fa line 3: label 'high' is not a number"):
        load(fa, task="regression")


def test_folder_of_files_one_per_class(tmp_path: Path) -> None:
    folder = tmp_path / "families"
    folder.mkdir()
    write(folder / "kinase.fa", ">k1\nACGTAC\n>k2\nACGG\n")
    write(folder / "globin.fa.gz", ">g1 globin\nTTTT\n")
    write(folder / "receptor.fastq", "@r1\nGGGA\n+\nIIII\n")
    write(folder / "notes.txt", "not sequences")
    (folder / "sub").mkdir()
    ds = load(folder)
    assert ds.class_names == ["globin", "kinase", "receptor"]
    assert ds.ids == ["g1", "k1", "k2", "r1"]
    assert ds.targets.tolist() == [0, 1, 1, 2]
    assert ds.info["n_files"] == 3 and ds.info["label_source"] == "folder"
    assert ds.info["format"] == "fasta+fastq" and ds.name == "families"


def test_labels_table_joins_on_ids(tmp_path: Path) -> None:
    fa = write(tmp_path / "x.fa", ">s1|extra desc\nACGT\n>s2\nGGCC\n>s3\nTTAA\n")
    csv = write(tmp_path / "labels.csv", "sequence_id,notes,class\ns3,n,b\ns1,n,a\ns2,n,b\n")
    ds = load(fa, labels=str(csv))
    assert ds.ids == ["s1|extra", "s2", "s3"]  # joined on the id before '|'
    assert ds.class_names == ["a", "b"] and ds.targets.tolist() == [0, 1, 1]
    assert ds.info["label_source"] == "table"
    tsv = write(tmp_path / "labels.tsv", "name\tscore\ns1\t0.1\ns2\t0.7\ns3\t2.5\n")
    reg = load(fa, labels=str(tsv))
    assert reg.task == "regression" and reg.targets.tolist() == pytest.approx([0.1, 0.7, 2.5])


def test_labels_table_unmatched_ids_are_counted(tmp_path: Path) -> None:
    fa = write(tmp_path / "x.fa", "".join(f">seq{i}\nACGT\n" for i in range(10)))
    csv = write(tmp_path / "labels.csv", "id,label\nseq1,a\nseq2,b\nseq3,a\nother,b\n")
    with pytest.raises(DataError) as err:
        load(fa, labels=str(csv))
    assert str(err.value) == (
        "labels.csv: 3 of 10 sequence ids have a label; unmatched e.g. seq0, seq4, seq5;"
        " check the id column 'id'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "labels table is empty"),
        ("id\ns1\n", "needs two columns"),
        ("id,a,b\ns1,x,y\n", "which column holds the labels"),
        ("id,label\ns1,x\ns1,y\n", r"labels.csv row 3: id 's1' has two labels"),
    ],
)
def test_bad_labels_tables(tmp_path: Path, text: str, message: str) -> None:
    fa = write(tmp_path / "x.fa", ">s1\nACGT\n>s2\nGGCC\n")
    csv = write(tmp_path / "labels.csv", text)
    with pytest.raises(DataError, match=message):
        load(fa, labels=str(csv))


def test_missing_labels_table(tmp_path: Path) -> None:
    fa = write(tmp_path / "x.fa", ">s1\nACGT\n")
    with pytest.raises(DataError, match="labels table not found"):
        load(fa, labels=str(tmp_path / "nope.csv"))


def test_unlabelled_reading_for_prediction(tmp_path: Path) -> None:
    fa = write(tmp_path / "new.fa", ">q1\nACGT\n>q2 no label here\nGGCCA\n")
    ds = load(fa, labelled=False)
    assert ds.records == ["ACGT", "GGCCA"] and ds.ids == ["q1", "q2"]
    assert ds.targets.tolist() == [0, 0] and ds.info["unlabelled"] is True
    assert ds.info["label_source"] == "none"
    with pytest.raises(DataError, match="no labels found"):
        load(fa)


# --- formats ------------------------------------------------------------------------------


def test_fastq_and_gzip(tmp_path: Path) -> None:
    text = "@r1|a\nACGT\n+\nIIII\n@r2|b\nGG\n+\n@I\n@r3|a\nTTTA\n+\nIIII\n"
    for name in ("reads.fq", "reads.fastq.gz"):
        ds = load(write(tmp_path / name, text))
        assert ds.records == ["ACGT", "GG", "TTTA"] and ds.targets.tolist() == [0, 1, 0]
        assert ds.info["format"] == "fastq" and ds.name == "reads"


def test_fasta_gz_through_load_dataset(tmp_path: Path) -> None:
    fa = write(tmp_path / "prot.fa.gz", ">p1|kinase\nMKVLAWEEQ*\n>p2|globin\nMVLSPADKTN\n")
    ds = load_dataset(str(fa))
    assert ds.alphabet == "protein" and ds.records == ["MKVLAWEEQ", "MVLSPADKTN"]


def test_windows_line_endings(tmp_path: Path) -> None:
    fa = tmp_path / "w.fa"
    fa.write_bytes(b">s1|a\r\nACGT\r\nAC\r\n>s2|b\r\nGG\r\n")
    assert load(fa).records == ["ACGTAC", "GG"]


def test_parser_warnings_are_kept(tmp_path: Path) -> None:
    gb = _genbank(tmp_path / "t.gb", [("G1", "ACGT", "x label=a")])
    with open(gb, "a") as fh:  # a second record cut off inside its sequence
        fh.write("LOCUS       G2   8 bp    DNA   UNK 01-JAN-1980\n"
                 "DEFINITION  y label=b.\nORIGIN\n        1 acgtacgt\n")
    ds = load(gb)
    assert ds.records == ["ACGT", "ACGTACGT"] and ds.class_names == ["a", "b"]
    assert any(w.startswith("t.gb: Premature end of file") for w in ds.warnings)


def test_rna_is_read_as_t(tmp_path: Path) -> None:
    ds = load(write(tmp_path / "r.fa", ">a|x\nACGUU\n>b|y\nuuag\n"))
    assert ds.alphabet == "RNA" and ds.records == ["ACGTT", "TTAG"]


def _genbank(path: Path, records: list[tuple[str, str, str]]) -> Path:
    recs = [
        SeqRecord(Seq(seq), id=rid, name=rid, description=desc,
                  annotations={"molecule_type": "DNA"})
        for rid, seq, desc in records
    ]
    with open(path, "w") as fh:
        SeqIO.write(recs, fh, "genbank")
    return path


def test_genbank(tmp_path: Path) -> None:
    gb = _genbank(
        tmp_path / "genes.gbk",
        [("G1", "ACGT" * 5, "gene one label=up"), ("G2", "TTGA" * 3, "gene two label=down")],
    )
    ds = load(gb)
    assert ds.ids == ["G1", "G2"]
    assert ds.records == ["ACGT" * 5, "TTGA" * 3]
    assert ds.class_names == ["down", "up"] and ds.info["format"] == "genbank"


def test_genbank_bad_letter_line(tmp_path: Path) -> None:
    gb = _genbank(tmp_path / "g.gb", [("G1", "ACGT" * 5, "x label=a"),
                                      ("G2", "ACGT" * 20 + "!A", "y label=b")])
    lines = gb.read_text().splitlines()
    bad_line = next(n for n, line in enumerate(lines, 1) if "!" in line)
    with pytest.raises(DataError, match=rf"^g.gb line {bad_line}: '!'"):
        load(gb)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.fa", "", r"^e.fa: file is empty$"),
        ("e.fa", "\n  \n", r"^e.fa: file is empty$"),
        ("e.fa.gz", gzip.compress(b""), r"^e.fa.gz: file is empty$"),
        ("b.fa", bytes(range(256)) * 8, r"^b.fa: not a text file"),
        ("b.fa.gz", b"plain text, not gzip", r"^b.fa.gz: not a gzip file"),
        ("n.fa", "\nACGT\n>s1\nACGT\n", r"^n.fa: line 2 must start with '>'"),
        ("q.fq", ">s1\nACGT\n", r"^q.fq: line 1 must start with '@'"),
        ("h.fa", ">s1|a\n>s2|b\nACGT\n", r"^h.fa line 1: header '>s1\|a' has no sequence"),
        ("h.fa", ">s1|a\nACGT\n>s2|b\n", r"^h.fa line 3: header '>s2\|b' has no sequence"),
        ("l.fa", ">s1\nACGT\n>s2\nGGCC\n", r"^l.fa: no labels found; give them as \(1\)"),
        ("o.fa", ">s1|a\nACGT\n>s2|a\nGG\n", r"^o.fa: only one class 'a' found: classification"),
        ("m.fa", ">s1|a\nACGT\n>s2\nGG\n", r"^m.fa line 3: header '>s2' has no label, but"),
        ("u.fa", "".join(f">sp|P{i}|NAME{i}\nMKV\n" for i in range(6)), "look like names"),
        ("g.fa", ">s1|a\nAC-GT\n>s2|b\nGG\n", r"^g.fa line 2: '-' \(alignment gap\)"),
        ("t.fq", "@r1\nACGT\n+\nIIII\n", r"^t.fq: no labels found"),
        ("bad.fq", "@r1|a\nACGT\n+\nIII\n", r"^bad.fq: not a valid FASTQ file"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write(path, content)
    with pytest.raises(DataError, match=message):
        load(path)


def test_illegal_letter_names_its_line(tmp_path: Path) -> None:
    fa = write(tmp_path / "reads.fasta", ">s1|a\nACGT\nACGT\n>s2|b\nACGT\nAC!T\n")
    with pytest.raises(DataError) as err:
        load(fa)
    assert str(err.value) == "reads.fasta line 6: '!' is not a nucleotide or amino-acid letter"


def test_illegal_letter_in_fastq_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "classes"
    folder.mkdir()
    write(folder / "a.fa", ">x\nACGT\n")
    write(folder / "b.fq", "@r0\nAAAA\n+\n@@@@\n@r1\nAC\nG#T\n+\nIIIII\n")
    with pytest.raises(DataError, match=r"^b.fq line 7: '#'"):
        load(folder)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.text(alphabet="ACGTacgtN", min_size=1, max_size=40), min_size=2, max_size=6),
    st.integers(1, 12),
    st.data(),
)
def test_random_fasta_round_trip_and_bad_letter_line(
    tmp_path: Path, seqs: list[str], width: int, data: st.DataObject
) -> None:
    """Wrapped multi-line FASTA reads back exactly; a bad letter anywhere is located."""
    lines: list[str] = []
    where: list[tuple[int, int]] = []  # (record, position) -> line number, in order
    for r, seq in enumerate(seqs):
        lines.append(f">r{r}|{'ab'[r % 2]}")
        for start in range(0, len(seq), width):
            lines.append(seq[start : start + width])
            where += [(len(lines), r)] * len(seq[start : start + width])
    fa = write(tmp_path / "r.fa", "\n".join(lines) + "\n")
    ds = load(fa)
    assert ds.records == [s.upper() for s in seqs]
    flat = data.draw(st.integers(0, len(where) - 1))
    line_number, _ = where[flat]
    line = lines[line_number - 1]
    offset = data.draw(st.integers(0, len(line) - 1))
    lines[line_number - 1] = line[:offset] + "?" + line[offset + 1 :]
    write(fa, "\n".join(lines) + "\n")
    with pytest.raises(DataError, match=rf"^r.fa line {line_number}: '\?'"):
        load(fa)


# --- progress and stop ----------------------------------------------------------------------


def test_progress_and_stop(tmp_path: Path) -> None:
    fa = write(tmp_path / "x.fa", "".join(f">s{i}|{i % 2}\nACGTACGT\n" for i in range(3000)))
    seen: list[float] = []
    load_sequences(fa, LoadOptions(), progress=lambda f, _m: seen.append(f))
    assert seen and all(0.0 <= f <= 1.0 for f in seen) and seen[-1] == 1.0
    assert seen == sorted(seen)
    with pytest.raises(Cancelled):
        load_sequences(fa, LoadOptions(), should_stop=lambda: True)


# --- the FASTA fast path (bytes) against Biopython + string cleaning --------------------------


def _biopython_path(files: list[Path]) -> tuple[list[str], list[str], str, list[int]]:
    recs = fasta._read_all(files, None, None)
    seqs, alphabet = clean_sequences(recs.seqs, [""] * len(recs.seqs))
    return recs.titles, seqs, alphabet, recs.file_of


def _fast_path(files: list[Path], block: int) -> tuple[list[str], list[str], str, list[int]]:
    with patch.object(fasta, "_BLOCK", block):
        result = fasta._read_fasta_fast(files, None, None)
    assert result is not None
    recs, seqs, alphabet = result
    return recs.titles, seqs, alphabet, recs.file_of


records = st.lists(
    st.tuples(
        st.text(alphabet="abc|= é\t", max_size=8),  # header after the id
        st.text(alphabet="ACGTacgtNnRYKMSW", min_size=1, max_size=30),
        st.integers(1, 12),  # line width
        st.booleans(),  # blank line after the record
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records,
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["", "\n", "\n  \n"]),  # text before the first record
    st.booleans(),  # final line end
    st.booleans(),  # gzip
    st.booleans(),  # protein: amino acids, some with a final stop
    st.integers(1, 64),  # read block size: records straddle blocks
)
def test_fast_path_equals_biopython_path(
    tmp_path: Path,
    recs: list[tuple[str, str, int, bool]],
    newline: str,
    preamble: str,
    final_newline: bool,
    gz: bool,
    protein: bool,
    block: int,
) -> None:
    lines = [line for line in preamble.split("\n")[:-1]]
    for r, (desc, seq, width, blank) in enumerate(recs):
        if protein:
            seq = seq.upper().translate(str.maketrans("ACGTNRYKMSW", "MKVLWEQPFIH"))
            seq += "*" if r % 2 else ""
        lines.append(f">r{r}{desc}")
        lines += [seq[i : i + width] for i in range(0, len(seq), width)]
        lines += [""] if blank else []
    text = newline.join(lines) + (newline if final_newline else "")
    path = tmp_path / ("r.fa.gz" if gz else "r.fa")
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    assert _fast_path([path], block) == _biopython_path([path])


def test_fast_path_over_a_folder_of_files(tmp_path: Path) -> None:
    folder = tmp_path / "classes"
    folder.mkdir()
    write(folder / "a.fa", ">a1\nACGT\nAC\n>a2\nGGu\n")
    write(folder / "b.fasta.gz", "\n>b1 x\nttga\n")
    files = sorted(folder.iterdir())
    assert _fast_path(files, 5) == _biopython_path(files)
    assert _fast_path(files, 5)[3] == [0, 0, 1]


@pytest.mark.parametrize(
    ("content", "records"),
    [
        (b">s1|a\rACGT\rAC\r>s2|b\rGG\r", ["ACGTAC", "GG"]),  # classic Mac line ends
        (b">s1|a\rAAAA\nCC\n>s2|b\nGG\n", ["AAAACC", "GG"]),  # a lone CR ends the header
        (">s1|a\nAC\u00a0GT\n>s2|b\nGG\n".encode(), ["ACGT", "GG"]),  # no-break space
    ],
)
def test_unusual_files_fall_back_to_biopython(
    tmp_path: Path, content: bytes, records: list[str]
) -> None:
    fa = tmp_path / "x.fa"
    fa.write_bytes(content)
    assert fasta._read_fasta_fast([fa], None, None) is None
    assert load(fa).records == records


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.text(alphabet="ACGTacgtN", min_size=1, max_size=30), min_size=2, max_size=6),
    st.integers(1, 9),
    st.integers(1, 64),
    st.sampled_from(["\n", "\r\n"]),
    st.data(),
)
def test_bad_letter_line_with_crlf_and_small_blocks(
    tmp_path: Path, seqs: list[str], width: int, block: int, newline: str, data: st.DataObject
) -> None:
    """When the fast path declines, the error still names the right line."""
    lines: list[str] = []
    for r, seq in enumerate(seqs):
        lines.append(f">r{r}|{'ab'[r % 2]}")
        lines += [seq[i : i + width] for i in range(0, len(seq), width)]
    number = data.draw(st.sampled_from([n for n, ln in enumerate(lines, 1) if ln[0] != ">"]))
    offset = data.draw(st.integers(0, len(lines[number - 1]) - 1))
    line = lines[number - 1]
    lines[number - 1] = line[:offset] + "-" + line[offset + 1 :]
    fa = tmp_path / "r.fa"
    fa.write_bytes(newline.join(lines).encode())
    with patch.object(fasta, "_BLOCK", block), pytest.raises(
        DataError, match=rf"^r.fa line {number}: '-' \(alignment gap\)"
    ):
        load(fa)


def test_damaged_gzip_is_reported(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(b">s1|a\nACGT\n" * 2000))
    packed[20:40] = bytes(20)  # wreck the deflate stream
    fa = tmp_path / "x.fa.gz"
    fa.write_bytes(bytes(packed))
    with pytest.raises(DataError, match=r"^x.fa.gz: damaged gzip file"):
        load(fa)


def test_header_sign_inside_a_line_is_no_record_start(tmp_path: Path) -> None:
    """A '>' inside a sequence line is a bad letter wherever a read block starts."""
    text = ">s1|a\nACGTACGT\nACG>s2|b\nGGCC\n"
    fa = write(tmp_path / "x.fa", text)
    for block in range(1, len(text) + 1):
        with patch.object(fasta, "_BLOCK", block), pytest.raises(
            DataError, match=r"^x.fa line 3: '>' is not a nucleotide"
        ):
            load(fa)
