"""Encoders map embedded tokens (B, T, E) to hidden states (B, T, H).

A new encoder is one class with an `output_dim` attribute and
`forward(embedded, lengths, mask)`, added to `ENCODERS`.
`mask` marks every position that holds a token (including <SOS>/<EOS>).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class BiLSTMEncoder(nn.Module):
    """Bidirectional LSTM, `hidden_size` per direction (Jain & Wallace: 128, so H = 256)."""

    def __init__(self, input_dim: int, hidden_size: int = 128):
        super().__init__()
        self.rnn = nn.LSTM(input_dim, hidden_size, batch_first=True, bidirectional=True)
        self.output_dim = 2 * hidden_size

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor):
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=embedded.shape[1])
        return out


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
        return torch.tanh(self.proj(embedded))


ENCODERS: dict[str, type[nn.Module]] = {
    "lstm": BiLSTMEncoder,
    "gru": BiGRUEncoder,
    "cnn": CNNEncoder,
    "average": AverageEncoder,
}
