"""``mendel inspect`` and ``mendel demo list`` through the real dispatcher (no Qt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_demo_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", "demo:spiral", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["n_samples"] == 500
    assert d["task"] == "classification"
    assert d["modality"] == "tabular"
    assert d["classes"] == {"-1": 250, "+1": 250}
    assert d["input_shape"] == [2]
    assert isinstance(d["warnings"], list)


def test_inspect_fasta_reports_alphabet_and_one_hot_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fasta = tmp_path / "reads.fasta"
    fasta.write_text(">a|pos\nACGTACGTAC\n>b|neg\nACGTTT\n>c|pos\nacgtnnacgt\n>d|neg\nTTTTGGGG\n")
    code, out, _ = run(capsys, "inspect", str(fasta), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["alphabet"] == "DNA"
    assert d["modality"] == "sequence"
    assert d["input_shape"] == [10, 4]
    code, out, _ = run(capsys, "inspect", str(fasta), "--json", "--encoding", "kmer:3")
    assert json.loads(out)["input_shape"] == [64]


def test_inspect_text_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", "demo:iris")
    assert code == 0
    assert "setosa" in out and "input shape" in out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\xff\xfe" * 50, "reads.fasta"),
        (b"ACGT\nACGT\n", "reads.fasta"),
        (b">a|x\nAC!T\n>b|y\nACGT\n", "'!'"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, fragment: str
) -> None:
    path = tmp_path / "reads.fasta"
    path.write_bytes(content)
    code, out, err = run(capsys, "inspect", str(path))
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert "Traceback" not in err


def test_missing_file_and_unknown_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "inspect", "/no/such/file.csv")
    assert code == 1 and "no such file" in err
    code, _, err = run(capsys, "inspect", "demo:nope")
    assert code == 1 and "spiral" in err  # lists the valid names


def test_demo_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "list", "--json")
    names = {d["name"] for d in json.loads(out)}
    assert code == 0
    assert {"circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss", "iris", "wine",
            "breast-cancer", "diabetes", "digits", "motif"} <= names


def test_inspect_follows_the_duplicate_advice(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The leakage warning says "remove duplicates or split by group": both are flags."""
    seqs = ["ACGTACGTAA", "GGGGCCCCAA", "TTTTAAAACC", "CCCCGGGGAT", "ATATATATGC"] * 4
    fasta = tmp_path / "reads.fa"
    fasta.write_text("".join(f">P{i % 5}|r{i}|{'ab'[i % 2]}\n{s}\n" for i, s in enumerate(seqs)))
    _, out, _ = run(capsys, "inspect", str(fasta), "--json")
    assert json.loads(out)["duplicates"] == 15
    code, out, _ = run(capsys, "inspect", str(fasta), "--json", "--drop-duplicates")
    d = json.loads(out)
    assert code == 0 and d["n_samples"] == 5 and d["duplicates"] == 0
    for rule in ("identity", "field:1"):
        code, out, _ = run(capsys, "inspect", str(fasta), "--json", "--group-by", rule)
        assert code == 0 and not any("leakage" in w for w in json.loads(out)["warnings"])
