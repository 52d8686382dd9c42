# Config validation, the one place where result paths are built from wildcards, and the
# library code each rule runs. Planning imports no torch (a login node needs no GPU stack).

from pathlib import Path

from snakemake.exceptions import WorkflowError

from attnaudit import lifeline, settings
from attnaudit.code_inputs import module_path, script_code
from attnaudit.config import ConfigError, canonical, check_names, validate
from attnaudit.data.registry import REGISTRY, get_spec, resolve_files
from attnaudit.models import catalog
from attnaudit.models.embeddings import get_vectors, resolve_vector_files

SCHEMA = workflow.source_path("../schemas/config.schema.yaml")
SRC = Path(workflow.basedir) / "src"
SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"


# Stop before any job runs, with one message naming the bad key (or the config file and
# line); fill in defaults. The config files are read again strictly (duplicate keys,
# octal-looking numbers): Snakemake's own loader passes those silently.
try:
    validate(config, SCHEMA, files=workflow.configfiles)
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None

# Jobs die with this Snakemake process; a lock left by a killed run is removed (its jobs
# still running are stopped first), so a rerun needs no --unlock (attnaudit.lifeline).
lifeline.register(main=workflow.exec_mode.name == "DEFAULT")


# The software environment of every rule (for --software-deployment-method conda).
ENV = "../../envs/attnaudit.yaml"

DATASETS = sorted(config["datasets"])
MODELS = [f"{e}-{a}" for e in config["encoders"] for a in config["attentions"]]
SEEDS = sorted(config["seeds"])
TRAINING = canonical(config["training"])
THREADS = config["training"]["threads"]  # of every training and analysis job

RUN = "results/{dataset}/{encoder}-{attention}/seed{seed}"
DATA = "results/{dataset}/data"
# downloaded word vectors (shared by datasets); one dataset's cached matrix (.npy + .json)
VECTORS = "resources/embeddings/{embedding}"
MATRIX = f"{DATA}/embeddings/{{embedding}}"
REPORT = "results/report"
# Wiegreffe & Pinter: seed variance of a dataset x model; per dataset and seed the guided
# MLP runs (one folder per variant, with its guide's attention) and the adversaries
WP_MODEL = "results/{dataset}/{encoder}-{attention}/wiegreffe_pinter"
WP = "results/{dataset}/wiegreffe_pinter"
GUIDED = f"{WP}/guided/{{variant}}/seed{{seed}}"
ADVERSARY = f"{WP}/adversary/lambda{{lam}}/seed{{seed}}"


wildcard_constraints:
    dataset="[A-Za-z0-9_]+",
    encoder="[a-z0-9]+",
    attention="[a-z0-9]+",
    seed="[0-9]+",


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
    return list(script_code(SCRIPTS / script, SRC, *modules))


def parser_files(spec):
    """The parser module of a dataset type: its parser's module, or the module named like
    the type where the parser is a lambda in the registry."""
    name = spec.parser.__module__
    if name == "attnaudit.data.registry":
        name = f"attnaudit.data.{spec.name}"
    path = module_path(SRC, name)
    return {str(path)} if path else set()


ALL_PARSERS = set().union(*(parser_files(spec) for spec in REGISTRY.values()))


def preprocess_code(wildcards):
    """The preprocessing code, with only this dataset's parser among the parsers."""
    spec = get_spec(dataset_options(wildcards.dataset).get("type", wildcards.dataset))
    return sorted(set(code("preprocess.py")) - ALL_PARSERS | parser_files(spec))


# -- config lookups ---------------------------------------------------------------------------
def dataset_options(dataset):
    return canonical(config["datasets"][dataset])


def dataset_files(wildcards):
    """The files a dataset's parser reads: downloads, a user's own table, or none."""
    options = dataset_options(wildcards.dataset)
    spec = get_spec(options.get("type", wildcards.dataset))
    if "path" in options:
        return [options["path"]]
    return [
        f"resources/{wildcards.dataset}/{f.filename}"
        for f in resolve_files(spec, options)
    ]


def embedding_options(name):
    return canonical(config["embeddings"][name])


def embedding_inputs(wildcards):
    """The dataset's cached matrix of `training.embeddings` (.npy, .json); none: random init."""
    name = config["training"]["embeddings"]
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

    options = dataset_options(wildcards.dataset)
    spec = get_spec(options.get("type", wildcards.dataset))
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


