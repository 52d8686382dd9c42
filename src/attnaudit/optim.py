"""Adam with AMSGrad through torch's fused kernel, without `torch.optim`.

`torch.optim`'s optimizers import `torch._dynamo` the first time one is built, and every
training job and adversary search paid it. `Adam` calls the kernel that
`torch.optim.Adam(..., amsgrad=True, fused=True)` runs (`torch._fused_adam_`) with the same
state, so its updates are the same numbers (a test compares them step by step). Measured by
benchmarks/optim.py (2026-12-07, 2-core machine, fresh processes, the default BiLSTM's
parameters): building it and its first step 0.004 s against 1.0 s for torch's Adam (fused,
foreach=False or default alike), 100 steps 0.032 s against 0.040 s fused, 0.20 s default and
0.33 s foreach=False (docs/results.md#speed-optimizer).

Per parameter, with gradient g (plus `weight_decay` * p, L2 as in torch's Adam), step t:
m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; v_max = max(v_max, v);
p -= lr / (1 - b1^t) * m / (sqrt(v_max) / sqrt(1 - b2^t) + eps).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch


class Adam:
    """AMSGrad Adam over parameter groups (`{"params": [...], "weight_decay": w}`)."""

    def __init__(
        self,
        groups: Sequence[Mapping[str, Any]] | Iterable[torch.Tensor],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        groups = list(groups)
        if groups and isinstance(groups[0], torch.Tensor):
            groups = [{"params": groups}]
        self.lr, self.betas, self.eps = float(lr), betas, float(eps)
        self.groups = []
        for group in groups:
            params = [p for p in group["params"] if p.requires_grad]
            self.groups.append(
                {
                    "params": params,
                    "weight_decay": float(group.get("weight_decay", 0.0)),
                    "exp_avg": [torch.zeros_like(p) for p in params],
                    "exp_avg_sq": [torch.zeros_like(p) for p in params],
                    "max_exp_avg_sq": [torch.zeros_like(p) for p in params],
                    "step": [torch.tensor(0.0, device=p.device) for p in params],
                }
            )

    def zero_grad(self) -> None:
        for group in self.groups:
            for p in group["params"]:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for group in self.groups:
            live = [i for i, p in enumerate(group["params"]) if p.grad is not None]
            if not live:
                continue
            steps = [group["step"][i] for i in live]
            torch._foreach_add_(steps, 1)
            torch._fused_adam_(
                [group["params"][i] for i in live],
                [group["params"][i].grad for i in live],
                [group["exp_avg"][i] for i in live],
                [group["exp_avg_sq"][i] for i in live],
                [group["max_exp_avg_sq"][i] for i in live],
                steps,
                amsgrad=True,
                lr=self.lr,
                beta1=self.betas[0],
                beta2=self.betas[1],
                weight_decay=group["weight_decay"],
                eps=self.eps,
                maximize=False,
            )
