# Config loading and validation, wildcard constraints, the path patterns and the library code
# each rule runs. What the config makes (runs, families, guides, targets) is the plan's
# (attnaudit.plan). Planning imports no torch (a login node needs no GPU stack).

import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

from attnaudit import lifeline, runlock
from attnaudit.code_inputs import module_path, script_code
from attnaudit.config import ConfigError, canonical, validate
from attnaudit.data.registry import REGISTRY, get_spec, resolve_files
from attnaudit.models import catalog
from attnaudit.data.vectors import get_vectors, resolve_vector_files
from attnaudit.plan import (
    ADVERSARY,
    CHECKPOINTS,
    COMPLEXITY,
    COMPLEXITY_ANALYSES,
    DATA,
    DECEPTION,
    ENCODER_RUN,
    GUIDED_FILES,
    MATRIX,
    PIECES,
    REPORT,
    RUN,
    TRANSFER,
    VECTORS,
    WP,
    WP_MODEL,
    Plan,
)

SRC = Path(workflow.basedir) / "src"
SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"


# Stop before any job runs, with one message naming the bad key (or the config file and
# line); fill in defaults. The config files are read again strictly (duplicate keys,
# octal-looking numbers): Snakemake's own loader passes those silently.
try:
    validate(config, files=workflow.configfiles)
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None


def runs_here():
    """Whether this process runs the workflow: the main one (not a cluster job's), with a
    command that runs (not -n, --report, --lint, --summary, ...: `lifeline.runs` reads
    Snakemake's own parse of it). Under the Python API, no command line to read: no."""
    from snakemake.cli import get_argument_parser

    program = Path(sys.argv[0])
    if workflow.exec_mode.name != "DEFAULT" or workflow.output_settings.dryrun:
        return False
    if "snakemake" not in (program.name, program.parent.name):
        return False
    try:
        return lifeline.runs(get_argument_parser().parse_args(sys.argv[1:]))
    except SystemExit:
        return False


# One run per directory: a run takes an exclusive OS lock before it plans, so a second run
# started at the same instant is refused with one line (attnaudit.runlock). Jobs die with
# this Snakemake process; in a run, a lock left by a killed run is removed (its jobs still
# running are stopped first), so a rerun needs no --unlock (attnaudit.lifeline).
RUNS = runs_here()
if RUNS:
    try:
        runlock.acquire()
    except runlock.RunningError as exc:
        sys.exit(f"attnaudit: {exc}")
lifeline.register(main=RUNS)


# The software environment of every rule (for --software-deployment-method conda).
ENV = "../../envs/attnaudit.yaml"

PLAN = Plan(config)
# attnaudit.plan.RUNTIME (threads, device) is in no rule's params, PLAN.training included.
TRAINING = PLAN.training
THREADS = config["training"]["threads"]


wildcard_constraints:
    dataset="[A-Za-z0-9_]+",
    encoder="[a-z0-9]+",
    attention="[a-z0-9]+",
    seed="[0-9]+",


# Wildcard patterns of the kinds of model: flat or hierarchical encoders, learned attention.
FLAT = "|".join([*catalog.flat_encoders(), *PLAN.pretrained])
HIERARCHICAL = "|".join(catalog.hierarchical_encoders())
UNIFORM_ATTENTION = "|".join(catalog.UNIFORM_ATTENTIONS)
# any name but the uniform ones (catalog.is_uniform)
LEARNED_ATTENTION = f"(?!(?:{UNIFORM_ATTENTION})(?![a-z0-9]))[a-z0-9]+"
# path labels of adversaries' lambdas and deception weights ('g' format: 0.1, 1, 1e-05)
NUMBER = "[0-9][0-9.e+-]*"


def job_paths(kind, pattern):
    """A rule's log and benchmark paths: results/{logs,benchmarks}/<kind>/<pattern>."""
    stem = pattern.removeprefix("results/")
    return (
        f"results/logs/{kind}/{stem}.log",
        f"results/benchmarks/{kind}/{stem}.tsv",
    )


