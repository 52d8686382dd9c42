"""The Orthogonal LSTM of Mohankumar et al. (ACL 2020), "Towards Transparent and Explainable
Attention Models".

At each step the LSTM's new hidden state is made orthogonal to the mean of the states
before it (in the direction of reading), and that orthogonalised state is what the next
step receives and what the encoder outputs:

    h_t = o_t * tanh(c_t)                               the LSTM cell, from h~_{t-1}, c_{t-1}
    m_t = (h~_1 + ... + h~_{t-1}) / (t - 1)             (m_1 = 0)
    h~_t = h_t - (h_t . m_t / m_t . m_t) m_t            (h~_1 = h_1)

States of different tokens then point in different directions (low conicity), so attention
over them has to pick tokens rather than mix near-identical vectors. Their code runs one
direction of size 256; here, as this project's BiLSTM, each direction of a bidirectional
encoder (`hidden_size` per direction) is orthogonalised on its own. Padding gets zero
states and never enters a mean.
"""

from __future__ import annotations

import torch
from torch import nn

from attnaudit.models.activations import tanh


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's first `lengths` positions reversed, padding left in place (an involution)."""
    steps = torch.arange(x.shape[1], device=x.device).expand(x.shape[:2])
    last = lengths.to(x.device).unsqueeze(1) - 1
    index = torch.where(steps <= last, last - steps, steps).unsqueeze(-1)
    return x.gather(1, index.expand(-1, -1, x.shape[-1]))


class OrthogonalLSTMEncoder(nn.Module):
    """LSTM whose every hidden state is orthogonal to the mean of the earlier ones."""

    def __init__(self, input_dim: int, hidden_size: int = 128, bidirectional: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        directions = 2 if bidirectional else 1
        self.cells = nn.ModuleList(nn.LSTMCell(input_dim, hidden_size) for _ in range(directions))
        self.output_dim = directions * hidden_size

    def run(self, cell: nn.LSTMCell, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """One direction over the right-padded batch `x` (B, T, E): states (B, T, n)."""
        b, t, _ = x.shape
        projected = nn.functional.linear(x, cell.weight_ih, cell.bias_ih + cell.bias_hh)
        h = x.new_zeros(b, self.hidden_size)
        c = torch.zeros_like(h)
        total = torch.zeros_like(h)  # sum of the orthogonalised states so far
        live = mask.unsqueeze(-1).to(x.dtype)
        out = []
        for s in range(t):
            gates = projected[:, s] + nn.functional.linear(h, cell.weight_hh)
            i, f, g, o = gates.chunk(4, dim=1)
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * tanh(g)
            h_new = torch.sigmoid(o) * tanh(c_new)
            # the projection on the sum equals the projection on the mean; 0 at the start
            along = (h_new * total).sum(1, keepdim=True) / (total * total).sum(
                1, keepdim=True
            ).clamp_min(torch.finfo(x.dtype).tiny)
            h_new = h_new - along * total
            keep = live[:, s]  # padding: state, memory and sum stay as they were
            h = keep * h_new + (1 - keep) * h
            c = keep * c_new + (1 - keep) * c
            total = total + keep * h_new
            out.append(keep * h_new)
        return torch.stack(out, dim=1)

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor):
        states = [self.run(self.cells[0], embedded, mask)]
        if len(self.cells) > 1:
            backward = self.run(self.cells[1], reverse_within_length(embedded, lengths), mask)
            states.append(reverse_within_length(backward, lengths))
        return torch.cat(states, dim=-1)
