"""What reruns after an edit, read from the dry-run job list of one trained tiny workdir.

The workflow runs from a copy of the checkout (Snakefile, workflow/, src/, envs/, ...), so
the tests that edit code edit the copy, never the repository. Each test undoes its edit;
the last one checks that nothing is left to do.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from attnaudit import settings
from tests.code_imports import loaded_modules, relative
from tests.workflow_runner import (
    REPO,
    dry_run,
    dump_config,
    planned_jobs,
    snakemake,
    write_config,
)

pytestmark = pytest.mark.slow

SYNTHETIC = {"type": "synthetic", "n_train": 120, "n_dev": 40, "n_test": 40, "vocab_size": 80,
             "max_length": 12}  # fmt: skip
SMALL = {"max_instances": 8}
BASE = {
    "datasets": {"syn_a": SYNTHETIC, "syn_b": {**SYNTHETIC, "seed": 1}},
    "encoders": ["average"],
    "attentions": ["additive", "uniform"],
    "seeds": [1, 2],
    "training": {"epochs": 1, "embedding_dim": 8},
    # every rule runs once (the module-edit test checks them all), on few instances
    "jain_wallace": {"importance": SMALL, "permutation": SMALL, "adversary": {**SMALL,
                                                                              "steps": 5}},
    "serrano_smith": {"single_weight": SMALL, "multi_weight": {**SMALL, "ig_steps": 2}},
    "faithfulness": {"eraser": {**SMALL, "ig_steps": 2}, "planted": {**SMALL, "ig_steps": 2}},
    "vashishth": {"replacement": SMALL},
    "wiegreffe_pinter": {
        "guided_mlp": {"own": "average-additive", "base": "average-additive"},
        "adversarial": {"base": "average-additive", "lambdas": [1.0], "epochs": 1},
    },
    "pruthi": {"deception": {"models": ["average-additive"], "weights": [1.0], "epochs": 1}},
}  # fmt: skip
# The learned-vs-uniform table needs every run's metrics: training and one aggregate.
TARGETS = ("results/report/learned_vs_uniform.csv",)
N_RUNS = 8  # 2 datasets x 1 encoder x 2 attentions x 2 seeds


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copy2(REPO / "Snakefile", root / "Snakefile")
    for part in ("workflow", "src", "profiles", "envs"):
        shutil.copytree(REPO / part, root / part, ignore=ignore)  # copy2 keeps mtimes
    return root


@pytest.fixture(scope="module")
def trained(checkout, tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("reruns")
    write_config(workdir, BASE)
    snakemake(workdir, checkout=checkout)  # every default target: every rule runs
    return workdir


def plan(workdir: Path, checkout: Path):
    """The dry run: jobs per rule, and the dry-run jobs themselves."""
    jobs = dry_run(workdir, *TARGETS, checkout=checkout)
    return Counter(job.rule for job in jobs), jobs


@pytest.fixture
def edit_config(trained):
    """Write an edited config for one test; the base config comes back afterwards."""
    yield lambda config: write_config(trained, config)
    write_config(trained, BASE)


@pytest.fixture
def edit_code(checkout):
    """Edit a file of the checkout copy (a comment line appended: new content, new mtime);
    its content and mtime come back afterwards."""
    saved = {}

    def _edit(relative: str) -> Path:
        path = checkout / relative
        saved[path] = (path.read_bytes(), path.stat())
        with path.open("a") as f:
            f.write("\n# edited\n")  # now: newer than the outputs
        return path

    yield _edit
    for path, (content, stat) in saved.items():
        path.write_bytes(content)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_nothing_reruns_without_an_edit(trained, checkout):
    assert planned_jobs(trained, *TARGETS, checkout=checkout) == {}


def test_a_training_edit_reruns_training_and_aggregates_never_data(trained, checkout, edit_config):
    edit_config({**BASE, "training": {**BASE["training"], "epochs": 2}})
    counts, jobs = plan(trained, checkout)
    assert counts == {"train": N_RUNS, "learned_vs_uniform": 1}
    assert all("Params have changed" in job.reason for job in jobs if job.rule == "train")


# every rule that trains: each has the training settings in its params
TRAINING_RULES = {"train", "wp_guided", "wp_adversary", "pruthi_deception"}


@pytest.mark.parametrize("edit", [{"threads": 2}, {"device": "auto"}, {"device": "cuda"}])
def test_editing_how_jobs_run_plans_nothing(trained, checkout, edit_config, edit):
    """`training.threads` and `training.device` say how a job runs, not what it computes: no
    rule has them in its params, so after a complete run editing them plans no job of any
    target (a dry run: nothing runs on a missing GPU)."""
    edit_config({**BASE, "training": {**BASE["training"], **edit}})
    assert planned_jobs(trained, checkout=checkout) == {}


def test_editing_a_training_setting_plans_every_training_again(trained, checkout, edit_config):
    """The contrast of the test above: the learning rate reruns every rule that trains, each
    run for its changed params (Snakemake names that reason only where no upstream job
    reruns: for the runs below `train`, its reruns say it)."""
    edit_config({**BASE, "training": {**BASE["training"], "lr": 2.0e-3}})
    jobs = dry_run(trained, checkout=checkout)
    assert {job.rule for job in jobs} >= TRAINING_RULES
    changed = Counter(job.rule for job in jobs if "Params have changed" in job.reason)
    assert changed["train"] == N_RUNS and changed["pruthi_deception"] == 4  # 2 datasets x 2 seeds


def test_a_dataset_option_edit_reruns_that_dataset_and_downstream(trained, checkout, edit_config):
    datasets = {**BASE["datasets"], "syn_b": {**BASE["datasets"]["syn_b"], "n_train": 100}}
    edit_config({**BASE, "datasets": datasets})
    counts, jobs = plan(trained, checkout)
    assert counts == {"preprocess": 1, "train": N_RUNS // 2, "learned_vs_uniform": 1}
    assert {job.wildcards.get("dataset") for job in jobs if job.rule != "learned_vs_uniform"} == {
        "syn_b"
    }


def test_adding_a_seed_runs_only_the_new_runs(trained, checkout, edit_config):
    edit_config({**BASE, "seeds": [1, 2, 3]})
    counts, jobs = plan(trained, checkout)
    assert counts == {"train": N_RUNS // 2, "learned_vs_uniform": 1}
    assert {job.wildcards["seed"] for job in jobs if job.rule == "train"} == {"3"}


def test_adding_a_dataset_runs_only_its_jobs(trained, checkout, edit_config):
    edit_config({**BASE, "datasets": {**BASE["datasets"], "syn_c": {**SYNTHETIC, "seed": 2}}})
    counts, jobs = plan(trained, checkout)
    assert counts == {"preprocess": 1, "train": N_RUNS // 2, "learned_vs_uniform": 1}
    assert {job.wildcards.get("dataset") for job in jobs if job.rule != "learned_vs_uniform"} == {
        "syn_c"
    }


def test_editing_model_code_reruns_training_not_preprocessing(trained, checkout, edit_code):
    edited = edit_code("src/attnaudit/models/encoders.py")
    counts, jobs = plan(trained, checkout)
    assert counts == {"train": N_RUNS, "learned_vs_uniform": 1}
    train = [job for job in jobs if job.rule == "train"]
    # code inputs are recorded relative to the working directory (a moved project keeps them)
    edited = os.path.relpath(edited, trained)
    assert all(f"Updated input files: {edited}" in job.reason for job in train), train[0].reason


def test_editing_parser_code_reruns_preprocessing_and_downstream(trained, checkout, edit_code):
    edit_code("src/attnaudit/data/synthetic.py")
    counts, _ = plan(trained, checkout)
    assert counts == {"preprocess": 2, "train": N_RUNS, "learned_vs_uniform": 1}


def test_editing_an_aggregate_script_reruns_only_that_aggregate(trained, checkout, edit_code):
    edit_code("workflow/scripts/learned_vs_uniform.py")
    counts, jobs = plan(trained, checkout)
    assert counts == {"learned_vs_uniform": 1}
    assert "Code has changed" in jobs[0].reason, jobs[0].reason


def test_editing_code_no_rule_uses_reruns_nothing(trained, checkout, edit_code):
    edit_code("src/attnaudit/analyses/jain_wallace.py")  # not used by training or this table
    assert plan(trained, checkout)[0] == {}


def rule_scripts() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Rule -> (its script, the modules it imports by name), read from the rule files; a
    rule made with `use rule A as B` runs A's script."""
    scripts, origin = {}, {}
    for path in sorted((REPO / "workflow/rules").glob("*.smk")):
        text = path.read_text()
        for name, body in re.findall(r"(?m)^ *rule (\w+):\n((?:(?: {4,}.*)?\n)+)", text):
            found = re.search(r'"\.\./scripts/(\w+\.py)"', body)
            if found:
                scripts[name] = found.group(1)
        origin.update(re.findall(r"(?m)^ *use rule (\w+) as (\w+)", text))
    for base, derived in origin.items():
        scripts[derived] = scripts[base]
    families = tuple(f"attnaudit.analyses.{f}" for f in settings.FAMILIES)
    return {r: (s, families if s == "analysis.py" else ()) for r, s in scripts.items()}


