# Serrano & Smith (2019): single- and multi-weight erasure of attended items.
# One job per dataset x learned-attention model x seed runs both (as for Jain & Wallace).


rule serrano_smith:
    input:
        checkpoint=f"{RUN}/model.pt",
        tokens=f"{DATA}/tokens.parquet",
        code=code("analysis.py", "attnaudit.analyses.serrano_smith"),
    output:
        **family_outputs("serrano_smith"),
    log:
        job_paths("serrano_smith", RUN)[0],
    benchmark:
        job_paths("serrano_smith", RUN)[1]
    group:
        "analyses"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        family="serrano_smith",
        settings=family_settings("serrano_smith"),
    script:
        "../scripts/analysis.py"


rule report_serrano_smith:
    input:
        single=analysis_runs(f"{RUN}/serrano_smith/single_weight.parquet"),
        multi=analysis_runs(f"{RUN}/serrano_smith/multi_weight.parquet"),
        code=code("aggregate.py"),
    output:
        flips_csv=f"{REPORT}/serrano_smith/decision_flips.csv",
        flips_markdown=f"{REPORT}/serrano_smith/decision_flips.md",
        flips_html=report(
            f"{REPORT}/serrano_smith/decision_flips.html",
            caption="../report/serrano_smith_decision_flips.rst",
            category="Serrano & Smith",
            subcategory="Single-weight erasure",
            labels={
                "item": "Table: decision flips, top vs random item (their Table 2)"
            },
        ),
        flips_figure=report(
            f"{REPORT}/figures/serrano_smith_delta_jsd.png",
            caption="../report/serrano_smith_delta_jsd.rst",
            category="Serrano & Smith",
            subcategory="Single-weight erasure",
            labels={"item": "Figure: Δ JSD vs Δ attention (their Figure 3)"},
        ),
        fractions_csv=f"{REPORT}/serrano_smith/flip_fractions.csv",
        fractions_markdown=f"{REPORT}/serrano_smith/flip_fractions.md",
        fractions_html=report(
            f"{REPORT}/serrano_smith/flip_fractions.html",
            caption="../report/serrano_smith_flip_fractions_table.rst",
            category="Serrano & Smith",
            subcategory="Multi-weight erasure",
            labels={"item": "Table: fraction erased before a flip, per ranking"},
        ),
        fractions_figure=report(
            f"{REPORT}/figures/serrano_smith_flip_fractions.png",
            caption="../report/serrano_smith_flip_fractions.rst",
            category="Serrano & Smith",
            subcategory="Multi-weight erasure",
            labels={
                "item": "Figure: fraction erased before a flip (their Figures 4-6)"
            },
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
