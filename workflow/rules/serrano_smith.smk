# Serrano & Smith (2019): single- and multi-weight erasure of attended items. The analyses
# run in each model's analysis job (analyses.smk); this is their report.


rule report_serrano_smith:
    input:
        single=family_runs(
            "serrano_smith", f"{RUN}/serrano_smith/single_weight.parquet"
        ),
        multi=family_runs("serrano_smith", f"{RUN}/serrano_smith/multi_weight.parquet"),
        code=code("aggregate.py"),
    output:
        flips_csv=f"{REPORT}/serrano_smith/decision_flips.csv",
        flips_markdown=f"{REPORT}/serrano_smith/decision_flips.md",
        flips_figure=report(
            f"{REPORT}/figures/serrano_smith_delta_jsd.png",
            caption="../report/serrano_smith_delta_jsd.rst",
            category="Serrano & Smith",
            subcategory="Single-weight erasure",
        ),
        fractions_csv=f"{REPORT}/serrano_smith/flip_fractions.csv",
        fractions_markdown=f"{REPORT}/serrano_smith/flip_fractions.md",
        fractions_figure=report(
            f"{REPORT}/figures/serrano_smith_flip_fractions.png",
            caption="../report/serrano_smith_flip_fractions.rst",
            category="Serrano & Smith",
            subcategory="Multi-weight erasure",
        ),
    log:
        "results/logs/report/serrano_smith.log",
    benchmark:
        "results/benchmarks/report/serrano_smith.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        aggregate="serrano_smith",
    script:
        "../scripts/aggregate.py"
