"""Torch modules of the attention and embedding kinds, on Mendel's (N, length, channels).

Self-attention is written out from ``nn.Linear`` and matrix products rather than taken from
``nn.MultiheadAttention`` / ``nn.TransformerEncoderLayer``: in eval mode those switch to a
fused "fast path" kernel that the TorchScript-based ONNX exporter cannot translate, and
their Python branches depend on the inputs. Here every step is a plain tensor operation,
so ``torch.jit.trace`` and ``torch.onnx.export`` see the same graph in training and
evaluation. Parameter counts match ``core.nn.shapes_extra``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class CodeEmbedding(nn.Module):
    """(N, L) float codes -> (N, L, dim): a learned vector per code; code 0 (padding and
    unknown letters) is the zero vector and is never trained (``padding_idx``).

    Codes arrive as float32 like every Mendel input; they are clamped to 0..vocab-1 before
    the cast, so a code the table does not hold (a bad file, a smaller vocab) cannot crash
    the lookup, and truncation makes 2.0000001 and 2.0 the same code.
    """

    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.table = nn.Embedding(vocab, dim, padding_idx=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        codes = x.clamp(0, self.table.num_embeddings - 1).long()
        return self.table(codes)


def sinusoidal_table(length: int, channels: int) -> torch.Tensor:
    """(length, channels): sin on even channels, cos on odd ones, wavelengths 2π to 10⁴·2π,
    as in "Attention is all you need"; an odd channel count drops the last cosine."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    pairs = (channels + 1) // 2
    exponent = torch.arange(pairs, dtype=torch.float32) * (2 / channels)
    frequency = torch.exp(exponent * -math.log(1e4))  # 1 / 10000^(2i / C)
    angle = position * frequency  # (length, pairs)
    table = torch.stack((angle.sin(), angle.cos()), dim=2).reshape(length, 2 * pairs)
    return table[:, :channels].contiguous()


class PositionalEncoding(nn.Module):
    """x + a position signal of the built length: fixed sinusoids (a buffer, not saved with
    the weights because it follows from the shape) or one learned vector per position."""

    def __init__(self, length: int, channels: int, learned: bool) -> None:
        super().__init__()
        self.learned: nn.Parameter | None = None
        if learned:
            self.learned = nn.Parameter(torch.randn(length, channels) * 0.02)
        else:
            self.register_buffer("table", sinusoidal_table(length, channels), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + (self.learned if self.learned is not None else self.table)


class SelfAttention(nn.Module):
    """Multi-head self-attention over the positions of (N, L, C); output (N, L, C).

    ``qkv`` projects each position to query, key and value (3 C x C + 3 C weights), each
    head compares queries with keys (scaled dot products, softmax over positions), mixes
    the values, and ``out`` (C x C + C) joins the heads: 4 C² + 4 C in all.
    """

    def __init__(self, channels: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = channels // heads
        self.qkv = nn.Linear(channels, 3 * channels)
        self.out = nn.Linear(channels, channels)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, L, 3C) -> three (N, heads, L, head_dim); unflatten never names the batch size
        q, k, v = self.qkv(x).unflatten(-1, (3, self.heads, self.head_dim)).permute(
            2, 0, 3, 1, 4).unbind(0)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (N, heads, L, L)
        mixed = self.dropout(scores.softmax(dim=-1)) @ v  # (N, heads, L, head_dim)
        return self.out(mixed.transpose(1, 2).flatten(2))


class TransformerBlock(nn.Module):
    """A pre-norm transformer encoder block: x + attn(LN(x)), then x + FF(LN(x)), the
    feed-forward being Linear(C, ff), GELU, Linear(ff, C). Normalizing before each branch
    (not after, as the 2017 paper did) keeps the skip path clean and trains without warm-up.
    """

    def __init__(self, channels: int, heads: int, ff: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(channels)
        self.attn = SelfAttention(channels, heads, dropout)
        self.norm2 = nn.LayerNorm(channels)
        self.ff = nn.Sequential(nn.Linear(channels, ff), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(ff, channels))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.dropout(self.attn(self.norm1(x)))
        return x + self.dropout(self.ff(self.norm2(x)))
