# Config validation, the one place where result paths are built from wildcards, and the
# library code each rule runs. Planning imports no torch (a login node needs no GPU stack).

import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

from attnaudit import lifeline, settings
from attnaudit.code_inputs import module_path, script_code
from attnaudit.config import ConfigError, canonical, check_names, validate
from attnaudit.data.registry import REGISTRY, get_spec, resolve_files
from attnaudit.models import catalog
from attnaudit.data.vectors import get_vectors, resolve_vector_files

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


# Jobs die with this Snakemake process; in a run, a lock left by a killed run is removed (its
# jobs still running are stopped first), so a rerun needs no --unlock (attnaudit.lifeline).
lifeline.register(main=runs_here())


# The software environment of every rule (for --software-deployment-method conda).
ENV = "../../envs/attnaudit.yaml"

DATASETS = sorted(config["datasets"])
MODELS = [f"{e}-{a}" for e in config["encoders"] for a in config["attentions"]]
SEEDS = sorted(config["seeds"])
# How a job runs, not what it computes, is never in params (editing it reruns nothing): the
# thread count is every training and analysis job's `threads:`; the device each training
# script reads from the config when it runs.
RUNTIME = ("threads", "device")
TRAINING = {k: v for k, v in canonical(config["training"]).items() if k not in RUNTIME}
THREADS = config["training"]["threads"]

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


# -- per-run analyses: one job per trained model (analyses.smk) -------------------------------
# Wildcard patterns of the kinds of model: flat or hierarchical encoders, learned attention.
FLAT = "|".join(catalog.FLAT_ENCODERS)
HIERARCHICAL = "|".join(catalog.HIERARCHICAL_ENCODERS)
UNIFORM_ATTENTION = "|".join(catalog.UNIFORM_ATTENTIONS)
# any name but the uniform ones (catalog.is_uniform)
LEARNED_ATTENTION = f"(?!(?:{UNIFORM_ATTENTION})(?![a-z0-9]))[a-z0-9]+"


def analysis_families(kind):
    """The families of `analyses:` that run on a kind of model: 'learned' (flat, learned
    attention), 'sentences' (hierarchical, learned) or 'uniform' (flat, uniform)."""
    applies = {
        "learned": lambda a: a.learned,
        "sentences": lambda a: a.learned and a.sentences,
        "uniform": lambda a: a.uniform,
    }[kind]
    return [f for f in config["analyses"] if applies(settings.FAMILIES[f])]


def analysis_outputs(kind):
    """One table per analysis of each family: `<family>_<analysis>` -> its path."""
    return {
        f"{family}_{name}": f"{RUN}/{family}/{name}.parquet"
        for family in analysis_families(kind)
        for name in settings.SECTIONS[family]
    }


def analysis_settings(kind):
    """The settings blocks of the families (canonical: defaults filled in), by family."""
    return {family: config[family] for family in analysis_families(kind)}


def analysis_code(kind):
    """The analysis script's code and the modules of its families (imported by name)."""
    families = analysis_families(kind)
    return code("analysis.py", *(f"attnaudit.analyses.{f}" for f in families))


def family_runs(family, pattern):
    """A per-run path expanded over the runs a family of `analyses:` analyses."""
    if family not in config["analyses"]:
        return []
    applies = settings.FAMILIES[family]
    attentions = [
        a
        for a in config["attentions"]
        if (applies.uniform if catalog.is_uniform(a) else applies.learned)
    ]
    encoders = [
        e
        for e in config["encoders"]
        if applies.sentences or e not in catalog.HIERARCHICAL_ENCODERS
    ]
    return expand(
        pattern, dataset=DATASETS, encoder=encoders, attention=attentions, seed=SEEDS
    )


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
        *faithfulness_outputs(),
        *(
            [f"{REPORT}/vashishth/replacement.md"]
            if family_runs("vashishth", RUN)
            else []
        ),
        *(list(verdict_outputs().values()) if verdict_pages() else []),
        *reproduction_outputs(),
        *pruthi_outputs(),  # workflow/rules/pruthi.smk
    ]