# -- the library code a rule runs -----------------------------------------------------------
def code(script, *modules):
    """The library files that `script` (in workflow/scripts) imports, directly or not, and
    `modules` it imports by name: a rule's inputs, so that editing one reruns its jobs.
    """
    return [relative(p) for p in script_code(SCRIPTS / script, SRC, *modules)]


def relative(path):
    """`path` relative to the working directory: the inputs Snakemake records stay the same
    when a finished project is moved or copied (absolute paths changed with its folder).
    """
    return os.path.relpath(path)


def parser_files(spec):
    """The parser module of a dataset type: its parser's module, or the module named like
    the type where the parser is a lambda in the registry."""
    name = spec.parser.__module__
    if name == "attnaudit.data.registry":
        name = f"attnaudit.data.{spec.name}"
    path = module_path(SRC, name)
    return {relative(path)} if path else set()


ALL_PARSERS = set().union(*(parser_files(spec) for spec in REGISTRY.values()))


def preprocess_code(wildcards):
    """The preprocessing code, with only this dataset's parser among the parsers."""
    spec = get_spec(PLAN.dataset_type(wildcards.dataset))
    return sorted(set(code("preprocess.py")) - ALL_PARSERS | parser_files(spec))


def analysis_code(kind):
    """The analysis script's code and the modules of its families (imported by name)."""
    families = PLAN.analysis_families(kind)
    return code("analysis.py", *(f"attnaudit.analyses.{f}" for f in families))


# -- input functions: files and downloads named by a dataset's or vectors' options ----------
def dataset_files(wildcards):
    """The files a dataset's parser reads: downloads, a user's own table, or none."""
    options = PLAN.dataset_options(wildcards.dataset)
    if "path" in options:
        return [options["path"]]
    spec = get_spec(PLAN.dataset_type(wildcards.dataset))
    return [
        f"resources/{wildcards.dataset}/{f.filename}"
        for f in resolve_files(spec, options)
    ]


def embedding_options(name):
    return canonical(config["embeddings"][name])


def run_data(name):
    """A run's dataset file `name`: in word pieces for a pretrained encoder."""
    return lambda wc: PLAN.data_file(wc.dataset, wc.encoder, name)


def embedding_inputs(wildcards, training=None):
    """The dataset's cached matrix of the run's `embeddings` (.npy, .json; `training`: the
    run's settings, by default its encoder's); none: random init or, for a pretrained
    encoder, its own embeddings."""
    training = training or PLAN.training_of(getattr(wildcards, "encoder", ""))
    name = training["embeddings"]
    if not name:
        return []
    return expand(
        f"{MATRIX}.{{ext}}",
        dataset=wildcards.dataset,
        embedding=name,
        ext=["npy", "json"],
    )


def vector_files(wildcards):
    """What an embedding matrix is built from: downloaded vectors, a local file, or none."""
    options = embedding_options(wildcards.embedding)
    if "path" in options:
        return [options["path"]]
    spec = get_vectors(options["type"])
    return [
        expand(f"{VECTORS}/{f.filename}", embedding=wildcards.embedding)[0]
        for f in resolve_vector_files(spec, options)
    ]


def vector_remote(wildcards):
    """What a vectors download fetches (address, checksums, names): its tracked params."""
    from dataclasses import asdict

    options = embedding_options(wildcards.embedding)
    for remote in resolve_vector_files(get_vectors(options["type"]), options):
        if remote.filename == wildcards.filename:
            return asdict(remote)
    raise WorkflowError(
        f"embeddings {wildcards.embedding!r} have no file {wildcards.filename!r}"
    )


def remote_file(wildcards):
    """What a download fetches (address, checksums, names): its params and cache key."""
    from dataclasses import asdict

    options = PLAN.dataset_options(wildcards.dataset)
    spec = get_spec(PLAN.dataset_type(wildcards.dataset))
    for remote in resolve_files(spec, options):
        if remote.filename == wildcards.filename:
            return asdict(remote)
    raise WorkflowError(
        f"dataset {wildcards.dataset!r} has no file {wildcards.filename!r}"
    )


def training_gpus():
    """GPUs a training job asks the scheduler for: one when `training.device` is cuda.

    `auto` asks for none; it takes a GPU only where the job already sees one.
    """
    return 1 if config["training"]["device"] == "cuda" else 0
