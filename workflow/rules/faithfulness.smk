# Faithfulness beyond the papers: ERASER's comprehensiveness, sufficiency and AOPC for every
# token ranking, and recovery of planted rationales. The analyses run in each model's
# analysis job (analyses.smk), on learned and uniform attention; this is their report.


rule report_faithfulness:
    input:
        eraser=family_runs("faithfulness", f"{RUN}/faithfulness/eraser.parquet"),
        planted=family_runs("faithfulness", f"{RUN}/faithfulness/planted.parquet"),
        code=code("aggregate.py"),
    output:
        aopc_csv=f"{REPORT}/faithfulness/aopc.csv",
        aopc_markdown=f"{REPORT}/faithfulness/aopc.md",
        aopc_figure=report(
            f"{REPORT}/figures/faithfulness_aopc.png",
            caption="../report/faithfulness_aopc.rst",
            category="Beyond the papers",
            subcategory="Faithfulness (ERASER)",
        ),
        planted_csv=f"{REPORT}/faithfulness/planted.csv",
        planted_markdown=f"{REPORT}/faithfulness/planted.md",
        planted_figure=report(
            f"{REPORT}/figures/faithfulness_planted.png",
            caption="../report/faithfulness_planted.rst",
            category="Beyond the papers",
            subcategory="Planted rationales",
        ),
        rationales=f"{REPORT}/faithfulness/rationales.jsonl",
    log:
        "results/logs/report/faithfulness.log",
    benchmark:
        "results/benchmarks/report/faithfulness.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        aggregate="faithfulness",
    script:
        "../scripts/aggregate.py"
