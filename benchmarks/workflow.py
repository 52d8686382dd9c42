"""Benchmark what users run: `snakemake` commands from an empty directory.

Each scenario runs one snakemake command in a fresh scratch directory and prints its wall
time, the CPU time of the snakemake process and of its jobs, and, from the jobs' benchmark
records, the time and peak memory per rule and the slowest jobs. Scenarios:

    default   README line 1's workflow: config.yaml (synthetic, no download), --cores 2,
              then `python -m attnaudit.report.write report.html` (`snakemake --report`)
    sst-jw    Jain & Wallace on SST: configs/sst.yaml with encoders [lstm], attentions
              [additive], seeds [1], training.threads 2, analyses [jain_wallace]; targets the
              three jain_wallace/*.parquet of that run; --cores 2; needs the mirror
    sst-adversary  Wiegreffe & Pinter's adversary (lambda 0.1) against its BiLSTM base, seeds
              1 and 2, one thread a job: the adversarial-to-base training time ratio
    sst       the full SST configuration (configs/sst.yaml), --cores 2; needs the mirror
    plan      `snakemake -n` of configs/paper.yaml (with configs/mirror.yaml) beside a bare
              Snakefile with as many jobs: the cost of planning

    python benchmarks/workflow.py default [sst-jw sst-adversary sst plan] [--mirror ../shared/data]

Timings are only comparable with figures measured in the same run on the same machine;
the reference figures of the original code printed by `sst-jw` are from another day.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil
import yaml
from snakemake.utils import update_config

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]

# The original Jain & Wallace code, patched only to run on today's torch, side by side with
# this workflow on one idle 2-core machine of this project, 2026-11-30 (two runs).
ORIGINAL = {
    "whole process": "99.4 s and 114.2 s",
    "training": "40.9 s",
    "everything after training": "54-65 s",
}


def run(command: list[str], workdir: Path) -> dict[str, float]:
    """Run `command` in `workdir`; wall time and CPU seconds of it and its children."""
    # The output goes to a file: a pipe nobody reads while polling fills up and blocks
    # Snakemake's logging.
    log = workdir / f"command{len(list(workdir.glob('command*.out')))}.out"
    start = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
        process, last = psutil.Process(proc.pid), None
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                last = process.cpu_times()
            time.sleep(0.2)
    wall = time.perf_counter() - start
    output = log.read_text(errors="replace")
    if proc.returncode:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(command)}\n{output[-3000:]}")
    return {
        "wall": wall,
        "snakemake_cpu": last.user + last.system if last else float("nan"),
        "jobs_cpu": last.children_user + last.children_system if last else float("nan"),
    }


def job_records(workdir: Path) -> list[dict]:
    """One record per job from results/benchmarks/<rule kind>/...tsv."""
    records = []
    root = workdir / "results" / "benchmarks"
    for path in sorted(root.rglob("*.tsv")):
        with path.open() as fh:
            row = next(csv.DictReader(fh, delimiter="\t"))
        records.append({
            "job": str(path.relative_to(root).with_suffix("")),
            "kind": path.relative_to(root).parts[0],
            "seconds": float(row["s"]),
            "max_rss_mib": float(row["max_rss"]) if row["max_rss"] not in ("", "NA") else 0.0,
        })  # fmt: skip
    return records


def print_records(records: list[dict], top: int = 8) -> None:
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_kind[r["kind"]].append(r)
    print(f"  {'jobs of':24s} {'n':>4s} {'total s':>9s} {'max s':>7s} {'peak MiB':>9s}")
    for kind, rs in sorted(by_kind.items(), key=lambda kv: -sum(r["seconds"] for r in kv[1])):
        seconds = [r["seconds"] for r in rs]
        peak = max(r["max_rss_mib"] for r in rs)
        print(f"  {kind:24s} {len(rs):4d} {sum(seconds):9.1f} {max(seconds):7.1f} {peak:9.0f}")
    print(f"  slowest jobs (of {len(records)}):")
    for r in sorted(records, key=lambda r: -r["seconds"])[:top]:
        print(f"    {r['seconds']:7.1f} s {r['max_rss_mib']:7.0f} MiB  {r['job']}")


def epochs_run(run: Path) -> int:
    """The epochs a training job ran: the rows of its epochs.csv."""
    with (run / "epochs.csv").open() as fh:
        return sum(1 for _ in fh) - 1


def print_wiegreffe_pinter(records: list[dict], config: dict, workdir: Path) -> None:
    """The adversarial trainings against their base's trainings (the same seeds, one run)
    and the guided-MLP job's time per MLP it trained."""
    wp = config.get("wiegreffe_pinter", {})
    base = wp.get("adversarial", {}).get("base")
    adversaries = [r for r in records if "/adversary/" in r["job"]]
    seeds = {Path(r["job"]).name for r in adversaries}
    bases = [r for r in records if r["kind"] == "train" and f"/{base}/" in f"{r['job']}/"
             and Path(r["job"]).name in seeds]  # fmt: skip
    if adversaries and bases:
        mean_adv = sum(r["seconds"] for r in adversaries) / len(adversaries)
        mean_base = sum(r["seconds"] for r in bases) / len(bases)
        epochs = [epochs_run(workdir / "results" / r["job"].split("/", 1)[1])
                  for r in (adversaries[0], bases[0])]  # fmt: skip
        print(f"  adversarial training: {len(adversaries)} jobs, mean {mean_adv:.1f} s; its "
              f"base {base}: {len(bases)} jobs, mean {mean_base:.1f} s; ratio "
              f"{mean_adv / mean_base:.2f} (epochs run: adversary {epochs[0]}, base "
              f"{epochs[1]})")  # fmt: skip
    for r in records:
        if r["job"].endswith("/guided"):
            dataset = Path(r["job"]).parts[1]
            mlps = len(list((workdir / "results" / dataset).glob(
                "wiegreffe_pinter/guided/*/seed*/metrics.json")))  # fmt: skip
            print(f"  guided MLPs ({dataset}): {r['seconds']:.1f} s for {mlps} MLPs, "
                  f"{r['seconds'] / max(mlps, 1):.1f} s per MLP")  # fmt: skip