def serrano_smith_outputs():
    if not family_runs("serrano_smith", RUN):
        return []
    return [
        f"{REPORT}/serrano_smith/decision_flips.md",
        f"{REPORT}/serrano_smith/flip_fractions.md",
        f"{REPORT}/figures/serrano_smith_delta_jsd.png",
        f"{REPORT}/figures/serrano_smith_flip_fractions.png",
    ]


# -- verdict pages: one per dataset x learned-attention model ---------------------------------
def verdict_pages():
    """(dataset, model, the seed whose instances the examples page shows) per page."""
    return [
        (d, f"{e}-{a}", SEEDS[0])
        for d in DATASETS
        for e in config["encoders"]
        for a in config["attentions"]
        if not catalog.is_uniform(a)
    ]


def verdict_tables():
    """The report tables a verdict page reads (those the configuration makes)."""
    return [
        path
        for path in [
            f"{REPORT}/learned_vs_uniform.csv",
            *[
                o.replace(".md", ".csv")
                for o in jain_wallace_outputs()
                if o.endswith(".md")
            ],
            *[
                o.replace(".md", ".csv")
                for o in serrano_smith_outputs()
                if o.endswith(".md")
            ],
            *[
                o.replace(".md", ".csv")
                for o in faithfulness_outputs()
                if o.endswith(".md")
            ],
            *[
                o.replace(".md", ".csv")
                for o in wiegreffe_pinter_outputs()
                if o.endswith(".md")
            ],
            *(
                [f"{REPORT}/vashishth/replacement.csv"]
                if family_runs("vashishth", RUN)
                else []
            ),
            *(
                [f"{REPORT}/jain_wallace/adversary.csv"]
                if jain_wallace_outputs()
                else []
            ),
            *(
                [f"{REPORT}/serrano_smith/decision_flips.csv"]
                if serrano_smith_outputs()
                else []
            ),
        ]
    ]


def verdict_seed_pairs():
    """Every learned model's seed pairs (the unique verdict's seeds), with 2 or more seeds."""
    if len(SEEDS) < 2:
        return []
    return [
        expand(f"{WP_MODEL}/seed_pairs.parquet", dataset=d, encoder=e, attention=a)[0]
        for d in DATASETS
        for e, a in (m.split("-") for m in LEARNED)
    ]


def verdict_trained_adversaries():
    """Wiegreffe & Pinter's adversarial models' per-instance comparisons, where trained."""
    if not (
        WP_CFG["adversarial"]["lambdas"] and WP_CFG["adversarial"]["base"] in MODELS
    ):
        return []
    return expand(
        f"{ADVERSARY}/comparison.parquet", dataset=DATASETS, lam=LAMBDAS, seed=SEEDS
    )


def verdict_outputs():
    """Per page `verdict_<i>` and, where the model has token-level analyses to show,
    `examples_<i>`; the index, and the answers for report.html's front page."""
    outputs = {
        "index": f"{REPORT}/verdicts/index.html",
        "front": f"{REPORT}/verdicts/front.rst",
        "csv": f"{REPORT}/verdicts/verdicts.csv",
        "comparisons": f"{REPORT}/verdicts/comparisons.csv",
    }
    flat = family_runs("jain_wallace", "{encoder}")
    for i, (dataset, model, _) in enumerate(verdict_pages()):
        outputs[f"verdict_{i}"] = f"{REPORT}/verdicts/{dataset}-{model}.html"
        if model.split("-")[0] in flat:
            outputs[f"examples_{i}"] = (
                f"{REPORT}/verdicts/{dataset}-{model}-examples.html"
            )
    return outputs


def reproduction_outputs():
    """The reproduction table, where a configured dataset is one the papers report on."""
    from attnaudit.report.reproduction import REFERENCES

    types = {dataset_options(d).get("type", d) for d in DATASETS}
    if not types & {ref.dataset for ref in REFERENCES}:
        return []
    return [f"{REPORT}/reproduction.md"]