def reruns_by_cause(jobs) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """From a dry run: edited library file (as `attnaudit/...`) -> the rules whose jobs name
    it as an updated input; every rule that reruns; the rules whose jobs rerun only because
    an upstream job does. (Snakemake names a job's own updated inputs only where no
    upstream job of it reruns: below that, "input files updated by another job" says it.)"""
    direct: dict[str, set[str]] = {}
    downstream = set()
    for job in jobs:
        if job.rule == "all":
            continue
        causes = job.reason.split("; ")
        for part in causes:
            if part.startswith("Updated input files: "):
                for path in part.removeprefix("Updated input files: ").split(", "):
                    if "/src/attnaudit/" in path:
                        direct.setdefault(relative(path), set()).add(job.rule)
        if all(c.startswith("Input files updated by another job") for c in causes):
            downstream.add(job.rule)
    return direct, {job.rule for job in jobs if job.rule != "all"}, downstream


def other_parsers(checkout: Path, used: str) -> set[str]:
    """The dataset parser modules (those the registry imports from `attnaudit.data`) other
    than the one of dataset type `used`."""
    registry = (checkout / "src/attnaudit/data/registry.py").read_text()
    (names,) = re.findall(r"^from attnaudit\.data import (.+)$", registry, re.M)
    return {f"attnaudit/data/{n.strip()}.py" for n in names.split(",")} - {
        f"attnaudit/data/{used}.py"
    }


