"""Random augmentation of training batches, computed on the batch's device.

``make_augmenter`` turns ``AugmentOptions`` into one function ``(batch, generator) ->
batch`` that the trainer calls on every training batch, never on validation or test
inputs. Every transformation is batched: per-sample random numbers are drawn as vectors
and applied with ``torch.where`` / ``gather`` / one ``grid_sample``, never a loop over
samples, so augmenting costs a few kernels per batch whatever the batch size.

The input batch is never written to: with a full batch it *is* the training tensor, and
an autoencoder's targets are the clean inputs.

Randomness comes from the generator alone (``augment_generator``: the training seed plus
``SEED_OFFSET``, so switching augmentation on does not change the initial weights or the
batch order). The generator lives on the run's device for CPU and CUDA, so the numbers
are drawn where they are used; on other devices (MPS) it stays on the CPU and each draw
is moved to the device. The same seed, options and device give the same batches; a
CPU run and a GPU run draw different numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from core.errors import TrainError
from core.train.augment_options import AugmentOptions, check_fits

Augmenter = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

SEED_OFFSET = 0x5EED  # the augmentation stream: seed + this, apart from the trainer's own


def augment_generator(seed: int, device: torch.device) -> torch.Generator:
    """The seeded stream of an augmenter: on ``device`` for CPU and CUDA, else the CPU."""
    where = device if device.type in ("cpu", "cuda") else torch.device("cpu")
    return torch.Generator(device=where).manual_seed(seed + SEED_OFFSET)


def make_augmenter(
    options: AugmentOptions, input_shape: tuple[int, ...], layout: str
) -> Augmenter | None:
    """The batch transformation for inputs of ``layout`` (``core.data.tensors.input_layout``)
    and per-sample shape ``input_shape``; None when no option is on.

    Raises TrainError (one line) for options that do not fit the inputs: image options on
    sequences, reverse complements of protein, a shift longer than the input.
    """
    if not options.active:
        return None
    check_fits(options, layout)
    if layout == "image":
        if len(input_shape) != 3:
            raise TrainError(f"image augmentation needs (channels, height, width) inputs,"
                             f" got shape {tuple(input_shape)}")
        _, h, w = input_shape
        if options.shift > min(h, w) // 2:
            raise TrainError(f"augmentation shift={options.shift} moves a {h}x{w} image by"
                             f" more than half its size; use at most {min(h, w) // 2}")
        return _image_augmenter(options, h, w)
    if len(input_shape) != 2:
        raise TrainError(f"sequence augmentation needs one-hot (length, letters) inputs,"
                         f" got shape {tuple(input_shape)}")
    if options.shift >= input_shape[0]:
        raise TrainError(f"augmentation shift={options.shift} is not shorter than the"
                         f" sequences ({input_shape[0]} positions); use a smaller shift")
    return _sequence_augmenter(options)


# -- random numbers ---------------------------------------------------------------------
def _rand(gen: torch.Generator, shape: tuple[int, ...], device: torch.device) -> torch.Tensor:
    return torch.rand(shape, generator=gen, device=gen.device).to(device)


def _randint(gen: torch.Generator, low: int, high: int, shape: tuple[int, ...],
             device: torch.device) -> torch.Tensor:
    """Integers in [low, high)."""
    return torch.randint(low, high, shape, generator=gen, device=gen.device).to(device)


def _symmetric(gen: torch.Generator, n: int, bound: float, device: torch.device) -> torch.Tensor:
    """``n`` uniforms in [-bound, bound]."""
    return (_rand(gen, (n,), device) * 2 - 1) * bound


# -- images (N, C, H, W) -----------------------------------------------------------------
def _image_augmenter(o: AugmentOptions, h: int, w: int) -> Augmenter:
    geometric = bool(o.rotate or o.shift or o.crop)
    max_angle = math.radians(o.rotate)

    def apply(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        n, dev = x.shape[0], x.device
        if o.hflip:  # exact flips, outside the affine resampling
            x = _flip_some(x, -1, gen)
        if o.vflip:
            x = _flip_some(x, -2, gen)
        if geometric:
            x = _affine(x, gen, max_angle, o.shift, o.crop, h, w)
        if o.brightness:
            x = x * (1 + _symmetric(gen, n, o.brightness, dev)).view(n, 1, 1, 1)
        if o.noise:
            x = x + torch.randn(x.shape, generator=gen, device=gen.device).to(dev) * o.noise
        if o.brightness or o.noise:
            x = x.clamp(0.0, 1.0)  # images are in [0, 1] (core.data.images)
        return x

    return apply


def _flip_some(x: torch.Tensor, dim: int, gen: torch.Generator) -> torch.Tensor:
    """Each sample flipped along ``dim`` with probability 1/2."""
    pick = _rand(gen, (x.shape[0],), x.device) < 0.5
    return torch.where(pick.view(-1, *([1] * (x.dim() - 1))), x.flip(dim), x)


def _affine(x: torch.Tensor, gen: torch.Generator, max_angle: float, shift: int,
            crop: float, h: int, w: int) -> torch.Tensor:
    """Rotation, whole-pixel shift and random-resized crop as one resampling per batch.

    ``affine_grid`` maps each output position (normalized to [-1, 1] per axis) to the
    input position it reads; a rotation by angle a in pixel space is D^-1 R D there, with
    D = diag(w/2, h/2), so non-square images rotate without shearing. The crop keeps a
    window of side fraction s (area share s^2 drawn in [crop, 1]) at a random place inside
    the image; a shift of k pixels is 2k/size in normalized units. Outside the image reads
    zeros (black).
    """
    n, dev = x.shape[0], x.device
    a = _symmetric(gen, n, max_angle, dev)
    cos, sin = torch.cos(a), torch.sin(a)
    if crop:
        s = torch.sqrt(crop + _rand(gen, (n,), dev) * (1 - crop))
        cx, cy = _symmetric(gen, n, 1.0, dev) * (1 - s), _symmetric(gen, n, 1.0, dev) * (1 - s)
    else:
        s = torch.ones(n, device=dev)
        cx = cy = torch.zeros(n, device=dev)
    if shift:
        cx = cx + _randint(gen, -shift, shift + 1, (n,), dev).to(x.dtype) * (2 / w)
        cy = cy + _randint(gen, -shift, shift + 1, (n,), dev).to(x.dtype) * (2 / h)
    theta = torch.stack((
        torch.stack((s * cos, -s * sin * (h / w), cx), 1),
        torch.stack((s * sin * (w / h), s * cos, cy), 1),
    ), 1).to(x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


# -- one-hot sequences (N, L, A) ---------------------------------------------------------
def _sequence_augmenter(o: AugmentOptions) -> Augmenter:
    def apply(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        if o.rc:
            x = reverse_complement_some(x, gen)
        if o.shift:
            x = shift_sequences(x, o.shift, gen)
        if o.mutate:
            x = mutate(x, o.mutate, gen)
        return x

    return apply


def _gather_rows(x: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    """``out[i, j] = x[i, src[i, j]]`` for (N, L, A) ``x`` and (N, L) ``src``."""
    return x.gather(1, src.unsqueeze(-1).expand(-1, -1, x.shape[2]))


def reverse_complement(x: torch.Tensor) -> torch.Tensor:
    """Every sequence of a nucleotide one-hot batch reverse-complemented.

    Channels are A, C, G, T, so flipping the channel axis complements each base (and each
    IUPAC spread: N stays N, R becomes Y); flipping the length axis reverses. Each row is
    then rolled so its padding (all-zero rows after the last letter) stays at the end, as
    ``core.data.encoding.reverse_complement_onehot`` does.
    """
    length = x.shape[1]
    flipped = x.flip(1, 2)
    letters = (x != 0).any(2)  # (N, L): False on padding
    pad = torch.argmax(letters.flip(1).to(torch.int8), dim=1)  # trailing zero rows
    pad = torch.where(letters.any(1), pad, torch.zeros_like(pad))
    src = (torch.arange(length, device=x.device).unsqueeze(0) + pad.unsqueeze(1)) % length
    return _gather_rows(flipped, src)


def reverse_complement_some(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Each sequence reverse-complemented with probability 1/2."""
    pick = _rand(gen, (x.shape[0],), x.device) < 0.5
    return torch.where(pick.view(-1, 1, 1), reverse_complement(x), x)


def shift_sequences(x: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Each sequence moved by a random k in [-max_shift, max_shift] positions (positive:
    towards the end); letters pushed past either end drop off, the gap is zeros."""
    n, length = x.shape[:2]
    k = _randint(gen, -max_shift, max_shift + 1, (n,), x.device)
    src = torch.arange(length, device=x.device).unsqueeze(0) - k.unsqueeze(1)
    inside = (src >= 0) & (src < length)
    out = _gather_rows(x, src.clamp(0, length - 1))
    return out.masked_fill(~inside.unsqueeze(-1), 0.0)


def mutate(x: torch.Tensor, rate: float, gen: torch.Generator) -> torch.Tensor:
    """Each letter position changed with probability ``rate`` to a different random
    letter (one-hot); padding stays padding. An ambiguous position (N) becomes a definite
    letter other than the one its largest channel names."""
    n, length, letters = x.shape
    present = (x != 0).any(2)
    hit = (_rand(gen, (n, length), x.device) < rate) & present
    new = (x.argmax(2) + _randint(gen, 1, letters, (n, length), x.device)) % letters
    return torch.where(hit.unsqueeze(-1), F.one_hot(new, letters).to(x.dtype), x)
