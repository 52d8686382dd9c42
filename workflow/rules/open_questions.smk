# The questions the 2019 debate left open, answered from the runs: the "Open questions" page
# (attnaudit.report.open_questions). Built so far: which tasks need attention, and what the
# encoder changes.


# The second section's inputs and outputs, where two encoders with learned attention share
# the datasets (Plan.compares_encoders): nothing to compare otherwise.
ENCODER_INPUTS = (
    dict(
        importance=PLAN.family_tables("jain_wallace", "importance"),
        permutation=PLAN.family_tables("jain_wallace", "permutation"),
        adversary=PLAN.family_tables("jain_wallace", "adversary"),
        eraser=PLAN.family_tables("faithfulness", "eraser"),
        replacement=PLAN.family_tables("vashishth", "replacement"),
    )
    if PLAN.compares_encoders()
    else {}
)
ENCODER_OUTPUTS = (
    dict(
        encoders_csv=f"{REPORT}/open_questions/encoders.csv",
        encoders_html=report(
            f"{REPORT}/open_questions/encoders.html",
            caption="../report/open_questions_encoders_table.rst",
            category="Open questions",
            subcategory="What does the encoder change?",
            labels={"item": "Table: each encoder's measures over seeds"},
        ),
        differences_csv=f"{REPORT}/open_questions/encoder_differences.csv",
        differences_html=report(
            f"{REPORT}/open_questions/encoder_differences.html",
            caption="../report/open_questions_encoder_differences_table.rst",
            category="Open questions",
            subcategory="What does the encoder change?",
            labels={"item": "Table: which encoders differ, paired by seed"},
        ),
        encoders_figure=report(
            f"{REPORT}/figures/open_questions_encoders.png",
            caption="../report/open_questions_encoders.rst",
            category="Open questions",
            subcategory="What does the encoder change?",
            labels={"item": "Figure: each measure per encoder"},
        ),
    )
    if PLAN.compares_encoders()
    else {}
)


if PLAN.open_questions_outputs():

    rule open_questions:
        input:
            **ENCODER_INPUTS,
            metrics=PLAN.runs(rules.train.output.metrics),
            code=code("aggregate.py"),
        output:
            **ENCODER_OUTPUTS,
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
            datasets={d: PLAN.dataset_options(d) for d in PLAN.datasets},
            needed=config["verdicts"]["needed"],
        script:
            "../scripts/aggregate.py"
