"""Benchmark `attnaudit.optim.Adam` against `torch.optim.Adam` where a training job pays it.

Each repetition is a fresh Python process (what a Snakemake job is): after `import torch`
and building a model of the default run's size (a BiLSTM classifier's parameters: 400 x 300
embeddings, a 128-unit BiLSTM, additive attention, a linear decoder), it times importing the
optimizer's module, building it and its first step (where `torch.optim` imports
`torch._dynamo`), and 100 further steps, on fixed gradients. Variants (all AMSGrad, the
training's settings): `attnaudit` (optim.py), `torch-fused` (`fused=True`: the kernel
optim.py calls), `torch-foreach-false` (`foreach=False`) and `torch-default`. Repetitions
are interleaved, so a change in the machine's load touches every variant alike.

    python benchmarks/optim.py [--repeats 5]

Figures compare only within one run on one machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

VARIANTS = {
    "attnaudit": ("from attnaudit.optim import Adam", "Adam(groups, lr=1e-3)"),
    "torch-fused": (
        "from torch.optim import Adam",
        "Adam(groups, lr=1e-3, amsgrad=True, fused=True)",
    ),
    "torch-foreach-false": (
        "from torch.optim import Adam",
        "Adam(groups, lr=1e-3, amsgrad=True, foreach=False)",
    ),
    "torch-default": ("from torch.optim import Adam", "Adam(groups, lr=1e-3, amsgrad=True)"),
}

CHILD = """
import json, time
import torch
torch.set_num_threads(1)
torch.manual_seed(0)
params = [torch.nn.Parameter(torch.randn(*shape) * 0.1) for shape in [
    (400, 300),                                        # embeddings
    (512, 300), (512, 128), (512,), (512,),            # BiLSTM, forward direction
    (512, 300), (512, 128), (512,), (512,),            # BiLSTM, backward direction
    (128, 256), (128,), (1, 128),                      # additive attention
    (1, 256), (1,),                                    # decoder
]]
for p in params:
    p.grad = torch.randn_like(p) * 1e-2
groups = [{{"params": params[:-3], "weight_decay": 1e-5}}, {{"params": params[-3:]}}]
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
optimizer = {build}
optimizer.step()
t2 = time.perf_counter()
for _ in range(100):
    optimizer.step()
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "first": t2 - t1, "steps": t3 - t2, "total": t3 - t0}}))
"""


def one_run(variant: str) -> dict[str, float]:
    """Time one fresh process of `variant`."""
    imports, build = VARIANTS[variant]
    code = CHILD.format(imports=imports, build=build)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.repeats):
        for variant in VARIANTS:
            runs[variant].append(one_run(variant))
    print(f"median (min) over {args.repeats} fresh processes, seconds")
    print(f"{'variant':<20} {'import':>15} {'build + 1st step':>17} {'100 steps':>15} "
          f"{'total':>15}")  # fmt: skip
    for variant, rows in runs.items():
        cells = []
        for key in ("import", "first", "steps", "total"):
            values = [r[key] for r in rows]
            cells.append(f"{statistics.median(values):.4f} ({min(values):.4f})")
        print(f"{variant:<20} {cells[0]:>15} {cells[1]:>17} {cells[2]:>15} {cells[3]:>15}")


if __name__ == "__main__":
    main()
