"""An MLP-Mixer (Tolstikhin et al., arXiv:2105.01601) for one-hot sequences: a user's own torch model.

Nothing here imports scalingcheck: it is the kind of model a researcher already has. The class is its own
factory: scalingcheck builds it as ``MLPMixer(input_shape=(v, d), n_out=n_c, width=..., depth=...)`` and hashes
this class's source into every run key, so editing it recomputes the runs.
"""
from __future__ import annotations

import torch
from torch import nn


class MLPMixer(nn.Module):
    """Tokens are the d positions of a one-hot input [batch, v, d]; each block mixes across tokens, then
    across channels (pre-norm residual MLPs); the head averages the tokens and maps them to the class logits."""

    class Block(nn.Module):
        def __init__(self, tokens: int, width: int, expansion: int) -> None:
            super().__init__()
            self.token_norm, self.channel_norm = nn.LayerNorm(width), nn.LayerNorm(width)
            self.token_mlp = nn.Sequential(nn.Linear(tokens, expansion * tokens), nn.GELU(),
                                           nn.Linear(expansion * tokens, tokens))
            self.channel_mlp = nn.Sequential(nn.Linear(width, expansion * width), nn.GELU(),
                                             nn.Linear(expansion * width, width))

        def forward(self, h: torch.Tensor) -> torch.Tensor:  # [batch, tokens, width]
            h = h + self.token_mlp(self.token_norm(h).transpose(-1, -2)).transpose(-1, -2)
            return h + self.channel_mlp(self.channel_norm(h))

    def __init__(self, input_shape: tuple[int, int], n_out: int, width: int = 32, depth: int = 2,
                 expansion: int = 2) -> None:
        super().__init__()
        v, d = input_shape
        self.embed = nn.Linear(v, width)
        self.blocks = nn.ModuleList(MLPMixer.Block(d, width, expansion) for _ in range(depth))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [batch, v, d] -> [batch, n_out]
        h = self.embed(x.transpose(-1, -2))
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h).mean(dim=-2))
