# Wiegreffe & Pinter (2019): seed variance, the guided MLP diagnostic and the end-to-end
# adversarial model. Each item has its own rules, with its own block of `wiegreffe_pinter:`
# as params; a new lambda or seed adds only its own jobs (and the tables over them). Seed
# variance is one job per dataset x model over all seeds: a new seed reruns it.


# -- 1. seed variance ---------------------------------------------------------------------
rule wp_seed_variance:
    input:
        predictions=lambda wc: expand(
            rules.train.output.predictions,
            dataset=wc.dataset,
            encoder=wc.encoder,
            attention=wc.attention,
            seed=PLAN.seeds,
        ),
        code=code("seed_variance.py"),
    output:
        output=f"{WP_MODEL}/seed_variance.parquet",
        pairs=f"{WP_MODEL}/seed_pairs.parquet",
    log:
        job_paths("wiegreffe_pinter", f"{WP_MODEL}/seed_variance")[0],
    benchmark:
        job_paths("wiegreffe_pinter", f"{WP_MODEL}/seed_variance")[1]
    group:
        "analyses"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        base_seed=PLAN.wp["seed_variance"]["base_seed"],
    script:
        "../scripts/seed_variance.py"


rule wp_seed_variance_report:
    input:
        seed_variance=PLAN.seed_variance_files(PLAN.learned, "seed_variance.parquet"),
        adversary=rules.report_jain_wallace.input.adversary,  # Jain & Wallace's
        code=code("aggregate.py"),
    output:
        csv=f"{REPORT}/wiegreffe_pinter/seed_variance.csv",
        markdown=f"{REPORT}/wiegreffe_pinter/seed_variance.md",
        html=report(
            f"{REPORT}/wiegreffe_pinter/seed_variance.html",
            caption="../report/wiegreffe_pinter_seed_variance_table.rst",
            category="Wiegreffe & Pinter",
            subcategory="Seed variance",
            labels={"item": "Table: seed JSD vs adversarial JSD"},
        ),
        binned_csv=f"{REPORT}/wiegreffe_pinter/seed_variance_by_max_attention.csv",
        binned_html=report(
            f"{REPORT}/wiegreffe_pinter/seed_variance_by_max_attention.html",
            caption="../report/wiegreffe_pinter_seed_variance_binned_table.rst",
            category="Wiegreffe & Pinter",
            subcategory="Seed variance",
            labels={"item": "Table: seed JSD vs adversarial JSD by max attention"},
        ),
        by_attention=report(
            f"{REPORT}/figures/wiegreffe_pinter_seed_variance.png",
            caption="../report/wiegreffe_pinter_seed_variance.rst",
            category="Wiegreffe & Pinter",
            subcategory="Seed variance",
            labels={"item": "Figure: seed JSD vs adversarial JSD by max attention"},
        ),
        jsd_vs_tvd=report(
            f"{REPORT}/figures/wiegreffe_pinter_seed_jsd_vs_tvd.png",
            caption="../report/wiegreffe_pinter_seed_jsd_vs_tvd.rst",
            category="Wiegreffe & Pinter",
            subcategory="Seed variance",
            labels={"item": "Figure: attention JSD vs output TVD across seeds"},
        ),
    log:
        "results/logs/report/wiegreffe_pinter_seed_variance.log",
    benchmark:
        "results/benchmarks/report/wiegreffe_pinter_seed_variance.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/aggregate.py"


# -- 2. guided MLP ------------------------------------------------------------------------
# One job per dataset trains every guided variant of every seed (each a second or two); the
# uniform variant is the `<encoder>-uniform` run itself (the same model and training).
rule wp_guided:
    input:
        # the guide models' checkpoints, by variant and seed (plan.guide_key)
        unpack(lambda wc: PLAN.guide_checkpoints(wc.dataset)),
        unpack(lambda wc: PLAN.guide_pieces(wc.dataset)),  # pretrained guides' pieces
        tokens=rules.preprocess.output.tokens,
        vocab=rules.preprocess.output.vocab,
        summary=rules.preprocess.output.summary,
        embeddings=embedding_inputs,
        code=code("wiegreffe_pinter.py"),
    output:
        **PLAN.guided_outputs(),
    log:
        job_paths("wiegreffe_pinter", f"{WP}/guided")[0],
    benchmark:
        job_paths("wiegreffe_pinter", f"{WP}/guided")[1]
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
            "seeds": PLAN.seeds,
            "guides": PLAN.guides(),
            "encoder": PLAN.wp["guided_mlp"]["encoder"],
            "batch_size": PLAN.wp["guided_mlp"]["batch_size"],
            "training": TRAINING,
        },
    script:
        "../scripts/wiegreffe_pinter.py"