# -- runs ---------------------------------------------------------------------------------------
def analysis_runs(path_pattern, flat_only=False):
    """Expand a per-run path over the runs with learned (non-uniform) attention; with
    `flat_only`, without hierarchical models (whose items are sentences, not tokens)."""
    learned = [a for a in config["attentions"] if a != "uniform"]
    encoders = [
        e
        for e in config["encoders"]
        if not (flat_only and e in catalog.HIERARCHICAL_ENCODERS)
    ]
    return expand(
        path_pattern,
        dataset=DATASETS,
        encoder=encoders,
        attention=learned,
        seed=SEEDS,
    )


def runs(path_pattern, datasets=None):
    """Expand a per-run path over datasets x encoders x attentions x seeds."""
    return expand(
        path_pattern,
        dataset=datasets or DATASETS,
        encoder=config["encoders"],
        attention=config["attentions"],
        seed=SEEDS,
    )


def run_path(dataset, model, seed, name):
    """A file of one run, the model given as '<encoder>-<attention>'."""
    encoder, attention = model.split("-")
    return expand(
        f"{RUN}/{name}",
        dataset=dataset,
        encoder=encoder,
        attention=attention,
        seed=seed,
    )[0]


def family_settings(family):
    """The settings blocks of an analysis family (canonical: schema defaults filled in)."""
    return config[family]


def family_outputs(family):
    """One table per analysis of the family, named by its config block."""
    return {
        name: f"{RUN}/{family}/{name}.parquet" for name in settings.SECTIONS[family]
    }


def all_outputs():
    return [
        *runs(f"{RUN}/metrics.json"),
        f"{REPORT}/learned_vs_uniform.csv",
        f"{REPORT}/learned_vs_uniform.md",
        f"{REPORT}/figures/learned_vs_uniform.png",
        f"{REPORT}/dataset_statistics.csv",
        f"{REPORT}/dataset_statistics.md",
        *jain_wallace_outputs(),
        *serrano_smith_outputs(),
        *wiegreffe_pinter_outputs(),
    ]


def serrano_smith_outputs():
    if not [a for a in config["attentions"] if a != "uniform"]:
        return []
    return [
        f"{REPORT}/serrano_smith/decision_flips.md",
        f"{REPORT}/serrano_smith/flip_fractions.md",
        f"{REPORT}/figures/serrano_smith_delta_jsd.png",
        f"{REPORT}/figures/serrano_smith_flip_fractions.png",
    ]


def jain_wallace_outputs():
    if not analysis_runs("{dataset}{encoder}{attention}{seed}", flat_only=True):
        return []
    return [
        f"{REPORT}/jain_wallace/tau.md",
        f"{REPORT}/figures/jain_wallace_permutation.png",
        f"{REPORT}/figures/jain_wallace_adversary_histogram.png",
    ]


# -- Wiegreffe & Pinter: settings, checks and input functions -----------------------------------
WP_CFG = config["wiegreffe_pinter"]
LEARNED = [m for m in MODELS if not m.endswith("-uniform")]


def lambda_label(value):
    """An adversary's lambda as it appears in paths (the `lam` wildcard): 0.1 -> '0.1'."""
    return format(float(value), "g")


LAMBDAS = [lambda_label(x) for x in WP_CFG["adversarial"]["lambdas"]]
# guided variants trained by wp_guided; `uniform` is the `<encoder>-uniform` run itself
GUIDED_VARIANTS = [v for v in WP_CFG["guided_mlp"]["variants"] if v != "uniform"]


def check_wiegreffe_pinter():
    """Model names, lambdas and the base seed of `wiegreffe_pinter:` (schema defaults in)."""
    key = "wiegreffe_pinter"
    if len(set(LAMBDAS)) != len(LAMBDAS):
        raise ConfigError(
            f"config key '{key}.adversarial.lambdas': {LAMBDAS} name the same path twice"
        )
    guided, adversarial = WP_CFG["guided_mlp"], WP_CFG["adversarial"]
    check_names(f"{key}.guided_mlp.encoder", [guided["encoder"]], catalog.FLAT_ENCODERS)
    for name, model in [
        ("guided_mlp.own", guided["own"]),
        ("guided_mlp.base", guided["base"]),
        ("adversarial.base", adversarial["base"]),
    ]:
        encoder, attention = model.split("-")
        check_names(f"{key}.{name}", [encoder], catalog.FLAT_ENCODERS)
        check_names(f"{key}.{name}", [attention], catalog.ATTENTIONS)
    base_seed = WP_CFG["seed_variance"]["base_seed"]
    if base_seed is not None and base_seed not in SEEDS:
        raise ConfigError(
            f"config key '{key}.seed_variance.base_seed': {base_seed} is not one of {SEEDS}"
        )


