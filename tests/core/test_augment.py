"""Augmentation of training batches: each transformation, seeding, the trainer, errors, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from app.cli import main
from core.data.encoding import one_hot, reverse_complement_onehot
from core.data.tensors import TensorData, input_layout
from core.errors import TrainError
from core.train.augment import (
    SEED_OFFSET,
    augment_generator,
    make_augmenter,
    mutate,
    reverse_complement,
    reverse_complement_some,
    shift_sequences,
)
from core.train.augment_options import (
    AugmentOptions,
    check_fits,
    drop_unfitting,
    format_augment,
    parse_augment,
)
from core.train.config import TrainConfig
from core.train.events import RunFailed
from core.train.trainer import Trainer

CPU = torch.device("cpu")


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors are faster on one thread, and the test machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def gen(seed: int = 0) -> torch.Generator:
    return augment_generator(seed, CPU)


def images(n: int = 64, c: int = 1, h: int = 12, w: int = 10, seed: int = 0) -> torch.Tensor:
    return torch.rand((n, c, h, w), generator=torch.Generator().manual_seed(seed))


def dna(n: int = 32, length: int = 30, seed: int = 0, pad: bool = True) -> torch.Tensor:
    """One-hot DNA; with ``pad`` each row i is shorter by i % 5 (zero rows at the end)."""
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), length - (i % 5 if pad else 0)))
            for i in range(n)]
    return torch.from_numpy(one_hot(seqs, "DNA", length))


def augmenter(shape: tuple[int, ...], layout: str, **options):
    fn = make_augmenter(AugmentOptions(**options), shape, layout)
    assert fn is not None
    return fn


# -- images --------------------------------------------------------------------------------
@pytest.mark.parametrize(("option", "dim"), [("hflip", -1), ("vflip", -2)])
def test_flips_are_exact_and_random_per_image(option: str, dim: int) -> None:
    x = images()
    out = augmenter(tuple(x.shape[1:]), "image", **{option: True})(x, gen())
    same = (out == x).flatten(1).all(1)
    flipped = (out == x.flip(dim)).flatten(1).all(1)
    assert bool((same | flipped).all())  # each image whole, bit for bit
    assert 10 < int(flipped.sum()) < 54  # about half of 64
    assert not torch.equal(out, x)


def test_a_shift_moves_each_image_by_whole_pixels_and_fills_black() -> None:
    x = images(n=16)
    out = augmenter(tuple(x.shape[1:]), "image", shift=2)(x, gen())
    assert out.shape == x.shape
    padded = F.pad(x, (2, 2, 2, 2))
    h, w = x.shape[2:]
    for i in range(len(x)):  # some offset (dy, dx) in [-2, 2]^2 reproduces it
        candidates = [padded[i, :, 2 + dy:2 + dy + h, 2 + dx:2 + dx + w]
                      for dy in range(-2, 3) for dx in range(-2, 3)]
        assert min(float((out[i] - c).abs().max()) for c in candidates) < 1e-5, i


def test_rotation_crop_brightness_and_noise_keep_shape_and_range() -> None:
    x = images(n=8, c=3, h=16, w=20)
    for options in ({"rotate": 30.0}, {"crop": 0.6}, {"brightness": 0.5}, {"noise": 0.1},
                    {"rotate": 10.0, "shift": 2, "crop": 0.8, "brightness": 0.2,
                     "noise": 0.05, "hflip": True, "vflip": True}):
        out = augmenter((3, 16, 20), "image", **options)(x, gen())
        assert out.shape == x.shape and out.dtype == x.dtype, options
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0, options
        assert float((out - x).abs().mean()) > 1e-3, options


def test_brightness_scales_each_image_by_one_factor_within_the_bound() -> None:
    x = images(n=32) * 0.5  # stays below 1 after a 1.4x gain: no clamping
    out = augmenter(tuple(x.shape[1:]), "image", brightness=0.4)(x, gen())
    ratio = (out / x.clamp_min(1e-6)).flatten(1)
    assert torch.allclose(ratio.min(1).values, ratio.max(1).values, atol=1e-4)
    assert float(ratio.min()) >= 0.6 - 1e-5 and float(ratio.max()) <= 1.4 + 1e-5


def test_a_small_rotation_keeps_the_middle_of_a_smooth_image() -> None:
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 21), torch.linspace(-1, 1, 21),
                            indexing="ij")
    x = (1 - (xx**2 + yy**2) / 2).clamp(0, 1).expand(4, 1, 21, 21).contiguous()
    out = augmenter((1, 21, 21), "image", rotate=20.0)(x, gen())
    assert torch.allclose(out[:, :, 10, 10], x[:, :, 10, 10], atol=1e-5)  # the centre
    assert torch.allclose(out[:, :, 6:15, 6:15], x[:, :, 6:15, 6:15], atol=0.05)  # radial


def test_the_input_batch_is_never_written() -> None:
    x = images(n=8)
    before = x.clone()
    augmenter(tuple(x.shape[1:]), "image", hflip=True, rotate=10.0, noise=0.1)(x, gen())
    s = dna()
    s_before = s.clone()
    augmenter((30, 4), "onehot:DNA", rc=True, shift=3, mutate=0.2)(s, gen())
    assert torch.equal(x, before) and torch.equal(s, s_before)


# -- sequences -----------------------------------------------------------------------------
def test_reverse_complement_twice_is_identity_and_matches_the_encoder() -> None:
    x = dna()
    rc = reverse_complement(x)
    assert torch.equal(reverse_complement(rc), x)
    assert np.array_equal(rc.numpy(), reverse_complement_onehot(x.numpy()))  # padding last


def test_random_reverse_complement_picks_about_half() -> None:
    x = dna(n=64)
    out = reverse_complement_some(x, gen())
    same = (out == x).flatten(1).all(1)
    rc = (out == reverse_complement(x)).flatten(1).all(1)
    assert bool((same | rc).all()) and 10 < int(rc.sum()) < 54


def test_a_sequence_shift_keeps_the_shape_and_fills_the_gap_with_zeros() -> None:
    x = dna(pad=False)
    out = shift_sequences(x, 3, gen())
    assert out.shape == x.shape
    for i in range(len(x)):
        matches = []
        for k in range(-3, 4):
            want = torch.zeros_like(x[i])
            if k >= 0:
                want[k:] = x[i, :30 - k]
            else:
                want[:k] = x[i, -k:]
            matches.append(torch.equal(out[i], want))
        assert any(matches), i
    assert not torch.equal(out, x)


def test_mutation_keeps_one_hot_rows_valid_and_changes_about_the_rate() -> None:
    x = dna(n=200, length=50)
    out = mutate(x, 0.1, gen())
    letters = x.sum(2) > 0
    assert torch.equal(out.sum(2)[letters], torch.ones(int(letters.sum())))  # one 1 a row
    assert bool(((out == 0) | (out == 1)).all())
    assert torch.equal(out[~letters], x[~letters])  # padding stays padding
    changed = (out != x).any(2)
    assert bool(changed[letters].float().mean().sub(0.1).abs() < 0.02)  # a different base


def test_protein_takes_shift_and_mutation_but_not_reverse_complement() -> None:
    x = torch.from_numpy(one_hot(["ACDEFGHIKLMNPQRSTVWY" * 2] * 4, "protein", 40))
    out = augmenter((40, 20), "onehot:protein", shift=2, mutate=0.1)(x, gen())
    assert out.shape == x.shape and torch.equal(out.sum(2).unique(), torch.tensor([0.0, 1.0]))
    with pytest.raises(TrainError, match="reverse complement.*DNA or RNA"):
        make_augmenter(AugmentOptions(rc=True), (40, 20), "onehot:protein")


# -- seeding -------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_batches_and_another_seed_others() -> None:
    x = images(n=16)
    fn = augmenter(tuple(x.shape[1:]), "image", hflip=True, rotate=15.0, shift=1, crop=0.7,
                   brightness=0.2, noise=0.05)
    g1, g2, g3 = gen(3), gen(3), gen(4)
    first = [fn(x, g1) for _ in range(3)]
    again = [fn(x, g2) for _ in range(3)]
    other = fn(x, g3)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not torch.equal(first[0], first[1])  # a new draw each batch
    assert not torch.equal(first[0], other)
    s = dna()
    seq = augmenter((30, 4), "onehot:DNA", rc=True, shift=2, mutate=0.05)
    assert torch.equal(seq(s, gen(1)), seq(s, gen(1)))


def test_the_generator_is_seeded_apart_from_the_training_seed() -> None:
    g = augment_generator(5, CPU)
    assert g.device.type == "cpu" and g.initial_seed() == 5 + SEED_OFFSET


# -- the trainer ---------------------------------------------------------------------------
class Recorder(nn.Module):
    """A tiny CNN that keeps a copy of every input, with the mode it was called in."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        self.seen: list[tuple[bool, torch.Tensor]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append((self.training, x.detach().clone()))
        return self.net(x)


