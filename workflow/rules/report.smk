# Aggregates across seeds and the figures of the report.


rule learned_vs_uniform:
    input:
        metrics=PLAN.runs(rules.train.output.metrics),
        code=code("learned_vs_uniform.py"),
    output:
        csv=f"{REPORT}/learned_vs_uniform.csv",
        markdown=f"{REPORT}/learned_vs_uniform.md",
        html=report(
            f"{REPORT}/learned_vs_uniform.html",
            caption="../report/learned_vs_uniform_table.rst",
            category="Wiegreffe & Pinter",
            subcategory="Is attention needed?",
            labels={"item": "Table: test F1, learned vs uniform attention"},
        ),
        figure=report(
            f"{REPORT}/figures/learned_vs_uniform.png",
            caption="../report/learned_vs_uniform.rst",
            category="Wiegreffe & Pinter",
            subcategory="Is attention needed?",
            labels={"item": "Figure: test F1 per seed, learned vs uniform attention"},
        ),
    log:
        "results/logs/report/learned_vs_uniform.log",
    benchmark:
        "results/benchmarks/report/learned_vs_uniform.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/learned_vs_uniform.py"


rule dataset_statistics:
    input:
        summaries=PLAN.per_dataset(rules.preprocess.output.summary),
        code=code("dataset_statistics.py"),
    output:
        csv=f"{REPORT}/dataset_statistics.csv",
        markdown=f"{REPORT}/dataset_statistics.md",
        html=report(
            f"{REPORT}/dataset_statistics.html",
            caption="../report/dataset_statistics.rst",
            category="Data",
            subcategory="Datasets",
            labels={"item": "Table: datasets after preprocessing"},
        ),
    log:
        "results/logs/report/dataset_statistics.log",
    benchmark:
        "results/benchmarks/report/dataset_statistics.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/dataset_statistics.py"


rule reproduction:
    input:
        metrics=PLAN.runs(rules.train.output.metrics),
        importance=PLAN.family_tables("jain_wallace", "importance"),
        permutation=PLAN.family_tables("jain_wallace", "permutation"),
        adversary=PLAN.family_tables("jain_wallace", "adversary"),
        code=code("aggregate.py"),
    output:
        csv=f"{REPORT}/reproduction.csv",
        markdown=f"{REPORT}/reproduction.md",
        html=report(
            f"{REPORT}/reproduction.html",
            caption="../report/reproduction.rst",
            category="Data",
            subcategory="Reproduction",
            labels={"item": "Table: the papers' numbers and this workflow's"},
        ),
    log:
        "results/logs/report/reproduction.log",
    benchmark:
        "results/benchmarks/report/reproduction.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        types={d: PLAN.dataset_type(d) for d in PLAN.datasets},
        tasks={d: PLAN.dataset_options(d).get("task") for d in PLAN.datasets},
        caps=PLAN.split_caps(),
    script:
        "../scripts/aggregate.py"
