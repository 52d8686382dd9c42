# The questions the 2019 debate left open, answered from the runs: the "Open questions" page
# (attnaudit.report.open_questions, .complexity, .class_effects, .transfer): which tasks need
# attention, what the encoder changes, whether attention transfers, what makes adversarial
# attention easy, and effects beyond the decision. Each section's inputs and outputs exist
# where the config gives it something to answer.


# The second section's outputs, where two encoders with learned attention share the
# datasets (Plan.compares_encoders): nothing to compare otherwise; its inputs are the plan's
# (Plan.encoder_inputs: open_questions.encoders' own runs, or the grid's analysis tables).
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

# The first section's outputs, where a model with learned attention has its uniform control.
NEEDS_OUTPUTS = (
    dict(
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
    )
    if PLAN.asks_needs()
    else {}
)
# The complexity section's inputs and outputs, where open_questions.complexity sweeps a dataset.
COMPLEXITY_INPUTS = (
    dict(
        complexity_metrics=PLAN.complexity_files("metrics.json"),
        complexity_permutation=PLAN.complexity_files(
            "jain_wallace/permutation.parquet", analysed=True
        ),
        complexity_adversary=PLAN.complexity_files(
            "jain_wallace/adversary.parquet", analysed=True
        ),
    )
    if PLAN.complexity_points()
    else {}
)
COMPLEXITY_OUTPUTS = (
    dict(
        complexity_csv=f"{REPORT}/open_questions/complexity.csv",
        complexity_html=report(
            f"{REPORT}/open_questions/complexity.html",
            caption="../report/open_questions_complexity_table.rst",
            category="Open questions",
            subcategory="What makes adversarial attention easy?",
            labels={"item": "Table: trends over hidden size and training share"},
        ),
        complexity_values_csv=f"{REPORT}/open_questions/complexity_values.csv",
        complexity_values_html=report(
            f"{REPORT}/open_questions/complexity_values.html",
            caption="../report/open_questions_complexity_values_table.rst",
            category="Open questions",
            subcategory="What makes adversarial attention easy?",
            labels={"item": "Table: each measure per swept value over seeds"},
        ),
        complexity_figure=report(
            f"{REPORT}/figures/open_questions_complexity.png",
            caption="../report/open_questions_complexity.rst",
            category="Open questions",
            subcategory="What makes adversarial attention easy?",
            labels={"item": "Figure: each measure over hidden size and training share"},
        ),
    )
    if PLAN.complexity_points()
    else {}
)

# The last section's inputs and outputs, where open_questions.class_effects names datasets.
CLASS_INPUTS = (
    dict(
        class_effects=PLAN.class_effect_runs(),
        class_summaries=expand(
            rules.preprocess.output.summary,
            dataset=config["open_questions"]["class_effects"]["datasets"],
        ),
    )
    if PLAN.class_effect_runs()
    else {}
)
CLASS_OUTPUTS = (
    dict(
        class_csv=f"{REPORT}/open_questions/class_effects.csv",
        class_html=report(
            f"{REPORT}/open_questions/class_effects.html",
            caption="../report/open_questions_class_effects_table.rst",
            category="Open questions",
            subcategory="Beyond the decision",
            labels={
                "item": "Table: top item, counter-evidence and permutation per model"
            },
        ),
        class_per_class_csv=f"{REPORT}/open_questions/class_effects_per_class.csv",
        class_per_class_html=report(
            f"{REPORT}/open_questions/class_effects_per_class.html",
            caption="../report/open_questions_class_effects_per_class_table.rst",
            category="Open questions",
            subcategory="Beyond the decision",
            labels={"item": "Table: the items that lower each class"},
        ),
        class_figure=report(
            f"{REPORT}/figures/open_questions_class_effects.png",
            caption="../report/open_questions_class_effects.rst",
            category="Open questions",
            subcategory="Beyond the decision",
            labels={"item": "Figure: each measure per model"},
        ),
    )
    if PLAN.class_effect_runs()
    else {}
)
# The transfer section's inputs and outputs, where open_questions.transfer names datasets.
TRANSFER_INPUTS = (
    dict(transfer_metrics=PLAN.transfer_files("metrics.json"))
    if PLAN.transfer_cells()
    else {}
)
TRANSFER_OUTPUTS = (
    dict(
        transfer_csv=f"{REPORT}/open_questions/transfer.csv",
        transfer_html=report(
            f"{REPORT}/open_questions/transfer.html",
            caption="../report/open_questions_transfer_table.rst",
            category="Open questions",
            subcategory="Transferring attention",
            labels={"item": "Table: each donor into each student, paired by seed"},
        ),
        transfer_figure=report(
            f"{REPORT}/figures/open_questions_transfer.png",
            caption="../report/open_questions_transfer.rst",
            category="Open questions",
            subcategory="Transferring attention",
            labels={"item": "Figure: the transfer matrix"},
        ),
    )
    if PLAN.transfer_cells()
    else {}
)


if PLAN.open_questions_outputs():

    rule open_questions:
        input:
            **PLAN.encoder_inputs(),
            **COMPLEXITY_INPUTS,
            **CLASS_INPUTS,
            **TRANSFER_INPUTS,
            metrics=PLAN.runs(rules.train.output.metrics),
            summaries=PLAN.per_dataset(rules.preprocess.output.summary),
            code=code("aggregate.py"),
        output:
            **NEEDS_OUTPUTS,
            **ENCODER_OUTPUTS,
            **COMPLEXITY_OUTPUTS,
            **CLASS_OUTPUTS,
            **TRANSFER_OUTPUTS,
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
            complexity=PLAN.complexity_params(),
            transfer=PLAN.transfer_params(),
            class_effects_max_instances=config["open_questions"]["class_effects"][
                "max_instances"
            ],
        script:
            "../scripts/aggregate.py"
