"""The memory budget (``core.budget``) and the checks made against it before memory is
spent: whole-file reads, image headers, an image folder's tensor, labels that would size
the outputs, a dataset's encoding, a run's training, measuring and baselines."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from core import budget
from core.budget import (
    ENV,
    check_budget,
    human_bytes,
    memory_budget,
    parse_size,
    physical_memory,
    set_memory_budget,
)
from core.data import files
from core.data.images import load_idx, load_image_folder
from core.data.tensors import TensorData
from core.errors import DataError, MendelError, SpecError, TrainError
from core.nn.spec import NetworkSpec
from core.train.config import TrainConfig
from core.train.run import check_run_memory, prepare_run, run_memory
from core.train.trainer import train_network
from tests.hostile.build import idx, png_header, solid_png


@pytest.fixture(autouse=True)
def default_budget(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(ENV, raising=False)
    set_memory_budget(None)
    yield
    set_memory_budget(None)


@pytest.mark.parametrize(("text", "size"), [
    ("4G", 4 << 30), ("512M", 512 << 20), ("2.5GB", int(2.5 * 2**30)), (" 8 g ", 8 << 30),
    ("1.5 TiB", int(1.5 * 2**40)), ("3000000", 3_000_000), ("64MiB", 64 << 20), (2 << 30, 2 << 30),
    ("1024k", 1 << 20),
])
def test_sizes_parse(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "abc", "4X", "-1G", "0", "4", "1e9", "nan", "G", "4 G B"])
def test_bad_sizes_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="4G"):
        parse_size(text)


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 1023, 8.3 * 2**20, 17.2 * 2**30, 3 * 2**40)] == [
        "0 B", "1023 B", "8.3 MB", "17.2 GB", "3.0 TB"]


def test_the_default_is_half_of_this_computers_memory() -> None:
    assert physical_memory() > 0
    if budget.address_space_left() is None:
        assert memory_budget() == physical_memory() // 2
    assert "50% of this computer's memory" in budget.budget_reason()


def test_the_variable_then_the_setting_override_the_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "2G")
    assert memory_budget() == 2 << 30
    set_memory_budget("1G", "by --memory-budget")
    assert memory_budget() == 1 << 30 and budget.budget_reason() == "set by --memory-budget"
    set_memory_budget(None)
    assert memory_budget() == 2 << 30


def test_a_bad_variable_or_option_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "lots")
    with pytest.raises(MendelError, match=f"the environment variable {ENV}: 'lots' is not"):
        memory_budget()
    with pytest.raises(MendelError, match="^--memory-budget: '4 bytes' is not a size"):
        set_memory_budget("4 bytes", "by --memory-budget")


def test_the_budget_never_exceeds_the_address_space_left(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "address_space_left", lambda: 300 << 20)
    set_memory_budget("8G")
    assert memory_budget() == 300 << 20
    assert "may still address" in budget.budget_reason()


def test_a_refusal_is_one_line_saying_what_needs_how_much() -> None:
    set_memory_budget("4G", "by --memory-budget")
    check_budget(4 << 30, "exactly the budget")
    with pytest.raises(SpecError) as err:
        check_budget(17.2 * 2**30, "the network", "run/network.json", SpecError)
    assert str(err.value) == ("run/network.json: the network needs about 17.2 GB, more than "
                              "the memory budget of 4.0 GB (set by --memory-budget)")
    set_memory_budget(None)
    with pytest.raises(MendelError, match=r"\(50% of this computer's memory; set "
                                          f"{ENV} or --memory-budget to change it\\)$"):
        check_budget(10 * physical_memory(), "ten computers")


def test_whole_reads_take_a_quarter_of_the_budget_at_most(tmp_path: Path) -> None:
    set_memory_budget("64M")
    assert files.whole_read_limit() <= 16 << 20
    path = tmp_path / "d.csv"
    path.write_bytes(b"1,2\n" * (5 << 20))  # 20 MB
    with pytest.raises(DataError, match="d.csv: the file holds 20 MiB, more than 16 MiB"):
        files.read_whole(path)


# --- images: the header before the pixels ----------------------------------------------------


def _folder(root: Path, extra: dict[str, bytes] | None = None, n: int = 3) -> Path:
    for c in "ab":
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.new("L", (8, 8), 40 + 100 * (c == "b") + i).save(root / c / f"{i}.png")
    for name, raw in (extra or {}).items():
        (root / name).write_bytes(raw)
    return root


def test_an_image_too_big_to_decode_is_refused_from_its_header(tmp_path: Path) -> None:
    root = _folder(tmp_path / "pics", {"a/big.png": solid_png(3000, 3000)()})
    set_memory_budget("32M")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's two-line bomb warning must not appear
        with pytest.raises(DataError, match=r"a/big.png: decoding this 3000x3000 image needs"
                                            r" about 18\d\.\d MB, more than the memory budget"):
            load_image_folder(root)
    set_memory_budget(None)  # the same image within the budget: read, with one note
    ds = load_image_folder(root)
    assert len(ds) == 7 and ds.warnings == ["1 of 7 images resized to 8x8"]


def test_a_header_claiming_billions_of_pixels_is_refused_clearly(tmp_path: Path) -> None:
    root = _folder(tmp_path / "pics", {"a/bomb.png": png_header(60000, 60000)})
    set_memory_budget("4G")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="a/bomb.png: not a readable image .more pixels "
                                            "than the memory budget allows"):
            load_image_folder(root)


def test_the_folders_tensor_is_checked_before_it_is_made(tmp_path: Path) -> None:
    from core.data.lazy import is_lazy, set_streaming
    from core.data.options import LoadOptions

    root = _folder(tmp_path / "pics", n=20)
    set_memory_budget("1G")
    set_streaming("never")  # decoded whole, as asked: over the budget, refused first
    try:
        with pytest.raises(DataError, match="pics: 40 images of 4096x4096 pixels in "
                                            "grayscale needs about 2.5 GB"):
            load_image_folder(root, LoadOptions(image_size=(4096, 4096)))
    finally:
        set_streaming(None)
    # by default such a folder is larger than memory: read from disk while training
    assert is_lazy(load_image_folder(root, LoadOptions(image_size=(4096, 4096))).records)


# --- labels before outputs ---------------------------------------------------------------------


def test_idx_labels_of_two_billion_become_one_class_each(tmp_path: Path) -> None:
    x = np.arange(12 * 16, dtype=np.uint8).reshape(12, 4, 4)
    y = np.where(np.arange(12) % 3 == 2, 2_000_000_000, np.arange(12) % 3).astype(">i4")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx(x))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx(y))
    ds = load_idx(tmp_path / "train-images-idx3-ubyte")
    assert ds.class_names == ["0", "1", "2000000000"] and ds.n_outputs == 3


def test_a_label_of_two_billion_is_refused_before_naming_every_class() -> None:
    X = np.zeros((4, 2), np.float32)
    with pytest.raises(DataError, match="one class per label 0..2,000,000,000 needs about"):
        TensorData.from_arrays(X, np.array([0, 1, 2, 2_000_000_000]))


# --- a run: encoding, training, measuring, baselines ---------------------------------------


def _many_classes(path: Path, classes: int = 1000, per_class: int = 3) -> str:
    rng = np.random.default_rng(0)
    with path.open("w") as fh:
        for c in range(classes):
            for j in range(per_class):
                fh.write(f">s{c}_{j}|c{c}\n{''.join(rng.choice(list('ACGT'), 40))}\n")
    return str(path)


def test_a_run_is_priced_before_it_starts(tmp_path: Path) -> None:
    prepared = prepare_run(_many_classes(tmp_path / "r.fa", classes=3000), network="mlp")
    config = TrainConfig(epochs=1, batch_size=64)
    memory = run_memory(prepared, config)
    assert memory.data == sum(getattr(prepared.data, f"{x}_{s}").nbytes
                              for x in "Xy" for s in ("train", "val", "test"))
    assert memory.evaluation >= 32 * 6300 * 3000  # the training rows x 3,000 classes
    assert memory.peak > memory.training and "at most" in memory.text()
    set_memory_budget("200M")
    with pytest.raises(TrainError, match=r"r.fa: measuring the trained network on 6,300 "
                                         r"samples x 3,000 outputs needs about 5\d\d\.\d MB"):
        check_run_memory(prepared, config)
    # a forest of 100 trees with a value per node and class is skipped, not the run
    set_memory_budget("1G")
    assert "random forest" in run_memory(prepared, config).skipped


def test_encoding_is_refused_before_the_tensors_are_made(tmp_path: Path) -> None:
    from core.data.load import load_dataset

    ds = load_dataset(_many_classes(tmp_path / "r.fa", classes=10, per_class=2000))
    set_memory_budget("1M")
    with pytest.raises(DataError, match="r.fa: encoding 20,000 samples of shape 40 x 4 needs"):
        prepare_run(ds, network="mlp")


def test_the_trainer_prices_the_network_before_building_it() -> None:
    rng = np.random.default_rng(0)
    data = TensorData.from_arrays(rng.random((8, 100), dtype=np.float32), np.arange(8) % 2)
    spec = NetworkSpec.from_dict({"layers": [{"kind": "Dense", "units": 65536}] * 3})
    result = train_network(spec, TrainConfig(epochs=1, device="cpu"), data)
    assert result.failed and "more than the memory budget" in result.message


def test_the_command_line_sets_the_budget(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--memory-budget", "lots", "inspect", "demo:spiral"]) == 1
    assert "error: --memory-budget: 'lots' is not a size" in capsys.readouterr().err
    assert main(["--memory-budget", "3G", "inspect", "demo:spiral"]) == 0
    assert memory_budget() == 3 << 30 and "budget 3.0 GB" in capsys.readouterr().out
