"""Image folders, IDX files and ImagePreprocessing, on small files written per test."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest
from PIL import Image

from core.data.dataset import Dataset
from core.data.images import ImagePreprocessing, load_idx, load_image_folder
from core.data.load import load_dataset
from core.data.options import EncodingOptions, LoadOptions
from core.data.preprocessing import make_preprocessing, preprocessing_from_dict
from core.errors import DataError


def save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def gray(value, size=(8, 8)):
    return np.full(size, value, dtype=np.uint8)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "cells"
    for i in range(3):
        save(root / "healthy" / f"h{i}.png", gray(255))
        save(root / "tumour" / f"t{i}.png", gray(51))
    return root


def test_class_folders_grayscale(folder):
    ds = load_image_folder(folder, LoadOptions())
    assert ds.class_names == ["healthy", "tumour"] and ds.targets.tolist() == [0] * 3 + [1] * 3
    assert ds.records.shape == (6, 1, 8, 8) and ds.records.dtype == np.float32
    assert ds.records[0].max() == 1.0 and ds.records[3].max() == pytest.approx(0.2)
    assert ds.ids[0] == "healthy/h0.png" and ds.provenance.loader == "images"
    assert ds.info["image_size"] == [8, 8] and ds.info["channels"] == 1
    assert load_dataset(str(folder)).records.shape == ds.records.shape  # format guessed


def test_rgb_jpeg_makes_everything_rgb_and_most_common_size_wins(folder):
    rgb = np.zeros((12, 10, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    save(folder / "tumour" / "colour.jpg", rgb)
    ds = load_image_folder(folder, LoadOptions())
    assert ds.records.shape == (7, 3, 8, 8)
    red = ds.records[ds.ids.index("tumour/colour.jpg")]
    assert red[0].mean() > 0.9 and red[2].mean() < 0.1
    assert ds.records[0, :, 0, 0].tolist() == [1.0, 1.0, 1.0]  # gray copied to 3 channels
    assert ds.info["original_sizes"] == {"8x8": 6, "12x10": 1}
    assert any("1 of 7 images resized to 8x8" in w for w in ds.warnings)


def test_grayscale_and_size_options(folder):
    rgb = np.zeros((8, 8, 3), dtype=np.uint8)
    rgb[..., 1] = 255
    save(folder / "tumour" / "green.bmp", rgb)
    ds = load_image_folder(folder, LoadOptions(grayscale=True, image_size=(4, 6)))
    assert ds.records.shape == (7, 1, 4, 6)
    assert ds.records[ds.ids.index("tumour/green.bmp")].mean() == pytest.approx(0.587, abs=0.01)


def test_sixteen_bit_tiff_is_scaled_by_its_range(tmp_path):
    root = tmp_path / "scope"
    save(root / "a" / "x.tif", np.full((8, 8), 65535, dtype=np.uint16))
    save(root / "b" / "y.tif", np.full((8, 8), 16384, dtype=np.uint16))
    ds = load_image_folder(root, LoadOptions())
    assert ds.records.shape == (2, 1, 8, 8)
    assert ds.records[0].max() == 1.0
    assert ds.records[1].max() == pytest.approx(16384 / 65535)


@pytest.mark.parametrize("content,message", [(b"", "empty"), (b"not a png", "cannot read")])
def test_bad_image_is_named_or_skipped(folder, content, message):
    bad = folder / "tumour" / "broken.png"
    bad.write_bytes(content)
    with pytest.raises(DataError, match=rf"broken\.png: .*{message}"):
        load_image_folder(folder, LoadOptions())
    ds = load_image_folder(folder, LoadOptions(skip_bad_files=True))
    assert len(ds) == 6 and any("broken.png" in w for w in ds.warnings)


def test_truncated_png_is_reported(folder):
    good = (folder / "healthy" / "h0.png").read_bytes()
    (folder / "healthy" / "cut.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match=r"cut\.png"):
        load_image_folder(folder, LoadOptions())


def test_empty_folder_and_single_class(tmp_path):
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(DataError, match="no images found"):
        load_image_folder(tmp_path / "empty", LoadOptions())
    save(tmp_path / "one" / "only" / "x.png", gray(0))
    with pytest.raises(DataError, match="only one class folder \\('only'\\)"):
        load_image_folder(tmp_path / "one", LoadOptions())


def test_class_left_without_readable_images(tmp_path):
    save(tmp_path / "d" / "a" / "x.png", gray(0))
    (tmp_path / "d" / "b").mkdir()
    (tmp_path / "d" / "b" / "y.png").write_bytes(b"")
    with pytest.raises(DataError, match="only one class"):
        load_image_folder(tmp_path / "d", LoadOptions(skip_bad_files=True))


def test_dataset_inside_a_hidden_folder_still_loads(tmp_path):
    root = tmp_path / ".cache" / "cells"
    save(root / "a" / "x.png", gray(0))
    save(root / "b" / "y.png", gray(9))
    assert len(load_image_folder(root, LoadOptions())) == 2


def test_non_images_and_hidden_files_are_ignored(folder):
    (folder / "healthy" / "notes.txt").write_text("hello")
    (folder / "healthy" / ".hidden.png").write_bytes(b"junk")
    assert len(load_image_folder(folder, LoadOptions())) == 6


# --- IDX -------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(">u1" if code == 0x08 else ">i4").tobytes()


def write_idx(folder, prefix, images, labels, gz=False):
    suffix = ".gz" if gz else ""
    pack = gzip.compress if gz else bytes
    img = folder / f"{prefix}-images-idx3-ubyte{suffix}"
    img.write_bytes(pack(idx_bytes(images)))
    (folder / f"{prefix}-labels-idx1-ubyte{suffix}").write_bytes(pack(idx_bytes(labels)))
    return img


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (5, 4, 3), dtype=np.uint8), np.array([0, 3, 9, 1, 3], np.uint8)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, digits, gz):
    images, labels = digits
    img = write_idx(tmp_path, "train", images, labels, gz)
    ds = load_idx(img, LoadOptions())
    assert ds.records.shape == (5, 1, 4, 3) and ds.records.dtype == np.float32
    assert np.allclose(ds.records[:, 0] * 255, images)
    # one class per label present, named by the label (labels 0, 1, 3, 9: four outputs)
    assert ds.class_names == ["0", "1", "3", "9"]
    assert [ds.class_names[t] for t in ds.targets] == [str(v) for v in labels]
    assert ds.split_labels is None and ds.provenance.loader == "idx"
    label_file = tmp_path / ("train-labels-idx1-ubyte" + (".gz" if gz else ""))
    assert np.array_equal(load_dataset(str(label_file)).records, ds.records)


def test_idx_folder_with_train_and_test_keeps_the_split(tmp_path, digits):
    images, labels = digits
    write_idx(tmp_path, "t10k", images[:2], labels[:2])
    write_idx(tmp_path, "train", images, labels)
    ds = load_dataset(str(tmp_path))
    assert len(ds) == 7 and ds.split_labels.tolist() == ["train"] * 5 + ["test"] * 2
    assert ds.ids[0] == "train:0" and ds.ids[-1] == "t10k:1"


def test_idx_pairs_of_different_sizes(tmp_path, digits):
    images, labels = digits
    write_idx(tmp_path, "train", images, labels)
    write_idx(tmp_path, "t10k", np.zeros((2, 5, 5), np.uint8), labels[:2])
    with pytest.raises(DataError, match="images are 5x5, those of train-images-idx3-ubyte are 4x3"):
        load_idx(tmp_path, LoadOptions())


def test_idx_bad_magic(tmp_path, digits):
    img = write_idx(tmp_path, "train", *digits)
    img.write_bytes(b"\x12\x34" + img.read_bytes()[2:])
    with pytest.raises(DataError, match="not an IDX file \\(magic number 0x12340803"):
        load_idx(img, LoadOptions())


def test_idx_truncated_and_mismatched(tmp_path, digits):
    images, labels = digits
    img = write_idx(tmp_path, "train", images, labels)
    data = img.read_bytes()
    img.write_bytes(data[:-7])
    with pytest.raises(DataError, match="header promises 5x4x3 values.*truncated"):
        load_idx(img, LoadOptions())
    img = write_idx(tmp_path, "train", images, labels[:4])
    with pytest.raises(DataError, match="5 images but 4 labels"):
        load_idx(img, LoadOptions())


def test_idx_wrong_dimensions_and_missing_partner(tmp_path, digits):
    images, labels = digits
    img = tmp_path / "x-images-idx3-ubyte"
    img.write_bytes(idx_bytes(labels))
    (tmp_path / "x-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    with pytest.raises(DataError, match="expected images \\(3 dimensions\\)"):
        load_idx(img, LoadOptions())
    lonely = tmp_path / "y-images-idx3-ubyte"
    lonely.write_bytes(idx_bytes(images))
    with pytest.raises(DataError, match="labels-idx1-ubyte file is not next to it"):
        load_idx(lonely, LoadOptions())


# --- ImagePreprocessing ----------------------------------------------------------------


def image_ds(shape):
    n = shape[0]
    records = np.zeros(shape, np.float32)
    ids = [str(i) for i in range(n)]
    return Dataset("i", "image", "classification", records, np.zeros(n, np.int64), ids, ["a"])


def test_image_preprocessing_shape_names_and_json():
    ds = image_ds((3, 1, 2, 2))
    p = make_preprocessing(ds, EncodingOptions())
    assert isinstance(p, ImagePreprocessing)
    p.fit(ds, np.arange(2))
    assert p.input_shape == (1, 2, 2) and p.transform(ds).shape == (3, 1, 2, 2)
    assert p.feature_names == ["c0:0:0", "c0:0:1", "c0:1:0", "c0:1:1"]
    again = preprocessing_from_dict(json.loads(json.dumps(p.to_dict())))
    assert again.input_shape == (1, 2, 2) and again.report() == []
    assert not hasattr(again, "augment")  # random augmentation is per batch, the trainer's


def test_image_preprocessing_rejects_other_shapes():
    p = ImagePreprocessing()
    p.fit(image_ds((2, 1, 28, 28)), np.arange(2))
    with pytest.raises(DataError, match="images are 1x32x32, the model expects 1x28x28"):
        p.transform(image_ds((2, 1, 32, 32)))
    with pytest.raises(DataError, match="bad image shape"):
        ImagePreprocessing.from_dict({"kind": "image", "shape": [28, 28]})
