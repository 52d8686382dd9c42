# The questions the 2019 debate left open, answered from the runs: the "Open questions" page
# (attnaudit.report.open_questions). Built so far: which tasks need attention.


if PLAN.open_questions_outputs():

    rule open_questions:
        input:
            metrics=PLAN.runs(rules.train.output.metrics),
            code=code("aggregate.py"),
        output:
            csv=f"{REPORT}/open_questions/needs.csv",
            markdown=f"{REPORT}/open_questions/needs.md",
            html=report(
                f"{REPORT}/open_questions/needs.html",
                caption="../report/open_questions_needs_table.rst",
                category="Open questions",
                subcategory="Which tasks need attention?",
                labels={
                    "item": "Table: learned vs uniform per task, with built-in answers"
                },
            ),
            figure=report(
                f"{REPORT}/figures/open_questions_needs.png",
                caption="../report/open_questions_needs.rst",
                category="Open questions",
                subcategory="Which tasks need attention?",
                labels={"item": "Figure: learned minus uniform F1 per task"},
            ),
            page=report(
                PLAN.OPEN_QUESTIONS_PAGE,  # a page, not a catalogue item
                caption="../report/open_questions.rst",
                category="Open questions",
                subcategory="The page",
                labels={"item": "Page: open questions"},
            ),
        log:
            "results/logs/report/open_questions.log",
        benchmark:
            "results/benchmarks/report/open_questions.tsv"
        group:
            "aggregates"
        conda:
            ENV
        resources:
            mem_mb=2000,
            runtime=15,
        params:
            datasets={d: config["datasets"][d] for d in PLAN.datasets},
            needed=config["verdicts"]["needed"],
        script:
            "../scripts/aggregate.py"
