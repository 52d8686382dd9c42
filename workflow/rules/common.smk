# Config validation, and the one place where result paths are built from wildcards.

from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from attnaudit.config import ConfigError, check_names, check_schema
from attnaudit.data.registry import UnknownDatasetError, get_spec, resolve_files
from attnaudit.models.attention import ATTENTIONS
from attnaudit.models.embeddings import check_config as check_embeddings
from attnaudit.models.embeddings import get_vectors, resolve_vector_files
from attnaudit.models.encoders import ENCODERS
from attnaudit.models.hierarchical import HIERARCHICAL

SCHEMA = workflow.source_path("../schemas/config.schema.yaml")


def check_config():
    """Stop before any job runs, with one message naming the bad key."""
    check_schema(config, SCHEMA)
    check_names("encoders", config["encoders"], [*ENCODERS, *HIERARCHICAL])
    check_names("attentions", config["attentions"], ATTENTIONS)
    for name, options in config["datasets"].items():
        try:
            get_spec(options.get("type", name))
        except UnknownDatasetError as exc:
            raise ConfigError(f"config key 'datasets.{name}.type': {exc}") from None
    check_embeddings(config)


try:
    check_config()
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None
validate(
    config, "../schemas/config.schema.yaml"
)  # passes now; fills in schema defaults


# The software environment of every rule (for --software-deployment-method conda).
ENV = "../../envs/attnaudit.yaml"

DATASETS = sorted(config["datasets"])
MODELS = [f"{e}-{a}" for e in config["encoders"] for a in config["attentions"]]
SEEDS = sorted(config["seeds"])

RUN = "results/{dataset}/{encoder}-{attention}/seed{seed}"
DATA = "results/{dataset}/data"
# downloaded word vectors (shared by datasets); one dataset's cached matrix (.npy + .json)
VECTORS = "resources/embeddings/{embedding}"
MATRIX = f"{DATA}/embeddings/{{embedding}}"
REPORT = "results/report"
# Wiegreffe & Pinter: seed variance of a dataset x model; per dataset a guide's attention
# (every split), the guided MLP runs and the adversaries, each per seed
WP_MODEL = "results/{dataset}/{encoder}-{attention}/wiegreffe_pinter"
WP = "results/{dataset}/wiegreffe_pinter"
GUIDE = f"{WP}/guides/{{variant}}/seed{{seed}}.parquet"
GUIDED = f"{WP}/guided/{{variant}}/seed{{seed}}"
ADVERSARY = f"{WP}/adversary/lambda{{lam}}/seed{{seed}}"


wildcard_constraints:
    dataset="[A-Za-z0-9_]+",
    encoder="[a-z0-9]+",
    attention="[a-z0-9]+",
    seed="[0-9]+",


def dataset_options(dataset):
    return config["datasets"][dataset]


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
    return config["embeddings"][name]


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


def library_code(*modules):
    """Library source files as rule inputs, so editing an analysis's code reruns it.

    Snakemake tracks `script:` files but not the modules they import; listing them as
    inputs makes an edit (a newer mtime) rerun exactly the rules that use them.
    """
    root = Path(workflow.basedir) / "src" / "attnaudit"
    return [str(root / m) for m in modules]


def analysis_runs(path_pattern, flat_only=False):
    """Expand a per-run path over the runs with learned (non-uniform) attention; with
    `flat_only`, without hierarchical models (whose items are sentences, not tokens)."""
    learned = [a for a in config["attentions"] if a != "uniform"]
    encoders = [e for e in config["encoders"] if not (flat_only and e in HIERARCHICAL)]
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


def lambda_label(value):
    """An adversary's lambda as it appears in paths (the `lam` wildcard): 0.1 -> '0.1'."""
    return format(float(value), "g")


def wiegreffe_pinter_outputs():
    """Each item's tables and figures, where the runs it builds on are configured runs
    (asked for by path, the other items train what they need)."""
    cfg = config["wiegreffe_pinter"]
    learned = [a for a in config["attentions"] if a != "uniform"]
    outputs = []
    if learned and len(SEEDS) > 1:
        outputs += [
            f"{REPORT}/wiegreffe_pinter/seed_variance.md",
            f"{REPORT}/figures/wiegreffe_pinter_seed_variance.png",
            f"{REPORT}/figures/wiegreffe_pinter_seed_jsd_vs_tvd.png",
        ]
    guided = cfg["guided_mlp"]
    needs = {"own": guided["own"], "base": guided["base"]}
    needs["adversary"] = cfg["adversarial"]["base"]
    wanted = [needs[v] for v in guided["variants"] if v in needs]
    if guided["variants"] and set(wanted) <= set(MODELS):
        outputs.append(f"{REPORT}/wiegreffe_pinter/guided_mlp.md")
    if cfg["adversarial"]["lambdas"] and cfg["adversarial"]["base"] in MODELS:
        outputs += [
            f"{REPORT}/wiegreffe_pinter/adversarial.md",
            f"{REPORT}/figures/wiegreffe_pinter_adversarial.png",
        ]
    return outputs


