# Serrano & Smith (2019): single- and multi-weight erasure of attended items. The analyses
# run in each model's analysis job (analyses.smk); this is their report.


rule report_serrano_smith:
    input:
        single=PLAN.family_tables("serrano_smith", "single_weight"),
        multi=PLAN.family_tables("serrano_smith", "multi_weight"),
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
    script:
        "../scripts/aggregate.py"
