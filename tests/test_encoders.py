"""The bidirectional RNN encoders run without packing and equal the packed RNN exactly where
it matters: outputs at real positions, zeros at padding, and the gradients."""

from __future__ import annotations

import pytest
import torch

from attnaudit.models.encoders import BiGRUEncoder, BiLSTMEncoder


@pytest.mark.parametrize("cls", [BiLSTMEncoder, BiGRUEncoder])
def test_unpacked_directions_equal_the_packed_rnn(cls):
    torch.manual_seed(0)
    encoder = cls(6, hidden_size=5)
    lengths = torch.tensor([7, 1, 4, 7, 2])
    mask = torch.arange(7).expand(5, 7) < lengths.unsqueeze(1)
    embedded = torch.randn(5, 7, 6) * mask.unsqueeze(-1)
    x1 = embedded.clone().requires_grad_(True)
    x2 = embedded.clone().requires_grad_(True)
    out = encoder(x1, lengths, mask)
    ref = encoder.packed_forward(x2, lengths)
    assert out.shape == ref.shape == (5, 7, 10)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
    assert not out[~mask].any()  # zeros at padding, as pad_packed_sequence gives
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    grads = [p.grad.clone() for p in encoder.parameters()]
    encoder.zero_grad()
    (ref * weights).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, rtol=1e-5, atol=1e-6)
    for mine, theirs in zip(grads, (p.grad for p in encoder.parameters()), strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-6)


def test_state_dict_is_unchanged():
    keys = set(BiLSTMEncoder(4, hidden_size=3).state_dict())
    assert keys == {
        f"rnn.{n}_l0{s}"
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        for s in ("", "_reverse")
    }
