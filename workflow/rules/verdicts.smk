# The readable answer: per dataset x learned-attention model a verdict page (is attention
# needed, faithful, unique? each with a stated rule and the numbers behind it) and an
# attention-examples page, standalone HTML, also in report.html; an index page.


rule verdicts:
    input:
        **{f"table_{name}": path for name, path in PLAN.verdict_tables().items()},
        metrics=PLAN.runs(rules.train.output.metrics),
        eraser=PLAN.family_tables("faithfulness", "eraser"),
        importance=PLAN.family_tables("jain_wallace", "importance"),
        single=PLAN.family_tables("serrano_smith", "single_weight"),
        adversary=PLAN.family_tables("jain_wallace", "adversary"),
        pairs=PLAN.verdict_seed_pairs(),
        trained=PLAN.verdict_trained_adversaries(),
        tokens=list(PLAN.token_tables().values()),
        code=code("verdicts.py"),
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
            for name, path in PLAN.verdict_outputs().items()
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
        pages=PLAN.verdict_pages(),
        token_keys=list(PLAN.token_tables()),
        rules=config["verdicts"],
        epsilon=config["jain_wallace"]["adversary"]["select_epsilon"],
    script:
        "../scripts/verdicts.py"
