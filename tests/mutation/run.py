"""Mutation testing of the science code with cosmic-ray (docs/mutation.md).

    python tests/mutation/run.py                      # every group, 2 workers
    python tests/mutation/run.py --workers 1 metrics  # one group, one worker
    python tests/mutation/run.py --rerun-survivors    # test the unlisted survivors again
    python tests/mutation/run.py --report             # counts and survivors only

The config is `tests/mutation/cosmic-ray.toml`: its `[cosmic-ray]` table holds what every
session shares (the operators left out, the test command's template), and each
`[attnaudit-mutation.groups.NAME]` one module and the test files that exercise it. Per
group the driver writes a cosmic-ray config and session under `--out` (default
`.mutation/`): it runs the group's tests once unmutated (the baseline; a failing baseline
stops the run) and sets cosmic-ray's per-mutant timeout to `factor` x that time (at least
`minimum` seconds), initialises the session, skips the left-out operators
(`cr-filter-operators`) and executes it with `--workers` cosmic-ray HTTP workers on
loopback, each in its own copy of the working tree (cosmic-ray mutates files in place).
Sessions resume: a group whose session exists runs only its pending mutants.

`tests/mutation/equivalent.toml` lists the surviving mutants judged equivalent (or not
worth a test) with the reason; the report counts them apart.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import toml

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "tests" / "mutation" / "cosmic-ray.toml"
EQUIVALENT = REPO / "tests" / "mutation" / "equivalent.toml"
BIN = Path(sys.executable).parent


def load() -> tuple[dict, dict]:
    config = toml.loads(CONFIG.read_text())
    return config["cosmic-ray"], config["attnaudit-mutation"]


def copy_tree(dest: Path) -> None:
    """The working tree (tracked and untracked, not ignored files) copied to `dest`, with
    `../shared` linked beside it so the tests that read the data mirror run there too."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True,
    ).stdout  # fmt: skip
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    subprocess.run(
        ["rsync", "-a", "--from0", "--files-from=-", f"{REPO}/", f"{dest}/"],
        input=files, check=True,
    )  # fmt: skip
    shared, beside = REPO.parent / "shared", dest.parent / "shared"
    if shared.is_dir() and not beside.exists():
        beside.symlink_to(shared)


def free_port(start: int) -> int:
    port = start
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1


def test_command(common: dict, group: dict) -> str:
    tests = " ".join(shlex.quote(t) for t in group["tests"])
    return common["test-command"].format(python=shlex.quote(sys.executable), tests=tests)


