# One analysis job per trained model: every family of `analyses:` that applies to the model
# (attnaudit.settings.FAMILIES), one model load and one process start-up, which cost more
# than a small model's analyses. Each analysis keeps its own settings block and output
# table (`{RUN}/<family>/<analysis>.parquet`); editing any block reruns the analysis jobs
# and the tables built on them, never training. Three rules, one per kind of model: their
# outputs differ (Jain & Wallace's token-level measures need a flat model, the faithfulness
# metrics run on uniform attention too).


if PLAN.analysis_outputs("learned"):

    rule analyse:
        input:
            checkpoint=rules.train.output.checkpoint,
            tokens=run_data("tokens.parquet"),
            code=analysis_code("learned"),
        output:
            **PLAN.analysis_outputs("learned"),
        log:
            job_paths("analyses", RUN)[0],
        benchmark:
            job_paths("analyses", RUN)[1]
        wildcard_constraints:
            encoder=FLAT,
            attention=LEARNED_ATTENTION,
        group:
            "analyses"
        conda:
            ENV
        threads: THREADS
        resources:
            mem_mb=lambda wildcards: PLAN.analysis_mem_mb(wildcards.encoder),
            runtime=240,
        params:
            settings=PLAN.analysis_settings("learned"),
        script:
            "../scripts/analysis.py"


if PLAN.analysis_outputs("sentences"):

    use rule analyse as analyse_sentences with:
        input:
            checkpoint=rules.train.output.checkpoint,
            tokens=run_data("tokens.parquet"),
            code=analysis_code("sentences"),
        output:
            **PLAN.analysis_outputs("sentences"),
        wildcard_constraints:
            encoder=HIERARCHICAL,
            attention=LEARNED_ATTENTION,
        params:
            settings=PLAN.analysis_settings("sentences"),


if PLAN.analysis_outputs("uniform"):

    use rule analyse as analyse_uniform with:
        input:
            checkpoint=rules.train.output.checkpoint,
            tokens=run_data("tokens.parquet"),
            code=analysis_code("uniform"),
        output:
            **PLAN.analysis_outputs("uniform"),
        wildcard_constraints:
            encoder=FLAT,
            attention=UNIFORM_ATTENTION,
        params:
            settings=PLAN.analysis_settings("uniform"),