@pytest.fixture(scope="module")
def rule_imports(trained, checkout) -> dict[str, set[str]]:
    """Rule -> the attnaudit modules its script loads at run time, for every rule of the
    complete tiny run."""
    ran = {job.rule for job in dry_run(trained, "--forceall", checkout=checkout)}
    return {rule: loaded_modules(script, *extra)
            for rule, (script, extra) in rule_scripts().items() if rule in ran}  # fmt: skip


def expected_reruns(module: str, rule_imports: dict, checkout: Path) -> set[str]:
    """The rules whose scripts import `module` (downloads list no code: a checksum guards
    them; preprocessing lists only the parser of its dataset, synthetic here)."""
    expected = {rule for rule, loaded in rule_imports.items() if module in loaded}
    expected -= {"download", "download_vectors"}
    if module in other_parsers(checkout, used="synthetic"):
        expected.discard("preprocess")
    return expected


def test_every_library_module_reruns_exactly_the_rules_that_import_it(
    trained, checkout, rule_imports
):
    """Edit every module of the library (in the copy) and read, from one dry run, which
    rules' jobs name each as an updated input: only rules that import it (the others that
    import it rerun anyway, below an upstream job that does)."""
    modules = sorted((checkout / "src/attnaudit").rglob("*.py"))
    saved = {p: (p.read_bytes(), p.stat()) for p in modules}
    try:
        for path in modules:
            with path.open("a") as f:
                f.write("\n# edited\n")
        direct, _, _ = reruns_by_cause(dry_run(trained, checkout=checkout))
    finally:
        for path, (content, stat) in saved.items():
            path.write_bytes(content)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    for path in modules:
        module = relative(path)
        assert direct.get(module, set()) <= expected_reruns(module, rule_imports, checkout), module
    assert "attnaudit/data/synthetic.py" in direct  # the check is not vacuous