def worker_env(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"), PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def baseline(command: str, tree: Path, cap: float) -> float | None:
    """Seconds the unmutated tests take; None (and why, printed) when they fail."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            shlex.split(command), cwd=tree, env=worker_env(tree), capture_output=True,
            text=True, timeout=cap,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        print(f"baseline took over {cap:.0f} s: {command}", flush=True)
        return None
    if proc.returncode != 0:
        print(f"baseline failed: {command}\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}")
        return None
    return time.perf_counter() - start


@contextlib.contextmanager
def workers(out: Path, n: int, port_base: int, nice: int):
    """`n` cosmic-ray HTTP workers, each in a fresh copy of the working tree."""
    procs, urls, trees = [], [], []
    try:
        for k in range(n):
            tree = out / "trees" / f"worker{k}"
            copy_tree(tree)
            port = free_port(port_base + 10 * k)
            log = open(out / f"worker{k}.log", "a")  # noqa: SIM115 - closed with the worker
            cmd = [str(BIN / "cosmic-ray"), "http-worker", "--port", str(port)]
            if nice:
                cmd = ["nice", "-n", str(nice), *cmd]
            procs.append((subprocess.Popen(cmd, cwd=tree, env=worker_env(tree), stdout=log,
                                           stderr=subprocess.STDOUT), log))  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
            trees.append(tree)
        for url in urls:  # wait until each listens
            port = int(url.rsplit(":", 1)[1])
            for _ in range(300):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
        yield urls, trees
    finally:
        for proc, log in procs:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()
            log.close()


def session_config(common: dict, group: dict, urls: list[str], timeout: float) -> dict:
    cfg = {k: v for k, v in common.items() if k not in ("test-command",)}
    cfg["module-path"] = group["module-path"]
    cfg["test-command"] = test_command(common, group)
    cfg["timeout"] = float(timeout)
    cfg["distributor"] = {"name": "http", "http": {"worker-urls": urls}}
    return {"cosmic-ray": cfg}


def skip_minus_one(session: Path) -> int:
    """Mark NumberReplacer's -1 mutants (odd occurrences: it yields +1, then -1, per
    number) as skipped: one changed constant per number."""
    with contextlib.closing(sqlite3.connect(session)) as db, db:
        jobs = [j for (j,) in db.execute(
            "SELECT m.job_id FROM mutation_specs m LEFT JOIN work_results r USING (job_id) "
            "WHERE m.operator_name = 'core/NumberReplacer' AND m.occurrence % 2 = 1 "
            "AND r.job_id IS NULL"
        )]  # fmt: skip
        db.executemany(
            "INSERT INTO work_results (worker_outcome, output, test_outcome, diff, job_id) "
            "VALUES ('SKIPPED', 'NumberReplacer: +1 only', NULL, NULL, ?)",
            [(j,) for j in jobs],
        )
    return len(jobs)


def run_group(name: str, group: dict, common: dict, settings: dict, out: Path,
              urls: list[str], trees: list[Path], rerun: str | bool) -> None:  # fmt: skip
    sessions = out / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    session = sessions / f"{name}.sqlite"
    if rerun:
        if not session.exists():
            print(f"[{name}] no session to rerun", flush=True)
            return
        # the survivors not listed as equivalent (all of them with --rerun-equivalent)
        equivalent = {} if rerun == "all" else load_equivalent()
        again = [r["job_id"] for r in results(session)
                 if classify(r, equivalent) == "survived"]  # fmt: skip
        with contextlib.closing(sqlite3.connect(session)) as db, db:
            db.executemany("DELETE FROM work_results WHERE job_id = ?", [(j,) for j in again])
        print(f"[{name}] {len(again)} survivors to test again", flush=True)
    command = test_command(common, group)
    limits = settings["baseline"]
    seconds = baseline(command, trees[0], cap=float(limits.get("cap", 600)))
    if seconds is None:
        print(f"[{name}] skipped: its tests fail without a mutation", flush=True)
        return
    timeout = min(
        max(float(limits["minimum"]), float(limits["factor"]) * seconds),
        float(limits.get("maximum", 280)),  # below aiohttp's 300 s request limit
    )
    print(f"[{name}] baseline {seconds:.1f} s, per-mutant timeout {timeout:.0f} s", flush=True)
    cfg_path = sessions / f"{name}.toml"
    cfg_path.write_text(toml.dumps(session_config(common, group, urls, timeout)))
    cosmic = str(BIN / "cosmic-ray")
    if not session.exists():
        subprocess.run([cosmic, "init", str(cfg_path), str(session)], cwd=trees[0], check=True)
        subprocess.run([str(BIN / "cr-filter-operators"), str(session), str(cfg_path)],
                       cwd=trees[0], check=True)  # fmt: skip
        if settings.get("number-replacer-plus-one-only", False):
            skip_minus_one(session)
    start = time.perf_counter()
    subprocess.run([cosmic, "exec", str(cfg_path), str(session)], cwd=trees[0], check=True)
    elapsed = time.perf_counter() - start
    with (out / "timings.jsonl").open("a") as f:
        f.write(json.dumps({"group": name, "baseline_s": round(seconds, 2),
                            "timeout_s": round(timeout, 1), "exec_s": round(elapsed, 1),
                            "workers": len(urls), "rerun": rerun,
                            "finished": time.strftime("%Y-%m-%d %H:%M:%S")}) + "\n")  # fmt: skip
    print(f"[{name}] executed in {elapsed / 60:.1f} min", flush=True)


# -- report --------------------------------------------------------------------------------
def changed_lines(diff: str) -> tuple[str, str]:
    before = [x[1:].strip() for x in diff.splitlines() if x.startswith("-") and x[1:2] != "-"]
    after = [x[1:].strip() for x in diff.splitlines() if x.startswith("+") and x[1:2] != "+"]
    return " ".join(before), " ".join(after)


def results(session: Path) -> list[dict]:
    with contextlib.closing(sqlite3.connect(session)) as db:
        rows = db.execute(
            "SELECT m.module_path, m.operator_name, m.occurrence, m.start_pos_row, "
            "r.worker_outcome, r.test_outcome, r.output, r.diff, m.job_id FROM mutation_specs m "
            "LEFT JOIN work_results r ON r.job_id = m.job_id"
        ).fetchall()
    keys = ["module", "operator", "occurrence", "line", "worker", "test", "output", "diff",
            "job_id"]  # fmt: skip
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for r in out:  # stored as the enums' names
        r["worker"] = r["worker"] and r["worker"].lower().replace("_", "-")
        r["test"] = r["test"] and r["test"].lower()
    return out


def classify(r: dict, equivalent: dict) -> str:
    if r["worker"] is None:
        return "pending"
    if r["worker"] == "skipped":
        return "skipped"
    if r["worker"] == "no-test":
        return "no-test"
    if r["test"] == "killed":
        return "timeout" if r["output"] == "timeout" else "killed"
    if r["test"] == "incompetent":
        return "incompetent"
    before, after = changed_lines(r["diff"] or "")
    if (r["module"], before, after, r["operator"]) in equivalent:
        return "equivalent"
    return "survived"


def load_equivalent() -> dict:
    if not EQUIVALENT.exists():
        return {}
    entries = toml.loads(EQUIVALENT.read_text()).get("mutant", [])
    return {(e["module"], e["before"], e["after"], e["operator"]): e for e in entries}


def report(out: Path, names: list[str]) -> int:
    equivalent = load_equivalent()
    columns = ["mutants", "killed", "timeout", "incompetent", "survived", "equivalent",
               "pending"]  # fmt: skip
    lines = ["| module | " + " | ".join(columns) + " | killed of non-equivalent |",
             "|---|" + "---:|" * (len(columns) + 1)]  # fmt: skip
    survivors, used = [], set()
    totals = dict.fromkeys(columns, 0)
    for name in names:
        session = out / "sessions" / f"{name}.sqlite"
        if not session.exists():
            continue
        per_module: dict[str, dict[str, int]] = {}
        for r in results(session):
            kind = classify(r, equivalent)
            if kind in ("skipped", "no-test"):
                continue
            counts = per_module.setdefault(r["module"], dict.fromkeys(columns, 0))
            counts["mutants"] += 1
            counts[kind] += 1
            if kind == "survived":
                survivors.append(r)
            if kind == "equivalent":
                before, after = changed_lines(r["diff"])
                used.add((r["module"], before, after, r["operator"]))
        for module, counts in sorted(per_module.items()):
            dead = counts["killed"] + counts["timeout"]
            relevant = counts["mutants"] - counts["equivalent"] - counts["pending"]
            share = f"{100 * dead / relevant:.1f} %" if relevant else "n/a"
            lines.append(f"| {module} | " + " | ".join(str(counts[c]) for c in columns)
                         + f" | {share} |")  # fmt: skip
            for c in columns:
                totals[c] += counts[c]
    dead = totals["killed"] + totals["timeout"]
    relevant = totals["mutants"] - totals["equivalent"] - totals["pending"]
    share = f"{100 * dead / relevant:.1f} %" if relevant else "n/a"
    lines.append("| **all** | " + " | ".join(str(totals[c]) for c in columns) + f" | {share} |")
    print("\n".join(lines))
    print(f"\n{len(survivors)} surviving mutants not listed in {EQUIVALENT.name}:")
    for r in sorted(survivors, key=lambda r: (r["module"], r["line"] or 0)):
        before, after = changed_lines(r["diff"] or "")
        print(f"- {r['module']}:{r['line']} {r['operator']} "
              f"#{r['occurrence']}\n    - {before}\n    + {after}")  # fmt: skip
    stale = [e for k, e in equivalent.items() if k not in used]
    if stale:
        print(f"\n{len(stale)} entries of {EQUIVALENT.name} matched no surviving mutant:")
        for e in stale:
            print(f"- {e['module']}: {e['before']} -> {e['after']} ({e['operator']})")
    return 0


def main(argv: list[str] | None = None) -> int:
    common, settings = load()
    groups = settings["groups"]
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("groups", nargs="*", help=f"default all: {', '.join(groups)}")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / ".mutation")
    parser.add_argument("--port-base", type=int, default=47650)
    parser.add_argument("--nice", type=int, default=0, help="run the workers at this niceness")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="test the surviving mutants of existing sessions again (those "
                             "not listed in equivalent.toml)")  # fmt: skip
    parser.add_argument("--rerun-equivalent", action="store_true",
                        help="with --rerun-survivors: the listed ones too")  # fmt: skip
    parser.add_argument("--report", action="store_true", help="only print counts and survivors")
    args = parser.parse_args(argv)
    names = args.groups or list(groups)
    unknown = [n for n in names if n not in groups]
    if unknown:
        parser.error(f"unknown groups {unknown}; known: {list(groups)}")
    out = args.out.resolve()
    if not args.report:
        out.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        with workers(out, args.workers, args.port_base, args.nice) as (urls, trees):
            for name in names:
                rerun = args.rerun_survivors and ("all" if args.rerun_equivalent else "new")
                run_group(name, groups[name], common, settings, out, urls, trees,
                          rerun)  # fmt: skip
        print(f"campaign wall time {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    return report(out, names)


if __name__ == "__main__":
    sys.exit(main())