def _image_data(n: int = 48) -> TensorData:
    rng = np.random.default_rng(0)
    X = rng.random((n, 1, 8, 8), dtype=np.float32)
    y = (X[:, 0, :, :4].mean((1, 2)) > X[:, 0, :, 4:].mean((1, 2))).astype(np.int64)
    return TensorData.from_arrays(X[:32], y[:32], X[32:], y[32:], X[32:], y[32:],
                                  layout="image")


def _train_recording(data: TensorData, augment: dict, epochs: int = 3) -> Recorder:
    torch.manual_seed(0)
    model = Recorder(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(),
                                   nn.Linear(4 * 6 * 6, 2)))
    config = TrainConfig(epochs=epochs, batch_size=None, device="cpu", augment=augment,
                         schedule="none", lr=1e-3)  # full batch: the same rows every epoch
    result = Trainer(model, config, data).run()
    assert result.failed is None, result.failed
    return model


def test_training_batches_differ_between_epochs_while_validation_does_not() -> None:
    data = _image_data()
    model = _train_recording(data, {"hflip": True, "rotate": 10.0, "noise": 0.05})
    train = [x for training, x in model.seen if training]
    val = [x for training, x in model.seen if not training and len(x) == len(data.X_val)]
    assert len(train) == 3 and len(val) == 3
    assert not torch.equal(train[0], train[1]) and not torch.equal(train[1], train[2])
    assert not torch.equal(train[0], torch.from_numpy(data.X_train))
    assert all(torch.equal(v, torch.from_numpy(data.X_val)) for v in val)
    plain = _train_recording(data, {})  # the control: without it every epoch is the same
    same = [x for training, x in plain.seen if training]
    assert all(torch.equal(x, torch.from_numpy(data.X_train)) for x in same)


