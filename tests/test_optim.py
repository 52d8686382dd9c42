"""`attnaudit.optim.Adam` against the AMSGrad update written out by hand and against
`torch.optim.Adam(amsgrad=True, fused=True)`, whose kernel it calls (docs/results.md#speed)."""

import math

import pytest
import torch

from attnaudit.optim import Adam


def test_two_steps_by_hand_with_weight_decay():
    # p = 1, g = 0.5, weight decay 0.1 -> g' = 0.6; lr 0.01, betas (0.9, 0.999), eps 1e-8.
    # step 1: m = 0.06, v = v_max = 0.00036; p -= 0.01 / 0.1 * 0.06 / (0.018 / sqrt(0.001))
    # step 2 (same g): g' = 0.5 + 0.1 p; m = 0.9 m + 0.1 g'; v = 0.999 v + 0.001 g'^2
    p = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    q = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))  # a group without decay
    optimizer = Adam([{"params": [p], "weight_decay": 0.1}, {"params": [q]}], lr=0.01)
    value, m, v, v_max = 1.0, 0.0, 0.0, 0.0
    for t in (1, 2):
        p.grad = torch.tensor([0.5], dtype=torch.float64)
        q.grad = torch.tensor([-2.0], dtype=torch.float64)
        optimizer.step()
        g = 0.5 + 0.1 * value
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        v_max = max(v_max, v)
        denom = math.sqrt(v_max) / math.sqrt(1 - 0.999**t) + 1e-8
        value -= 0.01 / (1 - 0.9**t) * m / denom
        assert p.item() == pytest.approx(value, rel=1e-14, abs=0)
    # without decay and with a constant gradient, each step moves by lr (m / sqrt(v) = sign)
    assert abs(q.item() - 2.02) < 1e-9


def test_steps_equal_torchs_fused_amsgrad_bit_for_bit():
    torch.manual_seed(0)
    shapes = [(7, 5), (5,), (3, 7)]
    ours = [torch.nn.Parameter(torch.randn(*s)) for s in shapes]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    groups = lambda ps: [{"params": ps[:2], "weight_decay": 1e-2}, {"params": ps[2:]}]  # noqa: E731
    mine = Adam(groups(ours), lr=1e-2)
    reference = torch.optim.Adam(groups(theirs), lr=1e-2, amsgrad=True, fused=True)
    for step in range(20):
        grads = [torch.randn(*s) * (1 + step % 3) for s in shapes]
        for p, r, g in zip(ours, theirs, grads, strict=True):
            p.grad, r.grad = g.clone(), g.clone()
        if step == 5:  # a parameter without a gradient this step is left alone by both
            ours[2].grad = theirs[2].grad = None
        mine.step()
        reference.step()
        for p, r in zip(ours, theirs, strict=True):
            assert torch.equal(p, r), step