def faithfulness_outputs():
    if not family_runs("faithfulness", RUN):
        return []
    return [
        f"{REPORT}/faithfulness/aopc.md",
        f"{REPORT}/faithfulness/planted.md",
        f"{REPORT}/faithfulness/rationales.jsonl",
        f"{REPORT}/figures/faithfulness_aopc.png",
        f"{REPORT}/figures/faithfulness_planted.png",
    ]


def jain_wallace_outputs():
    if not family_runs("jain_wallace", RUN):
        return []
    return [
        f"{REPORT}/jain_wallace/tau.md",
        f"{REPORT}/figures/jain_wallace_permutation.png",
        f"{REPORT}/figures/jain_wallace_adversary_histogram.png",
    ]


# -- Wiegreffe & Pinter: settings, checks and input functions -----------------------------------
WP_CFG = config["wiegreffe_pinter"]
LEARNED = [m for m in MODELS if not catalog.is_uniform(m.split("-")[1])]


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
    """The checkpoints of the guide models of a dataset, seed by seed, variant by variant
    (the order of `wp_guides()` within each seed)."""
    guided = WP_CFG["guided_mlp"]
    paths = []
    for seed in SEEDS:
        for variant in GUIDED_VARIANTS:
            if variant == "adversary":
                lam = lambda_label(guided["adversary_lambda"])
                paths += expand(
                    f"{ADVERSARY}/model.pt",
                    dataset=wildcards.dataset,
                    lam=lam,
                    seed=seed,
                )
            else:
                paths.append(
                    run_path(wildcards.dataset, guided[variant], seed, "model.pt")
                )
    return paths


def wp_guided_outputs():
    """Per seed and variant, the files of a run and the guide's attention on every split
    (`<variant>_<kind>_<seed>`)."""
    names = {
        "checkpoint": "model.pt",
        "history": "epochs.csv",
        "metrics": "metrics.json",
        "predictions": "predictions.parquet",
        "guide": "guide.parquet",
    }
    return {
        f"{variant}_{kind}_{seed}": f"{WP}/guided/{variant}/seed{seed}/{name}"
        for seed in SEEDS
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


# -- Pruthi et al.: deception training (pruthi.smk) -------------------------------------------
DECEPTION_CFG = config["pruthi"]["deception"]
DECEPTION = (
    "results/{dataset}/pruthi/deception/{encoder}-{attention}/weight{weight}/seed{seed}"
)


def deception_weights():
    """The penalty weights as they appear in paths: 0.1 -> '0.1'."""
    return [format(float(w), "g") for w in DECEPTION_CFG["weights"]]


def deception_datasets():
    """The datasets with planted deciding tokens: those of type synthetic."""
    return [d for d in DATASETS if dataset_options(d).get("type", d) == "synthetic"]


def check_deception():
    key = "pruthi.deception"
    for encoder, attention in (m.split("-") for m in DECEPTION_CFG["models"]):
        check_names(f"{key}.models", [encoder], catalog.FLAT_ENCODERS)
        check_names(f"{key}.models", [attention], catalog.ATTENTIONS)
    if len(set(deception_weights())) != len(deception_weights()):
        raise ConfigError(
            f"config key '{key}.weights': {deception_weights()} name the same path twice"
        )


try:
    check_deception()
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None


def deception_runs():
    """Every deceptive run's metrics.json: dataset x model x weight x seed."""
    return [
        path
        for model in DECEPTION_CFG["models"]
        for path in expand(
            f"{DECEPTION}/metrics.json",
            dataset=deception_datasets(),
            encoder=model.split("-")[0],
            attention=model.split("-")[1],
            weight=deception_weights(),
            seed=SEEDS,
        )
    ]


def pruthi_outputs():
    """The deception table and figure where there are weights and a synthetic dataset."""
    if not deception_runs():
        return []
    return [
        f"{REPORT}/pruthi/deception.md",
        f"{REPORT}/figures/pruthi_deception.png",
    ]