def test_a_seeded_augmented_run_repeats_exactly() -> None:
    data = _image_data()
    a = _train_recording(data, {"rotate": 20.0, "crop": 0.7}, epochs=2)
    b = _train_recording(data, {"rotate": 20.0, "crop": 0.7}, epochs=2)
    assert all(torch.equal(x, y) for (_, x), (_, y) in zip(a.seen, b.seen, strict=True))


def test_a_misfit_fails_the_run_at_start_with_one_line() -> None:
    events: list = []
    data = _image_data()
    data.layout = "onehot:DNA"  # the inputs claim to be sequences
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    result = Trainer(model, TrainConfig(epochs=1, device="cpu", augment={"hflip": True}),
                     data, on_event=events.append).run()
    assert result.failed == ("augmentation hflip is for images; this run's inputs are one-hot"
                             " DNA sequences (turn it off)")
    assert isinstance(events[-1], RunFailed) and result.epochs_run == 0


def test_prepared_tensors_say_what_their_inputs_are() -> None:
    from core.train.run import prepare_run

    motif = prepare_run("demo:motif", network="cnn1d")
    assert motif.data.layout == "onehot:DNA"
    assert input_layout("image") == "image" and input_layout("tabular") == "table"
    assert input_layout("sequence", "protein", "kmer") == "kmer:protein"


# -- options and their errors --------------------------------------------------------------
def test_the_flag_syntax_parses_and_formats_back() -> None:
    d = parse_augment("hflip, rotate=10,shift=2,noise=0.05,vflip=off")
    assert d == {"hflip": True, "rotate": 10.0, "shift": 2, "noise": 0.05}
    assert format_augment(d) == "hflip,rotate=10,shift=2,noise=0.05"
    assert parse_augment(format_augment(d)) == d
    assert parse_augment("off") == parse_augment("") == {} and format_augment({}) == "off"
    assert AugmentOptions.from_dict({"shift": 2.0, "rotate": 5}).to_dict() == {
        "rotate": 5.0, "shift": 2}  # JSON numbers come back as the right type


