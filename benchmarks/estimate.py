"""Estimate: a configuration's total job time on 2 cores from a measured run's jobs.

Reads the per-job benchmark records of a finished run (`--measured`, e.g. configs/sst.yaml
from an empty directory), the token tables of the target configuration's datasets
(`--data`: a directory where their `preprocess` jobs ran) and the target's plan
(`snakemake -n`, each job with its rule, wildcards and benchmark path), and prices each
planned job from the measured job of the same rule and model, scaled by the data:

    training, adversaries, guided MLPs   CPU time beyond start-up x train tokens ratio
                                         x epochs ratio (guided: x MLPs ratio)
    analyses                             CPU time beyond start-up x (q x sum-of-squared-
                                         lengths ratio + (1 - q) x test tokens ratio), q the
                                         measured share of the analyses whose cost grows
                                         with the square of the length (leave-one-out of a
                                         recurrent encoder in `importance`, the erasure
                                         until the decision flips in `multi_weight`)
    tables and pages, the rest           as measured (or the start-up time)

CPU time (the records' `cpu_time`), not wall time: load from other jobs changes it less.
An attention the measured run lacks is priced as `additive`. The estimate assumes cost
linear in tokens per pass (true of the BiLSTM, the CNN and the no-encoder model) and
perfect packing of 2 cores (the wall time is at least total / 2); the Integrated
Gradients a `multi_weight` job computes is priced as quadratic, which errs high.

    python benchmarks/estimate.py --measured ../sst --data ../paper-plan \\
        --configfile configs/paper.yaml configs/mirror.yaml --mirror ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import functools
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from snakemake.utils import update_config

REPO = Path(__file__).resolve().parents[1]
PER_DATASET = {"train", "analyses", "wiegreffe_pinter", "embedding_matrix"}  # record kinds
STARTUP = 3.0  # CPU seconds a job spends starting Python and torch (docs/results.md#speed)
QUADRATIC = {"importance": {"lstm", "gru"}, "multi_weight": None}  # None: every encoder
LOG_LINE = re.compile(r"INFO (\w+)/(\w+): .* in ([0-9.]+) s")


def records(run: Path) -> dict[str, float]:
    """CPU seconds per job, keyed by its benchmark path under results/benchmarks/."""
    root = run / "results" / "benchmarks"
    out = {}
    for path in root.rglob("*.tsv"):
        with path.open() as fh:
            row = next(csv.DictReader(fh, delimiter="\t"))
        out[str(path.relative_to(root))] = float(row["cpu_time"])
    return out


@functools.cache
def sizes(data: Path, dataset: str) -> dict[str, float]:
    """Train tokens, test tokens and the test split's sum of squared lengths."""
    table = pd.read_parquet(data / "results" / dataset / "data" / "tokens.parquet")
    lengths = table["token_ids"].map(len)
    train, test = lengths[table["split"] == "train"], lengths[table["split"] == "test"]
    return {"train": train.sum(), "test": test.sum(), "squares": (test**2).sum()}


@functools.cache
def quadratic_share(run: Path, dataset: str, model: str) -> float:
    """The measured share of an analysis job's analyses that grow with length squared (an
    attention the measured run lacks, dot, as additive)."""
    encoder, model = model.split("-")[0], model.replace("-dot", "-additive")
    times: dict[str, float] = defaultdict(float)
    for log in (run / "results" / "logs" / "analyses" / dataset / model).glob("seed*.log"):
        for _, analysis, seconds in LOG_LINE.findall(log.read_text(errors="replace")):
            times[analysis] += float(seconds)
    total = sum(times.values())
    squared = sum(
        t for a, t in times.items() if a in QUADRATIC and encoder in (QUADRATIC[a] or {encoder})
    )
    return squared / total if total else 0.0


