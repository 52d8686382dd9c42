"""Kill campaign: SIGKILL the workflow at seeded moments, recover with the documented
command, and compare every table and metrics file with a clean run's.

Each kill is one episode in a fresh working directory: start the workflow, SIGKILL either
the Snakemake process or one of its running jobs at a seeded moment (after the run's n-th
job started, n spread over the run; the first while Snakemake plans), then run the very same
command again (the documented recovery: no --unlock, nothing else) until it exits 0, and
compare the SHA-256 of every table and metrics file under results/ (Parquet, CSV, Markdown,
JSON; logs and benchmarks aside) with those of an uninterrupted run of the same config on
the same number of cores. Wall-clock timings are measurements, not results, and differ
between any two runs: the `seconds` column of a training's epochs.csv and `train_seconds` of
its metrics.json are left out of the checksum (every other byte counts). Also checked: no
job of a killed Snakemake is alive a few seconds after the kill (they die with it), no
stale lock stops the recovery, no temporary `.part` file is left.

    python -m tests.kill_campaign --kills 20 --seed 1      # the default config.yaml

(from the checkout, with the package importable: PYTHONPATH=src or the project's venv).
Prints one line per kill and a summary; `--json FILE` also writes the results.
`tests/test_kills.py` runs a short version on a tiny config.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = "ATTNAUDIT_SNAKEMAKE"
ARTIFACTS = (".parquet", ".csv", ".md", ".json")
ORPHAN_WAIT_S = 4.0  # a killed run's jobs must be gone by then (SIGTERM, 2 s grace, SIGKILL)


# -- processes ------------------------------------------------------------------------------
def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return sorted(found)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def job_processes(snakemake_pid: int) -> list[int]:
    """The running jobs of a Snakemake process: its children that run a workflow script."""
    return [p for p in children(snakemake_pid) if ".snakemake/scripts/" in cmdline(p)]


def started_by(ident: str) -> list[int]:
    """Live processes whose environment says the Snakemake process `ident` started them."""
    needle = f"{ENV}={ident}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if needle in environ and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def identity(pid: int) -> str | None:
    fields = _stat(pid)
    return f"{pid}:{fields[19]}" if fields else None


def rule_of(pid: int) -> str:
    """The rule a job process runs, from its script's name (tmpXXXX.<script>.py)."""
    for word in cmdline(pid).split():
        if ".snakemake/scripts/" in word:
            return word.rsplit("/", 1)[-1].split(".", 1)[-1].removesuffix(".py")
    return "?"


# -- the workflow -----------------------------------------------------------------------------
def command(workdir: Path, cores: int) -> list[str]:
    """The documented command, in `workdir` (the run and its recovery are the same)."""
    return [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"),
            "--cores", str(cores)]  # fmt: skip


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    env.pop(ENV, None)
    return env


def start(workdir: Path, cores: int, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            command(workdir, cores), stdout=out, stderr=subprocess.STDOUT, env=environment(),
            start_new_session=True,
        )  # fmt: skip


def run(workdir: Path, cores: int, log: Path, timeout: float = 3600) -> int:
    proc = start(workdir, cores, log)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


TIMINGS = ("seconds", "train_seconds")  # wall-clock measurements, never the same twice


def content(path: Path) -> bytes:
    """The bytes checksummed: the file's, less its wall-clock timing fields."""
    data = path.read_bytes()
    if path.suffix == ".json":
        value = json.loads(data)
        if isinstance(value, dict) and set(TIMINGS) & set(value):
            value = {k: v for k, v in value.items() if k not in TIMINGS}
            return json.dumps(value, sort_keys=True).encode()
    elif path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(data.decode())))
        if rows and set(TIMINGS) & set(rows[0]):
            keep = [i for i, name in enumerate(rows[0]) if name not in TIMINGS]
            return "\n".join(",".join(r[i] for i in keep) for r in rows).encode()
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
        if set(TIMINGS) & set(names):
            table = pq.read_table(path, columns=[n for n in names if n not in TIMINGS])
            return table.to_pandas().to_csv(index=False).encode()
    return data


