# Pruthi et al. (2020), deception training: the configured model trained on the labels with
# a penalty on its attention to the planted deciding tokens, one job per dataset x penalty
# weight x seed (each a full training run), on every dataset of type synthetic (the one
# whose `rationale` says which tokens decide); one table and figure over them all.

DECEPTION_CFG = config["pruthi"]["deception"]
DECEPTION = "results/{dataset}/pruthi/deception/weight{weight}/seed{seed}"


def deception_weights():
    """The penalty weights as they appear in paths: 0.1 -> '0.1'."""
    return [format(float(w), "g") for w in DECEPTION_CFG["weights"]]


def deception_datasets():
    """The datasets with planted deciding tokens: those of type synthetic."""
    return [d for d in DATASETS if dataset_options(d).get("type", d) == "synthetic"]


def check_deception():
    key = "pruthi.deception"
    encoder, attention = DECEPTION_CFG["model"].split("-")
    check_names(f"{key}.model", [encoder], catalog.FLAT_ENCODERS)
    check_names(f"{key}.model", [attention], catalog.ATTENTIONS)
    if len(set(deception_weights())) != len(deception_weights()):
        raise ConfigError(
            f"config key '{key}.weights': {deception_weights()} name the same path twice"
        )


try:
    check_deception()
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None


def deception_runs():
    return expand(
        f"{DECEPTION}/metrics.json",
        dataset=deception_datasets(),
        weight=deception_weights(),
        seed=SEEDS,
    )


def pruthi_outputs():
    """The deception table and figure where there are weights and a synthetic dataset."""
    if not deception_runs():
        return []
    return [
        f"{REPORT}/pruthi/deception.md",
        f"{REPORT}/figures/pruthi_deception.png",
    ]


rule pruthi_deception:
    input:
        tokens=f"{DATA}/tokens.parquet",
        vocab=f"{DATA}/vocab.json",
        summary=f"{DATA}/summary.json",
        embeddings=embedding_inputs,
        code=code("deception.py"),
    output:
        checkpoint=f"{DECEPTION}/model.pt",
        history=f"{DECEPTION}/epochs.csv",
        metrics=f"{DECEPTION}/metrics.json",
        predictions=f"{DECEPTION}/predictions.parquet",
    log:
        job_paths("pruthi", DECEPTION)[0],
    benchmark:
        job_paths("pruthi", DECEPTION)[1]
    wildcard_constraints:
        weight="[0-9][0-9.e+-]*",
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=training_gpus(),
    params:
        options=lambda wc: {
            "dataset": wc.dataset,
            "weight": float(wc.weight),
            "seed": int(wc.seed),
            "model": DECEPTION_CFG["model"],
            "training": {
                **TRAINING,
                "epochs": DECEPTION_CFG["epochs"] or config["training"]["epochs"],
            },
        },
    script:
        "../scripts/deception.py"


rule pruthi_deception_report:
    input:
        metrics=deception_runs(),
        code=code("aggregate.py"),
    output:
        csv=f"{REPORT}/pruthi/deception.csv",
        markdown=f"{REPORT}/pruthi/deception.md",
        figure=report(
            f"{REPORT}/figures/pruthi_deception.png",
            caption="../report/pruthi_deception.rst",
            category="Beyond the three papers",
            subcategory="Deception training",
        ),
    log:
        "results/logs/report/pruthi_deception.log",
    benchmark:
        "results/benchmarks/report/pruthi_deception.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        aggregate="pruthi_deception",
    script:
        "../scripts/aggregate.py"
