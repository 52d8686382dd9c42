"""Benchmark: the analyses on a pretrained transformer against their throughput floors.

On MiniLM (all-MiniLM-L6-v2 as the [CLS] classifier, a seeded random head: timing needs no
fine-tuning) over N SST test sentences in MiniLM's word pieces, measures in one process:
the throughput of whole-model forward passes (no grad) and forward + backward passes (the
gradient with respect to the input embeddings) in sequences per second, at the analyses'
batch sizes and length-bucketed as they batch, and of the [CLS] layer's tail in attention
rows per second; then each analysis's time, its floor (the passes its definition needs at
the best measured throughput: sequences / throughput, forward plus forward + backward,
plus the permutation's permuted rows through the tail) and their ratio, and the peak
resident memory while it ran (sampled from /proc; the process's ru_maxrss at the end).
Times are wall-clock and CPU (the process's, all threads): on a shared, loaded machine the
wall-clock ratios move with the other jobs, the CPU ones much less.

    python benchmarks/pretrained.py --threads 2 \\
        --tokens ../pt-run/results/sst/data/pieces/minilm/tokens.parquet
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml

from attnaudit import io, settings
from attnaudit.analyses import faithfulness, jain_wallace
from attnaudit.config import validate
from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.importance import decoder, registry
from attnaudit.importance.scores import Options
from attnaudit.models.classifier import ModelConfig
from attnaudit.models.factory import build_model
from attnaudit.models.pretrained import hf_options
from attnaudit.stages.analyses import select_rows

CHECKPOINT = "../shared/data/hf/sentence-transformers--all-MiniLM-L6-v2"
TOKENS = "results/sst/data/pieces/minilm/tokens.parquet"  # configs/pretrained.yaml's pieces


class PeakRSS:
    """The largest resident set size of this process while the block runs, sampled every
    few milliseconds (ru_maxrss only ever grows, so it cannot tell one analysis's peak)."""

    page = os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> PeakRSS:
        self.peak, self.done = self.now(), threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, self.now())

    def now(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self.page

    def sample(self) -> None:
        while not self.done.wait(0.005):
            self.peak = max(self.peak, self.now())


def clock() -> np.ndarray:
    """Wall-clock and CPU seconds, now."""
    return np.array([time.perf_counter(), time.process_time()])


def forward(model, tokens: torch.Tensor) -> None:
    with torch.no_grad():
        model.probabilities(model(tokens)[0])


def forward_backward(model, tokens: torch.Tensor) -> None:
    """The predicted-class probability's gradient with respect to the input embeddings."""
    embedded = model.embedding(tokens).detach().requires_grad_(True)
    hidden = model.encode_embedded(embedded, tokens)
    weights = model.attend(hidden, model.masks(tokens)[1])
    probs = model.probabilities(model.decode(hidden, weights))
    torch.autograd.grad(probs.max(dim=-1).values.sum(), embedded)


def throughput(model, ids: list, batch_size: int, step) -> np.ndarray:
    """Sequences per second (wall-clock, CPU) of `step` over `ids` in length-bucketed
    batches, as the analyses batch them; a batch larger than `ids` is measured on `ids`
    repeated to fill it once."""
    repeats = -(-batch_size // len(ids))
    ids = ids * repeats
    batches = [pad([ids[i] for i in index]) for index in
               bucketed_batches([len(s) for s in ids], batch_size)]  # fmt: skip
    step(model, batches[0][:2])  # warm-up
    start = clock()
    for tokens in batches:
        step(model, tokens)
    return len(ids) / (clock() - start)


def tail_throughput(model, ids: list, stacks: int = 1000) -> np.ndarray:
    """Attention rows per second (wall-clock, CPU) through the [CLS] layer's tail (its
    output projection, LayerNorms, feed-forward block and the head) from one cached encoder
    pass: `stacks` random rows per instance of one length-bucketed batch of 64."""
    tokens = pad([ids[i] for i in bucketed_batches([len(s) for s in ids], 64)[0]])
    with torch.no_grad():
        cache = model.decoder_cache(model.encode(tokens)[0])
        weights = torch.rand(*tokens.shape[:1], stacks, tokens.shape[1])
        model.decode_cached(cache, weights[:, :2])  # warm-up
        start = clock()
        model.decode_cached(cache, weights)
    return weights.shape[0] * stacks / (clock() - start)


@dataclass
class Analysis:
    name: str
    seconds: np.ndarray  # wall-clock, CPU
    peak: int
    forwards: int  # sequences its definition runs forward only
    backwards: int  # sequences it runs forward and backward
    note: str
    tails: int = 0  # attention rows it decodes through the [CLS] layer's tail


def timed(fn):
    with PeakRSS() as rss:
        start = clock()
        out = fn()
        seconds = clock() - start
    return out, seconds, rss.peak


def eraser_forwards(rows: pd.DataFrame, result: pd.DataFrame, cfg: settings.Eraser) -> int:
    """ERASER's forward sequences: the full input once per instance, one encoder pass per
    instance for each decoder-level ranking (its scores), and per ranking ordering and
    instance the input without r_k and r_k alone for each distinct top count over the bins
    (short inputs give one count for several bins)."""
    encodes = sum(registry.entry(r).measure.__module__ == decoder.__name__ for r in cfg.rankings)
    orderings = result.groupby(["ranking", "ordering"]).ngroups
    counts = [
        len({faithfulness.top_count(p, len(faithfulness.real_positions(t))) for p in cfg.percents})
        for t in rows["token_ids"]
    ]
    return len(rows) * (1 + encodes) + orderings * 2 * sum(counts)


def run_analyses(model, rows: pd.DataFrame, config: dict) -> list[Analysis]:
    """Each analysis as its job runs it: the rankings through the registry (and its memo,
    which the ERASER metrics then read), ERASER and the permutation with the config's
    blocks; the gradient and leave-one-out at `jain_wallace.importance`'s batch sizes, the
    analysis that asks for them first in a job (its memo serves the others)."""
    n = len(rows)
    real = np.array([len(faithfulness.real_positions(t)) for t in rows["token_ids"]])
    eraser_cfg = settings.Eraser.of(config["faithfulness"]["eraser"])
    opts = Options(batch_size=64, ig_steps=eraser_cfg.ig_steps)  # as faithfulness asks
    importance = settings.Importance.of(config["jain_wallace"]["importance"])
    first = Options(
        batch_size=importance.batch_size,
        ig_steps=eraser_cfg.ig_steps,
        deletions_per_pass=importance.deletions_per_pass,
    )
    out = []
    _, s, peak = timed(lambda: registry.score("loo", model, rows, first))
    out.append(Analysis("leave-one-out", s, peak, int((real + 1).sum()), 0,
                        f"{first.deletions_per_pass} deletions per pass"))  # fmt: skip
    _, s, peak = timed(lambda: registry.score("gradient", model, rows, first))
    out.append(Analysis("gradient", s, peak, 0, n, f"batch {first.batch_size}"))
    _, s, peak = timed(lambda: registry.score("integrated_gradients", model, rows, opts))
    out.append(Analysis(
        "integrated gradients", s, peak, 3 * n, opts.ig_steps * n,
        f"{opts.ig_steps} steps x batch {opts.ig_batch_size}; forward: target, captum's delta",
    ))  # fmt: skip
    result, s, peak = timed(lambda: faithfulness.eraser(model, rows, eraser_cfg))
    out.append(Analysis(
        "ERASER metrics", s, peak, eraser_forwards(rows, result, eraser_cfg), 0,
        f"{result.groupby(['ranking', 'ordering']).ngroups} orderings x "
        f"{len(eraser_cfg.percents)} bins; rankings from the memo",
    ))  # fmt: skip
    perm_cfg = settings.Permutation.of(config["jain_wallace"]["permutation"])
    _, s, peak = timed(lambda: jain_wallace.permutation(model, rows, perm_cfg))
    note = f"{perm_cfg.n_permutations} permutations x batch {perm_cfg.batch_size}"
    out.append(Analysis("permutation", s, peak, n, 0, note, n * perm_cfg.n_permutations))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=CHECKPOINT)
    parser.add_argument("--tokens", default=TOKENS, help="SST in the checkpoint's pieces")
    parser.add_argument("--instances", type=int, default=200, help="test sentences")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="the head's and the subset's")
    parser.add_argument(
        "--config",
        default=str(Path(__file__).resolve().parents[1] / "config.yaml"),
        help="whose analysis blocks (e.g. configs/pretrained.yaml)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = yaml.safe_load(Path(args.config).read_text())
    validate(config)  # the blocks with their defaults
    table = io.read_table(args.tokens)
    rows = select_rows(table, "test", args.instances, args.seed)
    words = io.read_json(Path(args.tokens).with_name("vocab.json"))
    torch.manual_seed(args.seed)
    options = {**hf_options(args.checkpoint), "checkpoint": args.checkpoint}
    model = build_model(ModelConfig(len(words), 2, "minilm", "cls", 384, options)).eval()
    ids = list(rows["token_ids"])
    pieces = np.array([len(t) for t in ids])
    print(f"{datetime.date.today()}: MiniLM, random head (seed {args.seed}), {len(rows)} SST "
          f"test sentences ({pieces.mean():.1f} pieces on average, {pieces.max()} at most), "
          f"{args.threads} threads\n")  # fmt: skip
    sizes = {"forward": (32, 256, 1024, 4096), "forward+backward": (32, 64, 320)}
    steps = {"forward": forward, "forward+backward": forward_backward}
    rates = {kind: {b: throughput(model, ids, b, steps[kind]) for b in sizes[kind]}
             for kind in sizes}  # fmt: skip
    columns = sorted({b for kind in sizes for b in sizes[kind]})
    print(f"{'sequences/s (wall, CPU)':<26}" + "".join(f"{f'batch {b}':>14}" for b in columns))
    for kind, by_size in rates.items():
        cells = [f"{'{:.1f}, {:.1f}'.format(*by_size[b]) if b in by_size else '':>14}"
                 for b in columns]  # fmt: skip
        print(f"{kind:<26}" + "".join(cells))
    fwd, bwd = (np.max(list(rates[k].values()), axis=0) for k in rates)
    tail = tail_throughput(model, ids)
    print("floors at the best: forward {:.1f}, {:.1f}/s; forward+backward {:.1f}, {:.1f}/s; "
          "[CLS] tail {:.0f}, {:.0f} rows/s\n".format(*fwd, *bwd, *tail))  # fmt: skip
    print(f"{'analysis':<22}{'fwd seqs':>9}{'f+b seqs':>9}{'wall s':>8}{'floor':>7}{'ratio':>7}"
          f"{'CPU s':>8}{'floor':>7}{'ratio':>7}{'peak GiB':>9}  how")  # fmt: skip
    for a in run_analyses(model, rows, config):
        floor = a.forwards / fwd + a.backwards / bwd + a.tails / tail
        wall, cpu = (
            f"{s:>8.1f}{f:>7.1f}{s / f:>6.2f}x" for s, f in zip(a.seconds, floor, strict=True)
        )
        print(f"{a.name:<22}{a.forwards:>9}{a.backwards:>9}{wall}{cpu}{a.peak / 2**30:>9.2f}"
              f"  {a.note}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\npeak resident memory of the process (ru_maxrss): {peak:.2f} GiB")


if __name__ == "__main__":
    main()
