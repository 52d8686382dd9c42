# Pruthi et al. (2020), deception training: each configured model trained on the labels with
# a penalty on its attention to the planted deciding tokens, one job per dataset x model x
# penalty weight x seed (each a full training run), on every dataset of type synthetic (the one
# whose `rationale` says which tokens decide); one table and figure over them all.


rule pruthi_deception:
    input:
        tokens=rules.preprocess.output.tokens,
        vocab=rules.preprocess.output.vocab,
        summary=rules.preprocess.output.summary,
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
        weight=NUMBER,
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
            "model": f"{wc.encoder}-{wc.attention}",
            "training": PLAN.deception_training(),
        },
    script:
        "../scripts/deception.py"


# Do gradient, leave-one-out and Integrated Gradients still find the planted tokens the
# deceptive model's attention avoids? The planted-token analysis on each deceptive model.
rule pruthi_planted:
    input:
        checkpoint=rules.pruthi_deception.output.checkpoint,
        tokens=rules.preprocess.output.tokens,
        code=code("analysis.py", "attnaudit.analyses.faithfulness"),
    output:
        faithfulness_planted=f"{DECEPTION}/faithfulness/planted.parquet",
    log:
        job_paths("pruthi", f"{DECEPTION}/planted")[0],
    benchmark:
        job_paths("pruthi", f"{DECEPTION}/planted")[1]
    wildcard_constraints:
        weight=NUMBER,
    group:
        "analyses"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        settings={"faithfulness": {"planted": config["faithfulness"]["planted"]}},
    script:
        "../scripts/analysis.py"


rule pruthi_deception_report:
    input:
        metrics=PLAN.deception_runs("metrics.json"),
        planted=PLAN.deception_runs("faithfulness/planted.parquet"),
        code=code("aggregate.py"),
    output:
        csv=f"{REPORT}/pruthi/deception.csv",
        markdown=f"{REPORT}/pruthi/deception.md",
        html=report(
            f"{REPORT}/pruthi/deception.html",
            caption="../report/pruthi_deception.rst",
            category="Beyond the papers",
            subcategory="Deception training",
            labels={"item": "Table: accuracy, attention and recovery per weight"},
        ),
        figure=report(
            f"{REPORT}/figures/pruthi_deception.png",
            caption="../report/pruthi_deception.rst",
            category="Beyond the papers",
            subcategory="Deception training",
            labels={"item": "Figure: deception curve"},
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
    script:
        "../scripts/aggregate.py"