rule wp_guided_report:
    input:
        metrics=PLAN.guided_metrics(),
        uniform=PLAN.uniform_runs(),
        code=code("aggregate.py"),
    output:
        csv=f"{REPORT}/wiegreffe_pinter/guided_mlp.csv",
        markdown=f"{REPORT}/wiegreffe_pinter/guided_mlp.md",
        html=report(
            f"{REPORT}/wiegreffe_pinter/guided_mlp.html",
            caption="../report/wiegreffe_pinter_guided_mlp.rst",
            category="Wiegreffe & Pinter",
            subcategory="Guided MLP",
            labels={"item": "Table: test F1 of the guided MLP (their Table 3)"},
        ),
    log:
        "results/logs/report/wiegreffe_pinter_guided.log",
    benchmark:
        "results/benchmarks/report/wiegreffe_pinter_guided.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/aggregate.py"


# -- 3. end-to-end adversarial model ------------------------------------------------------
rule wp_adversary:
    input:
        tokens=lambda wc: PLAN.adversary_data(wc.dataset, "tokens.parquet"),
        vocab=lambda wc: PLAN.adversary_data(wc.dataset, "vocab.json"),
        summary=lambda wc: PLAN.adversary_data(wc.dataset, "summary.json"),
        embeddings=lambda wc: embedding_inputs(wc, PLAN.adversary_training()),
        pretrained=PLAN.adversary_checkpoint(),  # a pretrained base's checkpoint
        base=lambda wc: PLAN.adversary_base_run(wc.dataset, wc.seed, "model.pt"),
        base_predictions=lambda wc: PLAN.adversary_base_run(
            wc.dataset, wc.seed, "predictions.parquet"
        ),
        code=code("wiegreffe_pinter.py"),
    output:
        checkpoint=f"{ADVERSARY}/model.pt",
        history=f"{ADVERSARY}/epochs.csv",
        metrics=f"{ADVERSARY}/metrics.json",
        predictions=f"{ADVERSARY}/predictions.parquet",
        comparison=f"{ADVERSARY}/comparison.parquet",
    log:
        job_paths("wiegreffe_pinter", ADVERSARY)[0],
    benchmark:
        job_paths("wiegreffe_pinter", ADVERSARY)[1]
    wildcard_constraints:
        lam=NUMBER,
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
            "lam": float(wc.lam),
            "seed": int(wc.seed),
            "training": PLAN.adversary_training(),
        },
    script:
        "../scripts/wiegreffe_pinter.py"


rule wp_adversarial_report:
    input:
        adversary=PLAN.adversaries("metrics.json"),
        base=PLAN.adversary_base_runs("metrics.json"),
        seed_variance=(
            PLAN.seed_variance_files([PLAN.adversary_base], "seed_variance.parquet")
            if len(PLAN.seeds) > 1
            else []
        ),
        code=code("aggregate.py"),
    output:
        csv=f"{REPORT}/wiegreffe_pinter/adversarial.csv",
        markdown=f"{REPORT}/wiegreffe_pinter/adversarial.md",
        html=report(
            f"{REPORT}/wiegreffe_pinter/adversarial.html",
            caption="../report/wiegreffe_pinter_adversarial_table.rst",
            category="Wiegreffe & Pinter",
            subcategory="Adversarial model",
            labels={"item": "Table: adversarial models per lambda (their Table 4)"},
        ),
        figure=report(
            f"{REPORT}/figures/wiegreffe_pinter_adversarial.png",
            caption="../report/wiegreffe_pinter_adversarial.rst",
            category="Wiegreffe & Pinter",
            subcategory="Adversarial model",
            labels={
                "item": "Figure: attention JSD vs output TVD per lambda (their Figure 4)"
            },
        ),
    log:
        "results/logs/report/wiegreffe_pinter_adversarial.log",
    benchmark:
        "results/benchmarks/report/wiegreffe_pinter_adversarial.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/aggregate.py"
