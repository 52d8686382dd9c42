# Vashishth et al. (2019): is the learned attention needed at inference? The analysis runs
# in each model's analysis job (analyses.smk); this is its table.


rule report_vashishth:
    input:
        replacement=PLAN.family_tables("vashishth", "replacement"),
        summaries=PLAN.per_dataset(rules.preprocess.output.summary),  # the class counts
        code=code("aggregate.py"),
    output:
        csv=f"{REPORT}/vashishth/replacement.csv",
        markdown=f"{REPORT}/vashishth/replacement.md",
        html=report(
            f"{REPORT}/vashishth/replacement.html",
            caption="../report/vashishth_replacement.rst",
            category="Beyond the papers",
            subcategory="Attention replaced at inference",
            labels={"item": "Table: accuracy and F1 with replaced weights"},
        ),
    log:
        "results/logs/report/vashishth.log",
    benchmark:
        "results/benchmarks/report/vashishth.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/aggregate.py"
