# The open questions' effects beyond the decision (open_questions.class_effects): every
# class's probability under single-item erasure and permuted attention, on each model with
# learned attention (flat encoders) of the block's datasets; one job per run.


if PLAN.class_effect_runs():

    rule class_effects:
        input:
            checkpoint=rules.train.output.checkpoint,
            tokens=run_data("tokens.parquet"),
            code=code("analysis.py", "attnaudit.analyses.open_questions"),
        output:
            open_questions_class_effects=f"{RUN}/open_questions/class_effects.parquet",
        log:
            job_paths("class_effects", RUN)[0],
        benchmark:
            job_paths("class_effects", RUN)[1]
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
            settings=PLAN.class_effect_settings(),
        script:
            "../scripts/analysis.py"
