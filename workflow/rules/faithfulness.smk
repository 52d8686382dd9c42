# Faithfulness beyond the papers: ERASER's comprehensiveness, sufficiency and AOPC for every
# token ranking, and recovery of planted rationales. The analyses run in each model's
# analysis job (analyses.smk), on learned and uniform attention; this is their report.


rule report_faithfulness:
    input:
        eraser=PLAN.family_tables("faithfulness", "eraser"),
        planted=PLAN.family_tables("faithfulness", "planted"),
        code=code("aggregate.py"),
    output:
        aopc_csv=f"{REPORT}/faithfulness/aopc.csv",
        aopc_markdown=f"{REPORT}/faithfulness/aopc.md",
        aopc_html=report(
            f"{REPORT}/faithfulness/aopc.html",
            caption="../report/faithfulness_aopc_table.rst",
            category="Beyond the papers",
            subcategory="Faithfulness (ERASER)",
            labels={"item": "Table: AOPC per ranking"},
        ),
        aopc_figure=report(
            f"{REPORT}/figures/faithfulness_aopc.png",
            caption="../report/faithfulness_aopc.rst",
            category="Beyond the papers",
            subcategory="Faithfulness (ERASER)",
            labels={"item": "Figure: AOPC per ranking"},
        ),
        agreement_csv=f"{REPORT}/faithfulness/agreement.csv",
        agreement_markdown=f"{REPORT}/faithfulness/agreement.md",
        agreement_html=report(
            f"{REPORT}/faithfulness/agreement.html",
            caption="../report/faithfulness_agreement_table.rst",
            category="Beyond the papers",
            subcategory="Faithfulness (ERASER)",
            labels={"item": "Table: agreement with gradient, LOO, IG"},
        ),
        planted_csv=f"{REPORT}/faithfulness/planted.csv",
        planted_markdown=f"{REPORT}/faithfulness/planted.md",
        planted_html=report(
            f"{REPORT}/faithfulness/planted.html",
            caption="../report/faithfulness_planted_table.rst",
            category="Beyond the papers",
            subcategory="Planted rationales",
            labels={"item": "Table: planted-token recovery"},
        ),
        planted_figure=report(
            f"{REPORT}/figures/faithfulness_planted.png",
            caption="../report/faithfulness_planted.rst",
            category="Beyond the papers",
            subcategory="Planted rationales",
            labels={"item": "Figure: planted tokens found"},
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
    script:
        "../scripts/aggregate.py"