def artifacts(workdir: Path) -> dict[str, str]:
    """SHA-256 of every table and metrics file under results/ (logs and benchmarks aside)."""
    out = {}
    results = workdir / "results"
    for path in sorted(results.rglob("*")):
        rel = path.relative_to(workdir).as_posix()
        if path.suffix in ARTIFACTS and not rel.startswith(
            ("results/logs/", "results/benchmarks/")
        ):
            out[rel] = hashlib.sha256(content(path)).hexdigest()
    return out


def leftovers(workdir: Path) -> list[str]:
    return sorted(p.relative_to(workdir).as_posix() for p in workdir.rglob(".*.part"))


# -- one kill ---------------------------------------------------------------------------------
@dataclass
class Kill:
    index: int
    target: str  # "snakemake" or "job"
    at_s: float  # seconds after the start of the run, or after the job below started
    after_rule: str | None = None  # wait for a job of this rule; a job kill kills that job
    after_job: int = 0  # or wait for the run's n-th job to start
    killed: str = ""  # what was killed: "snakemake" or the job's rule
    orphans_after_kill: int = 0  # jobs of a killed Snakemake still alive ORPHAN_WAIT_S later
    recoveries: int = 0  # runs of the documented command until it succeeded
    lock_errors: int = 0  # LockException in a recovery's output
    leftover_parts: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)  # artifacts unlike the clean run's
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        problems = (self.orphans_after_kill, self.lock_errors, self.leftover_parts,
                    self.differing, self.missing, self.extra)  # fmt: skip
        return not any(problems) and self.recoveries >= 1


