"""Encoders map embedded tokens (B, T, E) to hidden states (B, T, H).

A new encoder is one class with an `output_dim` attribute and
`forward(embedded, lengths, mask)`, and its entry in `models.catalog.ENCODERS`.
`mask` marks every position that holds a token (including <SOS>/<EOS>).
"""

from __future__ import annotations

import torch
from torch import _VF, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from attnaudit.models.activations import tanh


class BiLSTMEncoder(nn.Module):
    """Bidirectional LSTM, `hidden_size` per direction (Jain & Wallace: 128, so H = 256).

    The result equals the packed bidirectional RNN (`packed_forward`): zeros at padding.
    It is computed without packing, one direction at a time on the right-padded batch: the
    forward direction reaches the padding only after the real tokens, and the backward
    direction runs on every sequence reversed within its length. On CPU the backward pass of
    a packed RNN is quadratic in the longest sequence (each time step's slice of the packed
    input receives a gradient as large as the whole packed input): a batch of 20 Newsgroups
    posts of up to ~11,700 tokens took minutes instead of seconds.
    """

    def __init__(self, input_dim: int, hidden_size: int = 128):
        super().__init__()
        self.rnn = nn.LSTM(input_dim, hidden_size, batch_first=True, bidirectional=True)
        self.output_dim = 2 * hidden_size

    def _direction(self, x: torch.Tensor, suffix: str) -> torch.Tensor:
        rnn = self.rnn
        weights = [getattr(rnn, f"{n}_l0{suffix}") for n in ("weight_ih", "weight_hh")]
        weights += [getattr(rnn, f"{n}_l0{suffix}") for n in ("bias_ih", "bias_hh")]
        h0 = x.new_zeros(1, x.shape[0], rnn.hidden_size)
        if isinstance(rnn, nn.LSTM):
            return _VF.lstm(x, (h0, h0), weights, True, 1, 0.0, self.training, False, True)[0]
        return _VF.gru(x, h0, weights, True, 1, 0.0, self.training, False, True)[0]

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor):
        steps = torch.arange(embedded.shape[1], device=embedded.device).expand(mask.shape)
        last = lengths.to(embedded.device).unsqueeze(1) - 1
        reverse = torch.where(steps <= last, last - steps, steps)  # its own inverse
        index = reverse.unsqueeze(-1)
        backward = self._direction(
            embedded.gather(1, index.expand(-1, -1, embedded.shape[-1])), "_reverse"
        )
        backward = backward.gather(1, index.expand(-1, -1, backward.shape[-1]))
        out = torch.cat([self._direction(embedded, ""), backward], dim=-1)
        return out * mask.unsqueeze(-1).to(out.dtype)

    def packed_forward(self, embedded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The reference: the same RNN on a packed sequence (slow backward on CPU)."""
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=embedded.shape[1])
        return out


class DiversityLSTMEncoder(BiLSTMEncoder):
    """The Diversity LSTM of Mohankumar et al. (ACL 2020): this BiLSTM, trained with
    `diversity_weight` times the absolute conicity (mean |cos| to the mean state, as their
    code; `models.conicity`) of its states added to the loss, so that the states of
    different tokens point in different directions. Their code sets the weight per dataset
    (0.5 in their example); the encoder itself is unchanged."""

    def __init__(self, input_dim: int, hidden_size: int = 128, diversity_weight: float = 0.5):
        super().__init__(input_dim, hidden_size)
        if not diversity_weight >= 0:
            raise ValueError(f"diversity_weight must be >= 0, got {diversity_weight!r}")
        self.diversity_weight = float(diversity_weight)


class BiGRUEncoder(BiLSTMEncoder):
    """Bidirectional GRU (Serrano & Smith: 50 per direction)."""

    def __init__(self, input_dim: int, hidden_size: int = 50):
        nn.Module.__init__(self)
        self.rnn = nn.GRU(input_dim, hidden_size, batch_first=True, bidirectional=True)
        self.output_dim = 2 * hidden_size


class CNNEncoder(nn.Module):
    """Same-padded 1-d convolutions of several widths, ReLU, concatenated (J&W: {1,3,5,7}x32)."""

    def __init__(self, input_dim: int, kernel_sizes=(1, 3, 5, 7), filters: int = 32):
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv1d(input_dim, filters, k, padding=k // 2) for k in kernel_sizes
        )
        self.output_dim = filters * len(kernel_sizes)

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor):
        x = (embedded * mask.unsqueeze(-1)).transpose(1, 2)
        return torch.cat([torch.relu(conv(x)) for conv in self.convs], dim=1).transpose(1, 2)


class AverageEncoder(nn.Module):
    """No context: a per-token Linear + tanh (J&W's "average" / no-encoder model, H = 128)."""

    def __init__(self, input_dim: int, hidden_size: int = 128):
        super().__init__()
        self.proj = nn.Linear(input_dim, hidden_size)
        self.output_dim = hidden_size

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor):
        return tanh(self.proj(embedded))
