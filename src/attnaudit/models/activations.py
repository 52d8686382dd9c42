"""Activations computed the fast way on CPU.

torch's CPU tanh is not vectorised in this build: 2.1 ns an element against 0.2 ns for
sigmoid (measured on the project's 2-core machines, one thread). tanh(x) = 2 sigmoid(2x) - 1
is the same function (largest difference 2e-7 in float32) at a quarter of the cost, which
matters wherever tanh runs over every token of many sequences: additive attention, the
no-encoder model, hand-stepped recurrences.
"""

from __future__ import annotations

import torch


def tanh(x: torch.Tensor) -> torch.Tensor:
    return 2.0 * torch.sigmoid(2.0 * x) - 1.0