@pytest.mark.parametrize(("text", "message"), [
    ("wobble", "unknown augmentation 'wobble' in 'wobble'; use hflip, vflip, rotate"),
    ("rotate", "augmentation rotate needs a value, e.g. rotate=10"),
    ("rotate=ten", "augmentation rotate needs a number, got 'ten'"),
    ("rotate=90", "augmentation rotate must be between 0 and 45, got 90"),
    ("shift=1.5", "augmentation shift needs a whole number, got 1.5"),
    ("hflip=maybe", "augmentation hflip is on or off, got 'maybe'"),
    ("noise=0.1,noise=0.2", "augmentation noise is given twice"),
    ("mutate=0.9", "augmentation mutate must be between 0 and 0.5, got 0.9"),
    ("crop=1", "augmentation crop must be between 0 and 0.99, got 1"),
])
def test_bad_flag_text_gives_one_line(text: str, message: str) -> None:
    with pytest.raises(TrainError) as err:
        parse_augment(text)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


@pytest.mark.parametrize(("options", "layout", "message"), [
    ({"hflip": True}, "onehot:DNA", "augmentation hflip is for images; this run's inputs are"
                                    " one-hot DNA sequences"),
    ({"rc": True}, "image", "augmentation rc is for one-hot sequences; this run's inputs are"
                            " images"),
    ({"rc": True}, "onehot:protein", "augmentation rc (reverse complement) needs DNA or RNA"),
    ({"mutate": 0.1}, "kmer:DNA", "augmentation mutate needs the one-hot encoding"),
    ({"shift": 1}, "table", "augmentation shift is for images and one-hot sequences; this"
                            " run's inputs are a table"),
])
def test_options_that_do_not_fit_the_data_give_one_line(options: dict, layout: str,
                                                         message: str) -> None:
    with pytest.raises(TrainError, match="^" + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        check_fits(AugmentOptions(**options), layout)
    assert drop_unfitting(options, layout) == ({}, list(options))


def test_shifts_longer_than_the_input_are_refused() -> None:
    with pytest.raises(TrainError, match="more than half its size; use at most 4"):
        make_augmenter(AugmentOptions(shift=5), (1, 8, 10), "image")
    with pytest.raises(TrainError, match="not shorter than the sequences"):
        make_augmenter(AugmentOptions(shift=30), (30, 4), "onehot:DNA")


def test_the_config_validates_its_augmentation_and_round_trips() -> None:
    config = TrainConfig(augment={"rc": True, "mutate": 0.02})
    config.validate()
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(TrainError, match="^unknown augmentation spin"):
        TrainConfig(augment={"spin": 1}).validate()
    assert make_augmenter(AugmentOptions(), (1, 8, 8), "table") is None  # off fits anything


# -- the command line ----------------------------------------------------------------------
def test_the_cli_flag_trains_with_augmentation_and_records_it(capsys, tmp_path) -> None:
    code = main(["train", "demo:motif", "--size", "120", "--model", "cnn1d", "--epochs", "2",
                 "--device", "cpu", "--no-baseline", "--augment", "rc,shift=2,mutate=0.02",
                 "--out", str(tmp_path / "run"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["epochs_run"] == 2
    saved = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert saved["augment"] == {"rc": True, "shift": 2, "mutate": 0.02}
    assert "| augment | shift=2,rc,mutate=0.02 |" in (tmp_path / "run" / "MODEL_CARD.md"
                                                      ).read_text()


def test_the_cli_refuses_a_bad_or_misfit_augmentation_in_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["train", "demo:motif", "--augment", "wobble"])
    assert exit_.value.code == 2
    assert "argument --augment: unknown augmentation 'wobble'" in capsys.readouterr().err
    code = main(["train", "demo:motif", "--size", "60", "--epochs", "1", "--device", "cpu",
                 "--no-baseline", "--augment", "hflip"])
    err = capsys.readouterr().err
    assert code == 1
    assert "augmentation hflip is for images; this run's inputs are one-hot DNA" in err