def planned_jobs(config_files: list[str], mirror: str) -> list[tuple[str, str]]:
    """(rule, benchmark path under results/benchmarks/ or '') per job of the plan."""
    snakefile = str(REPO / "Snakefile")
    command = [sys.executable, "-m", "snakemake", "--snakefile", snakefile, "-n", "--cores", "2",
               "--config", f"mirror={mirror}", "--configfile",
               *(str(Path(f).resolve()) for f in config_files)]  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        text = subprocess.run(command, cwd=work, capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
    jobs = []
    for block in re.split(r"\n(?=\s*(?:local)?rule \w+:)", text):
        rule = re.search(r"(?:local)?rule (\w+):", block)
        if rule and rule.group(1) != "all":
            bench = re.search(r"benchmark: results/benchmarks/(\S+)", block)
            jobs.append((rule.group(1), bench.group(1) if bench else ""))
    return jobs


def job_class(key: str) -> str:
    """A benchmark path with its seed and lambda left open: jobs that do the same work."""
    return re.sub(r"seed\d+", "seed*", re.sub(r"lambda[^/]+", "lambda*", key))


def reference(by_class: dict[str, list[float]], key: str) -> float | None:
    """The median measured CPU time of the jobs of `key`'s class; an attention the measured
    run lacks (dot) as `additive`."""
    for candidate in (key, key.replace("-dot/", "-additive/")):
        if job_class(candidate) in by_class:
            return statistics.median(by_class[job_class(candidate)])
    return None


def guided_mlps(run_dir: Path, dataset: str) -> int:
    """The guided MLPs a finished run trained on `dataset`."""
    return len(list((run_dir / "results" / dataset).glob("wiegreffe_pinter/guided/*/seed*/"
                                                         "metrics.json")))  # fmt: skip


def adversarial_epochs(config: dict) -> int:
    """The epochs of a config's adversarial trainings (null: training.epochs)."""
    return config["wiegreffe_pinter"]["adversarial"].get("epochs") or config["training"]["epochs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measured", required=True, help="a finished run's directory")
    parser.add_argument("--measured-dataset", default="sst")
    parser.add_argument("--measured-config", default=str(REPO / "configs" / "sst.yaml"))
    parser.add_argument("--data", required=True, help="where the target's datasets were prepared")
    parser.add_argument("--configfile", nargs="+", required=True)
    parser.add_argument("--mirror", default=str(REPO.parent / "shared" / "data"))
    args = parser.parse_args()
    measured_run, base = Path(args.measured), args.measured_dataset
    by_class: dict[str, list[float]] = defaultdict(list)
    for key, cpu in records(measured_run).items():
        by_class[job_class(key)].append(cpu)
    target: dict = {}
    for path in args.configfile:
        update_config(target, yaml.safe_load(Path(path).read_text()) or {})
    source = yaml.safe_load(Path(args.measured_config).read_text())
    epochs = target["training"]["epochs"] / source["training"]["epochs"]
    adversary_epochs = adversarial_epochs(target) / adversarial_epochs(source)
    guided = target["wiegreffe_pinter"]["guided_mlp"]
    mlps = len(guided["variants"]) * len(target["seeds"]) / guided_mlps(measured_run, base)
    reference_size = sizes(Path(args.data), base)
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for rule, key in planned_jobs(args.configfile, args.mirror):
        parts = key.split("/") if key else []
        dataset = parts[1] if parts and parts[0] in PER_DATASET else ""
        size = sizes(Path(args.data), dataset) if dataset and dataset != base else reference_size
        ref = reference(by_class, key.replace(f"/{dataset}/", f"/{base}/", 1) if dataset else key)
        if ref is None:
            cost = STARTUP
        elif rule in ("train", "wp_adversary", "wp_guided"):
            scale = size["train"] / reference_size["train"]
            scale *= {"wp_adversary": adversary_epochs, "wp_guided": epochs * mlps}.get(
                rule, epochs
            )
            cost = STARTUP + max(ref - STARTUP, 0.0) * scale
        elif rule.startswith("analyse"):
            q = quadratic_share(measured_run, base, parts[2])
            scale = (q * size["squares"] / reference_size["squares"]
                     + (1 - q) * size["test"] / reference_size["test"])  # fmt: skip
            cost = STARTUP + max(ref - STARTUP, 0.0) * scale
        else:
            cost = ref
        totals[(dataset or "-", rule)].append(cost)
    print(f"{'dataset':<10}{'rule':<28}{'jobs':>6}{'CPU s':>12}")
    for (dataset, rule), costs in sorted(totals.items(), key=lambda kv: -sum(kv[1])):
        print(f"{dataset:<10}{rule:<28}{len(costs):>6}{sum(costs):>12.0f}")
    total = float(np.sum([sum(c) for c in totals.values()]))
    jobs = sum(len(c) for c in totals.values())
    print(f"\n{jobs} jobs, {total:.0f} CPU s in all: at least {total / 2 / 3600:.1f} h on 2 cores")


if __name__ == "__main__":
    main()
