# The readable answer: per dataset x learned-attention model a verdict page (is attention
# needed, faithful, unique? each with a stated rule and the numbers behind it) and an
# attention-examples page, standalone HTML, also in report.html; an index page.


rule verdicts:
    input:
        tables=verdict_tables(),
        metrics=runs(f"{RUN}/metrics.json"),
        eraser=family_runs("faithfulness", f"{RUN}/faithfulness/eraser.parquet"),
        importance=family_runs("jain_wallace", f"{RUN}/jain_wallace/importance.parquet"),
        single=family_runs(
            "serrano_smith", f"{RUN}/serrano_smith/single_weight.parquet"
        ),
        adversary=family_runs("jain_wallace", f"{RUN}/jain_wallace/adversary.parquet"),
        pairs=verdict_seed_pairs(),
        trained=verdict_trained_adversaries(),
        tokens=expand(f"{DATA}/tokens.parquet", dataset=DATASETS),
        code=code("aggregate.py"),
    output:
        **{
            name: (
                report(
                    path,
                    caption="../report/verdicts.rst",
                    category="Verdicts",
                    subcategory=Path(path).stem.removesuffix("-examples"),
                    labels={
                        "item": (
                            "Page: attention examples"
                            if path.endswith("-examples.html")
                            else "Page: needed, faithful, unique?"
                        )
                    },
                )
                if name not in ("index", "front", "csv", "comparisons")
                else path
            )
            for name, path in verdict_outputs().items()
        },
    log:
        "results/logs/report/verdicts.log",
    benchmark:
        "results/benchmarks/report/verdicts.tsv"
    group:
        "aggregates"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        aggregate="verdict_pages",
        pages=verdict_pages(),
        rules=config["verdicts"],
        epsilon=config["jain_wallace"]["adversary"]["select_epsilon"],
    script:
        "../scripts/aggregate.py"