try:
    check_wiegreffe_pinter()
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None


def wiegreffe_pinter_outputs():
    """Each item's tables and figures, where the runs it builds on are configured runs
    (asked for by path, the other items train what they need)."""
    learned = [a for a in config["attentions"] if a != "uniform"]
    outputs = []
    if learned and len(SEEDS) > 1:
        outputs += [
            f"{REPORT}/wiegreffe_pinter/seed_variance.md",
            f"{REPORT}/figures/wiegreffe_pinter_seed_variance.png",
            f"{REPORT}/figures/wiegreffe_pinter_seed_jsd_vs_tvd.png",
        ]
    guided = WP_CFG["guided_mlp"]
    needs = {
        "own": guided["own"],
        "base": guided["base"],
        "adversary": WP_CFG["adversarial"]["base"],
        "uniform": f"{guided['encoder']}-uniform",
    }
    wanted = [needs[v] for v in guided["variants"]]
    if guided["variants"] and set(wanted) <= set(MODELS):
        outputs.append(f"{REPORT}/wiegreffe_pinter/guided_mlp.md")
    if WP_CFG["adversarial"]["lambdas"] and WP_CFG["adversarial"]["base"] in MODELS:
        outputs += [
            f"{REPORT}/wiegreffe_pinter/adversarial.md",
            f"{REPORT}/figures/wiegreffe_pinter_adversarial.png",
        ]
    return outputs


def wp_guides():
    """Per guided variant (but uniform), the model whose attention guides it, by name."""
    guided = WP_CFG["guided_mlp"]
    names = {
        "own": guided["own"],
        "base": guided["base"],
        "adversary": f"adversary-lambda{lambda_label(guided['adversary_lambda'])}",
    }
    return {v: names[v] for v in GUIDED_VARIANTS}


def wp_guide_checkpoints(wildcards):
    """The checkpoints of the guide models of a dataset and seed, by variant."""
    guided = WP_CFG["guided_mlp"]
    paths = {}
    for variant in GUIDED_VARIANTS:
        if variant == "adversary":
            paths[variant] = expand(
                f"{ADVERSARY}/model.pt",
                dataset=wildcards.dataset,
                lam=lambda_label(guided["adversary_lambda"]),
                seed=wildcards.seed,
            )[0]
        else:
            paths[variant] = run_path(
                wildcards.dataset, guided[variant], wildcards.seed, "model.pt"
            )
    return paths


def wp_guided_outputs():
    """Per variant, the files of a run and the guide's attention on every split."""
    names = {
        "checkpoint": "model.pt",
        "history": "epochs.csv",
        "metrics": "metrics.json",
        "predictions": "predictions.parquet",
        "guide": "guide.parquet",
    }
    return {
        f"{variant}_{kind}": f"{WP}/guided/{variant}/seed{{seed}}/{name}"
        for variant in GUIDED_VARIANTS
        for kind, name in names.items()
    }


def wp_uniform_runs():
    """The metrics of the guided MLP's uniform variant: the `<encoder>-uniform` runs."""
    if "uniform" not in WP_CFG["guided_mlp"]["variants"]:
        return []
    model = f"{WP_CFG['guided_mlp']['encoder']}-uniform"
    return [run_path(d, model, s, "metrics.json") for d in DATASETS for s in SEEDS]


def wp_base_run(name):
    """A file of the adversary's base run (same dataset and seed)."""
    base = WP_CFG["adversarial"]["base"]
    return lambda wc: run_path(wc.dataset, base, wc.seed, name)


def wp_adversary_training():
    """The training settings of an adversary: `training:` with its own epochs."""
    epochs = WP_CFG["adversarial"]["epochs"] or config["training"]["epochs"]
    return {**TRAINING, "epochs": epochs}


def wp_seed_variance_files(models):
    """The seed-variance tables of `models` (names '<encoder>-<attention>'), every dataset."""
    pattern = f"{WP_MODEL}/seed_variance.parquet"
    return [
        expand(pattern, dataset=d, encoder=e, attention=a)[0]
        for d in DATASETS
        for e, a in (m.split("-") for m in models)
    ]
