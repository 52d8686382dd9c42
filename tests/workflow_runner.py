"""Run the real workflow (the repository's Snakefile) in a scratch directory."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# The smallest config that trains a model (one dataset, encoder, attention and seed), for
# tests of how the workflow runs rather than what it computes.
TINY = {
    "datasets": {
        "syn": {"type": "synthetic", "n_train": 60, "n_dev": 20, "n_test": 20,
                "vocab_size": 40, "max_length": 8},
    },
    "encoders": ["average"],
    "attentions": ["additive"],
    "seeds": [1],
    "training": {"epochs": 1, "embedding_dim": 8},
}  # fmt: skip


def open_questions_config(section: str, **block) -> dict:
    """config.yaml with one block of `open_questions:` (`section`), validated: defaults
    filled in, a bad block refused as the workflow refuses it."""
    from attnaudit.config import validate

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["open_questions"] = {section: block}
    validate(config)
    return config


class NoAliases(yaml.SafeDumper):
    """A YAML writer that writes a value used twice out twice: the workflow's strict reader
    refuses anchors and aliases (attnaudit.configfiles), which safe_dump emits for a shared
    object."""

    def ignore_aliases(self, data) -> bool:
        return True


def dump_config(config: dict) -> str:
    return yaml.dump(config, Dumper=NoAliases, sort_keys=False)


def write_config(workdir: Path, config: dict) -> Path:
    path = workdir / "config.yaml"
    path.write_text(dump_config(config))
    return path


def snakemake_command(workdir: Path, *args: str, checkout: Path = REPO) -> list[str]:
    """The `snakemake` command line for `checkout`'s Snakefile in `workdir`."""
    return [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(checkout / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"),
        "--cores", "2",
        *args,
    ]  # fmt: skip


def snakemake(
    workdir: Path,
    *args: str,
    check: bool = True,
    checkout: Path = REPO,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """Run `snakemake` on `checkout`'s Snakefile in `workdir`; `env` adds variables."""
    cmd = snakemake_command(workdir, *args, checkout=checkout)
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stderr[-5000:]}")
    return proc


def planned_jobs(workdir: Path, *args: str, **kwargs) -> dict[str, int]:
    """Rule name -> job count of a dry run (`snakemake -n`)."""
    # targets before `--quiet`, whose optional values would swallow them
    out = snakemake(workdir, *args, "-n", "--quiet", "rules", **kwargs).stdout
    jobs = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("job", "total"):
            jobs[parts[0]] = int(parts[1])
    return jobs


@dataclass
class PlannedJob:
    rule: str
    output: list[str] = field(default_factory=list)
    wildcards: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    resources: dict[str, str] = field(default_factory=dict)
    group: str | None = None  # the job group's name
    group_job: int | None = None  # which group job (one cluster submission) it is part of


def dry_run(workdir: Path, *args: str, **kwargs) -> list[PlannedJob]:
    """The jobs of a dry run (`snakemake -n`): rule, outputs, wildcards, reason, resources,
    and the job group they were put in (where a cluster profile groups them)."""
    out = snakemake(workdir, "-n", *args, **kwargs).stdout
    jobs: list[PlannedJob] = []
    group, group_job = None, -1
    for line in out.splitlines():
        text = line.strip()
        if "] Group job " in line:
            group, group_job = line.split("] Group job ", 1)[1].split(" (", 1)[0], group_job + 1
        elif text.startswith(("rule ", "localrule ")) and text.endswith(":"):
            # jobs of a group are indented; a job outside any group is not
            grouped = line.startswith(" ")
            jobs.append(
                PlannedJob(
                    rule=text.split(" ", 1)[1][:-1],
                    group=group if grouped else None,
                    group_job=group_job if grouped else None,
                )
            )
        elif jobs and ": " in text:
            key, value = text.split(": ", 1)
            job = jobs[-1]
            if key == "output":
                job.output = value.split(", ")
            elif key in ("wildcards", "resources"):
                pairs = (item.split("=", 1) for item in value.split(", ") if "=" in item)
                setattr(job, key, dict(pairs))
            elif key == "reason":
                job.reason = value
    return jobs