# Wiegreffe & Pinter: settings, checks (schema defaults in) and input functions.
WP_CFG = config["wiegreffe_pinter"]
WP_CODE = library_code("analyses/wiegreffe_pinter.py", "stages/wiegreffe_pinter.py")
LAMBDAS = [lambda_label(x) for x in WP_CFG["adversarial"]["lambdas"]]
LEARNED = [m for m in MODELS if not m.endswith("-uniform")]


def check_wiegreffe_pinter():
    """Model names, lambdas and the base seed of `wiegreffe_pinter:` (schema defaults in)."""
    key = "wiegreffe_pinter"
    if len(set(LAMBDAS)) != len(LAMBDAS):
        raise ConfigError(
            f"config key '{key}.adversarial.lambdas': {LAMBDAS} name the same path twice"
        )
    guided, adversarial = WP_CFG["guided_mlp"], WP_CFG["adversarial"]
    check_names(f"{key}.guided_mlp.encoder", [guided["encoder"]], ENCODERS)
    for name, model in [
        ("guided_mlp.own", guided["own"]),
        ("guided_mlp.base", guided["base"]),
        ("adversarial.base", adversarial["base"]),
    ]:
        encoder, attention = model.split("-")
        check_names(f"{key}.{name}", [encoder], ENCODERS)
        check_names(f"{key}.{name}", [attention], ATTENTIONS)
    base_seed = WP_CFG["seed_variance"]["base_seed"]
    if base_seed is not None and base_seed not in SEEDS:
        raise ConfigError(
            f"config key '{key}.seed_variance.base_seed': {base_seed} is not one of {SEEDS}"
        )


try:
    check_wiegreffe_pinter()
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None


def wp_guide_model(variant):
    """The model whose attention guides a variant of the guided MLP, by name."""
    guided = WP_CFG["guided_mlp"]
    if variant == "adversary":
        return f"adversary-lambda{lambda_label(guided['adversary_lambda'])}"
    return guided[variant] if variant in ("own", "base") else "uniform"


def wp_guide_checkpoint(wildcards):
    """The guide model's checkpoint (same dataset and seed); none for uniform weights."""
    variant = wildcards.variant
    if variant == "uniform":
        return []
    if variant == "adversary":
        lam = lambda_label(WP_CFG["guided_mlp"]["adversary_lambda"])
        return expand(
            f"{ADVERSARY}/model.pt",
            dataset=wildcards.dataset,
            lam=lam,
            seed=wildcards.seed,
        )[0]
    model = WP_CFG["guided_mlp"][variant]
    return run_path(wildcards.dataset, model, wildcards.seed, "model.pt")


def wp_base_run(name):
    """A file of the adversary's base run (same dataset and seed)."""
    base = WP_CFG["adversarial"]["base"]
    return lambda wc: run_path(wc.dataset, base, wc.seed, name)


def wp_adversary_training():
    """The training settings of an adversary: `training:` with its own epochs."""
    epochs = WP_CFG["adversarial"]["epochs"] or config["training"]["epochs"]
    return {**config["training"], "epochs": epochs}


def wp_seed_variance_files(models):
    """The seed-variance tables of `models` (names '<encoder>-<attention>'), every dataset."""
    pattern = f"{WP_MODEL}/seed_variance.parquet"
    return [
        expand(pattern, dataset=d, encoder=e, attention=a)[0]
        for d in DATASETS
        for e, a in (m.split("-") for m in models)
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


# Cluster resources and cache keys: profiles/slurm, and `cache:` in data.smk.


def training_gpus():
    """GPUs a training job asks the scheduler for: one when `training.device` is cuda.

    `auto` asks for none; it takes a GPU only where the job already sees one.
    """
    return 1 if config["training"]["device"] == "cuda" else 0


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


# every model module (a new encoder's file too), the training loop, batching
TRAIN_CODE = library_code(
    "train.py",
    "stages/training.py",
    "data/batching.py",
    *(f"models/{m.name}" for m in sorted(Path(library_code("models")[0]).glob("*.py"))),
)


def preprocess_code(wildcards):
    """The library code that preprocessing runs for this dataset, its parser included."""
    spec = get_spec(dataset_options(wildcards.dataset).get("type", wildcards.dataset))
    package, *module = spec.parser.__module__.split(".")  # attnaudit.data.sst
    parser = str(Path(*module).with_suffix(".py"))  # data/sst.py
    named = f"data/{spec.name}.py"
    if parser == "data/registry.py" and Path(library_code(named)[0]).is_file():
        parser = named  # a lambda in the registry around the module named like the type
    shared = ["stages/data.py", "data/prepare.py", "data/tokens.py", "data/parsing.py"]
    return library_code(*shared, *sorted({parser} - set(shared)))