def scenario(name: str, config_files: list[Path], extra: list[str], workdir: Path) -> dict:
    # --configfile last: it takes every word up to the next option, targets included
    command = [*SNAKEMAKE, "--cores", "2", *extra, "--configfile", *map(str, config_files)]
    print(f"\n== {name}: {' '.join(command[2:])}\n   in {workdir}")
    result = run(command, workdir)
    records = job_records(workdir)
    print(f"  wall {result['wall']:.1f} s; CPU: snakemake {result['snakemake_cpu']:.1f} s, "
          f"jobs {result['jobs_cpu']:.1f} s; {len(records)} jobs with records")  # fmt: skip
    print_records(records)
    config: dict = {}
    for path in config_files:  # merged as Snakemake merges its --configfile files
        update_config(config, yaml.safe_load(Path(path).read_text()) or {})
    print_wiegreffe_pinter(records, config, workdir)
    return {**result, "records": records}


def overlay(workdir: Path, content: dict) -> Path:
    path = workdir / "overlay.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def default(mirror: str | None) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="attnaudit-default."))
    out = scenario("default", [REPO / "config.yaml"], [], workdir)
    report = run([sys.executable, "-m", "attnaudit.report.write", "report.html", *SNAKEMAKE[3:],
                  "--configfile", str(REPO / "config.yaml")], workdir)  # fmt: skip
    print(f"  the report: {report['wall']:.1f} s; README line 1 without the install: "
          f"{out['wall'] + report['wall']:.1f} s")  # fmt: skip
    return {**out, "report_wall": report["wall"]}


def sst_jw(mirror: str | None) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="attnaudit-sst-jw."))
    narrow = {"encoders": ["lstm"], "attentions": ["additive"], "seeds": [1],
              "analyses": ["jain_wallace"], "training": {"threads": 2}}  # fmt: skip
    extra = overlay(workdir, narrow)
    base = REPO / "configs" / "sst.yaml"
    run_dir = "results/sst/lstm-additive/seed1/jain_wallace"
    targets = [f"{run_dir}/{a}.parquet" for a in ("importance", "permutation", "adversary")]
    out = scenario("sst-jw", [base, extra], [*targets, "--config", f"mirror={mirror}"], workdir)
    train = sum(r["seconds"] for r in out["records"] if r["kind"] == "train")
    analyses = sum(r["seconds"] for r in out["records"] if r["kind"] == "analyses")
    print(f"  training job {train:.1f} s; analysis job {analyses:.1f} s; whole command "
          f"{out['wall']:.1f} s")  # fmt: skip
    print(
        "  the original Jain & Wallace code, same work (reference, not measured here): "
        + "; ".join(f"{k} {v}" for k, v in ORIGINAL.items())
    )
    print(
        "  (measured 2026-11-30 on an idle 2-core machine of this project; ratios against "
        "them hold only on a comparable idle machine)"
    )
    return {**out, "train": train, "analyses": analyses}