@pytest.mark.parametrize(
    "module",
    ["engine.py", "data/synthetic.py", "data/imdb.py", "report/tables.py", "settings.py",
     "optim.py", "analyses/faithfulness.py", "report/pages.py", "stages/seed_variance.py"],
)  # fmt: skip
def test_one_module_at_a_time(trained, checkout, rule_imports, edit_code, module):
    """Editing one module: every rule that imports it reruns, each either because of its
    own edited input or below an upstream job that does; no rule reruns for its own sake
    unless it imports the module."""
    edit_code(f"src/attnaudit/{module}")
    direct, rerun, downstream = reruns_by_cause(dry_run(trained, checkout=checkout))
    expected = expected_reruns(f"attnaudit/{module}", rule_imports, checkout)
    assert set(direct) <= {f"attnaudit/{module}"}
    assert direct.get(f"attnaudit/{module}", set()) <= expected
    assert expected <= rerun
    assert rerun - expected <= downstream


def test_a_touched_but_unchanged_library_file_reruns_nothing(trained, checkout):
    """Library files are inputs, and Snakemake compares the checksum of an input newer than
    the outputs (files up to --max-checksum-file-size, 1 MB): a `git checkout` that only
    touches them reruns nothing. `script:` files are judged by mtime alone."""
    path = checkout / "src/attnaudit/train.py"
    stat = path.stat()
    os.utime(path)  # now: newer than the outputs
    try:
        assert planned_jobs(trained, *TARGETS, checkout=checkout) == {}
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_every_edit_was_undone(trained, checkout):
    assert planned_jobs(trained, *TARGETS, checkout=checkout) == {}


def reordered(value):
    """The same config with every mapping's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    return value


def test_the_same_config_in_another_key_order_or_split_in_overlays_plans_nothing(trained, checkout):
    write_config(trained, reordered(BASE))
    try:
        assert planned_jobs(trained, checkout=checkout) == {}
        # the same config split across two --configfile overlays, numbers written as ints
        first = {k: v for k, v in BASE.items() if k not in ("training", "wiegreffe_pinter")}
        second = {"training": BASE["training"], "wiegreffe_pinter": {"adversarial": {
            **BASE["wiegreffe_pinter"]["adversarial"], "lambdas": [1]}}}  # fmt: skip
        guided = {"wiegreffe_pinter": {"guided_mlp": BASE["wiegreffe_pinter"]["guided_mlp"]}}
        write_config(trained, first)
        for name, part in (("second.yaml", second), ("third.yaml", guided)):
            (trained / name).write_text(dump_config(part))
        extra = ("--configfile", str(trained / "config.yaml"), str(trained / "second.yaml"),
                 str(trained / "third.yaml"))  # fmt: skip
        assert planned_jobs(trained, *extra, checkout=checkout) == {}
    finally:
        write_config(trained, BASE)


def test_a_copied_project_plans_nothing_and_still_follows_code_edits(trained, checkout, tmp_path):
    """A finished project copied elsewhere (contents and mtimes, as `cp -a`) plans nothing:
    code inputs are recorded relative to the working directory, not as absolute paths (which
    changed with the folder and reran every job). An edit there still reruns its rule."""
    moved = tmp_path / "elsewhere"
    for part in (checkout, trained):  # siblings, as a project's code and results are
        shutil.copytree(part, moved / part.name, symlinks=True)
    assert plan(moved / trained.name, moved / checkout.name)[0] == Counter()
    with (moved / checkout.name / "src/attnaudit/report/tables.py").open("a") as f:
        f.write("\n# edited\n")
    assert plan(moved / trained.name, moved / checkout.name)[0] == {"learned_vs_uniform": 1}
