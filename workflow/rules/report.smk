# Aggregates across seeds and the figures of the report.


rule learned_vs_uniform:
    input:
        metrics=runs(f"{RUN}/metrics.json"),
    output:
        csv=f"{REPORT}/learned_vs_uniform.csv",
        markdown=f"{REPORT}/learned_vs_uniform.md",
        figure=report(
            f"{REPORT}/figures/learned_vs_uniform.png",
            caption="../report/learned_vs_uniform.rst",
            category="Wiegreffe & Pinter",
            subcategory="Is attention needed?",
        ),
    log:
        "results/logs/report/learned_vs_uniform.log",
    benchmark:
        "results/benchmarks/report/learned_vs_uniform.tsv"
    conda:
        ENV
    script:
        "../scripts/learned_vs_uniform.py"