def sst_adversary(mirror: str | None) -> dict:
    """Wiegreffe & Pinter's adversary against its base, side by side: two BiLSTM base
    trainings (seeds 1, 2) and their two adversaries (lambda 0.1), one thread each, so each
    pair runs together on the 2 cores under the same load."""
    workdir = Path(tempfile.mkdtemp(prefix="attnaudit-sst-adversary."))
    narrow = {"encoders": ["lstm"], "attentions": ["additive"], "seeds": [1, 2],
              "training": {"threads": 1},
              "wiegreffe_pinter": {"adversarial": {"lambdas": [0.1]}}}  # fmt: skip
    extra = overlay(workdir, narrow)
    targets = [f"results/sst/wiegreffe_pinter/adversary/lambda0.1/seed{s}/metrics.json"
               for s in (1, 2)]  # fmt: skip
    return scenario("sst-adversary", [REPO / "configs" / "sst.yaml", extra],
                    [*targets, "--config", f"mirror={mirror}"], workdir)  # fmt: skip


def sst(mirror: str | None) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="attnaudit-sst."))
    return scenario("sst", [REPO / "configs/sst.yaml"], ["--config", f"mirror={mirror}"],
                    workdir)  # fmt: skip


BARE = """
N = {n}
rule all:
    input: expand("out/{{i}}.txt", i=range(N))
rule make:
    output: "out/{{i}}.txt"
    shell: "touch {{output}}"
"""


def plan(mirror: str | None) -> dict:
    """`snakemake -n` of the paper configuration beside a bare Snakefile with as many jobs."""
    workdir = Path(tempfile.mkdtemp(prefix="attnaudit-plan."))
    configs = [str(REPO / "configs/paper.yaml"), str(REPO / "configs/mirror.yaml")]
    command = [*SNAKEMAKE, "-n", "--quiet", "rules", "--cores", "2", "--configfile", *configs,
               "--config", f"mirror={mirror}"]  # fmt: skip
    start = time.perf_counter()
    listing = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=True)
    ours = time.perf_counter() - start
    jobs = next(int(line.split()[1]) for line in listing.stdout.splitlines()
                if line.startswith("total"))  # fmt: skip
    torch_free = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "snakemake", "-n", "--quiet", "rules",
         "--snakefile", str(REPO / "Snakefile"), "--cores", "2", "--configfile", *configs,
         "--config", f"mirror={mirror}"],
        cwd=workdir, capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    imported_torch = any(line.rstrip().endswith("| torch") for line in torch_free.splitlines())
    bare = workdir / "bare"
    bare.mkdir()
    (bare / "Snakefile").write_text(BARE.format(n=jobs - 1))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--cores",
                    "2"], cwd=bare, capture_output=True, text=True, check=True)  # fmt: skip
    baseline = time.perf_counter() - start
    print(f"\n== plan: `snakemake -n` of configs/paper.yaml + mirror.yaml: {jobs} jobs in "
          f"{ours:.1f} s; a bare Snakefile with {jobs} jobs: {baseline:.1f} s "
          f"({ours / baseline:.2f}x); torch imported while planning: {imported_torch}")  # fmt: skip
    return {"jobs": jobs, "plan": ours, "bare": baseline, "torch": imported_torch}


SCENARIOS = {"default": default, "sst-jw": sst_jw, "sst-adversary": sst_adversary, "sst": sst,
             "plan": plan}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", default=["default"], choices=list(SCENARIOS))
    parser.add_argument("--mirror", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    results = {name: SCENARIOS[name](args.mirror) for name in args.scenarios}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