def kill_once(kill: Kill, workdir: Path, config: Path, cores: int, clean: dict[str, str]) -> Kill:
    began = time.monotonic()
    workdir.mkdir(parents=True)
    shutil.copy(config, workdir / "config.yaml")
    log = workdir / "campaign.log"
    proc = start(workdir, cores, log)

    def running(rule: str | None) -> list[int]:
        return [p for p in job_processes(proc.pid) if rule in (None, rule_of(p))]

    origin = time.monotonic()
    seen: set[int] = set()
    if kill.after_rule:
        while proc.poll() is None and not running(kill.after_rule):
            time.sleep(0.02)
        origin = time.monotonic()
    elif kill.after_job:
        while proc.poll() is None and len(seen) < kill.after_job:
            seen.update(job_processes(proc.pid))
            time.sleep(0.02)
        origin = time.monotonic()
    while time.monotonic() < origin + kill.at_s and proc.poll() is None:
        time.sleep(0.05)
    if kill.target == "job":  # the first job running at or after the moment
        while proc.poll() is None and not running(kill.after_rule):
            time.sleep(0.05)
    if proc.poll() is not None:
        kill.killed = "nothing (the run had finished)"
    elif kill.target == "job":
        job = random.Random(kill.index).choice(running(kill.after_rule) or [proc.pid])
        kill.killed = rule_of(job) if job != proc.pid else "snakemake"
        os.kill(job, signal.SIGKILL)
        proc.wait()  # Snakemake notices, lets its other jobs finish, and stops
    else:
        ident = identity(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kill.killed = "snakemake"
        time.sleep(ORPHAN_WAIT_S)
        kill.orphans_after_kill = len(started_by(ident)) if ident else 0
    for _ in range(3):  # the documented recovery: the same command; once should do
        mark = log.stat().st_size
        code = run(workdir, cores, log)
        kill.recoveries += 1
        output = log.read_bytes()[mark:].decode(errors="replace")
        kill.lock_errors += output.count("LockException")
        if code == 0:
            break
    got = artifacts(workdir)
    kill.differing = sorted(k for k in clean if k in got and got[k] != clean[k])
    kill.missing = sorted(set(clean) - set(got))
    kill.extra = sorted(set(got) - set(clean))
    kill.leftover_parts = leftovers(workdir)
    kill.seconds = round(time.monotonic() - began, 1)
    return kill


def plan(kills: int, seed: int, jobs: int) -> list[Kill]:
    """Seeded moments spread over the run: kill i waits for the run's n-th job to start, n
    drawn from the i-th of `kills` equal slices of its `jobs` jobs, then for 0-3 s (so the
    moment follows the run's progress, not the machine's load); the first kill comes
    0.5-3 s after the start, while Snakemake plans. Targets: half the Snakemake process,
    half a running job, shuffled (the first is always Snakemake)."""
    rng = random.Random(seed)
    targets = ["snakemake", "job"] * (kills // 2) + ["snakemake"] * (kills % 2)
    rng.shuffle(targets)
    first = targets.index("snakemake")
    targets[0], targets[first] = targets[first], targets[0]
    plan = [Kill(0, "snakemake", round(rng.uniform(0.5, 3.0), 2))]
    for i in range(1, kills):
        nth = 1 + int((i - 1 + rng.random()) * jobs / (kills - 1))
        plan.append(Kill(i, targets[i], round(rng.uniform(0.0, 3.0), 2), after_job=nth))
    return plan


def jobs_run(log: Path) -> int:
    """How many jobs with a process a run's log reports: its job stats' total, less the
    `all` target."""
    for line in log.read_text().splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "total" and words[1].isdigit():
            return int(words[1]) - 1
    raise ValueError(f"{log} has no job stats")


def campaign(config: Path, kills: int, seed: int, cores: int, root: Path, say=print) -> dict:
    clean_dir = root / "clean"
    clean_dir.mkdir(parents=True)
    shutil.copy(config, clean_dir / "config.yaml")
    began = time.monotonic()
    code = run(clean_dir, cores, clean_dir / "campaign.log")
    duration = time.monotonic() - began
    if code != 0:
        raise RuntimeError(f"the clean run failed: see {clean_dir / 'campaign.log'}")
    clean = artifacts(clean_dir)
    jobs = jobs_run(clean_dir / "campaign.log")
    say(f"clean run: {duration:.0f} s, {jobs} jobs, {len(clean)} tables and metrics files, "
        f"{cores} cores")  # fmt: skip
    results = []
    for kill in plan(kills, seed, jobs):
        kill_once(kill, root / f"kill{kill.index:02d}", config, cores, clean)
        results.append(kill)
        moment = f"job {kill.after_job:2d} + {kill.at_s:3.1f} s" if kill.after_job else (
            f"start + {kill.at_s:3.1f} s")  # fmt: skip
        say(f"kill {kill.index:2d}: {kill.target:9s} at {moment:14s} -> {kill.killed:18s} "
            f"orphans {kill.orphans_after_kill}, recoveries {kill.recoveries}, "
            f"lock errors {kill.lock_errors}, differing {len(kill.differing)}, "
            f"missing {len(kill.missing)}, leftover .part {len(kill.leftover_parts)} "
            f"({kill.seconds:.0f} s) {'ok' if kill.ok else 'FAILED'}")  # fmt: skip
    summary = {
        "config": str(config),
        "seed": seed,
        "cores": cores,
        "clean_seconds": round(duration, 1),
        "artifacts": len(clean),
        "kills": len(results),
        "snakemake_kills": sum(k.killed == "snakemake" for k in results),
        "job_kills": sum(
            k.killed not in ("snakemake", "") and not k.killed.startswith("nothing")
            for k in results
        ),  # fmt: skip
        "differing_artifacts": sum(
            len(k.differing) + len(k.missing) + len(k.extra) for k in results
        ),  # fmt: skip
        "failed": [k.index for k in results if not k.ok],
        "results": [asdict(k) for k in results],
    }
    say(f"{summary['kills']} kills ({summary['snakemake_kills']} of Snakemake, "
        f"{summary['job_kills']} of a running job): {len(summary['failed'])} failed, "
        f"{summary['differing_artifacts']} differing artifacts")  # fmt: skip
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=REPO / "config.yaml")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, help="kept afterwards; default: a temporary one")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="attnaudit-kills-"))
    try:
        summary = campaign(args.config.resolve(), args.kills, args.seed, args.cores, root)
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
